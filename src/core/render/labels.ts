import type { ChangeAction, PlanSummary, ResourceChange } from "../plan/model.js";
import { isMove } from "../plan/model.js";

const ICONS: Record<ChangeAction, string> = {
  create: "➕",
  update: "🔄",
  delete: "🗑️",
  "delete-create": "♻️",
  "create-delete": "♻️",
  read: "📖",
  "no-op": "🚚",
  forget: "🫥",
  unknown: "❔",
};

const ACTION_TEXT: Record<ChangeAction, string> = {
  create: "will be created",
  update: "will be updated in-place",
  delete: "will be destroyed",
  "delete-create": "must be replaced",
  "create-delete": "must be replaced (create before destroy)",
  read: "will be read during apply",
  "no-op": "has no changes",
  forget: "will be removed from state, not destroyed",
  unknown: "has an action driftback does not know",
};

/** terraform's `action_reason` values, phrased as terraform phrases them. */
const REASONS: Record<string, string> = {
  replace_because_tainted: "because it is tainted",
  replace_because_cannot_update: "because a changed attribute forces replacement",
  replace_by_request: "because -replace asked for it",
  replace_by_triggers: "because replace_triggered_by changed",
  delete_because_no_resource_config: "because its resource block is no longer in the configuration",
  delete_because_no_module: "because its module is no longer in the configuration",
  delete_because_wrong_repetition: "because it no longer uses count or for_each as before",
  delete_because_count_index: "because its count index is out of range",
  delete_because_each_key: "because its for_each key is gone",
  delete_because_no_move_target: "because its moved target does not exist",
  read_because_config_unknown: "because its configuration depends on values not yet known",
  read_because_dependency_pending: "because a resource it depends on has changes pending",
  read_because_check_nested: "because a check block reads it",
};

export function actionIcon(change: Pick<ResourceChange, "action"> & Partial<ResourceChange>): string {
  if (change.importing && change.action === "no-op") return "📦";
  return ICONS[change.action];
}

export function actionText(change: ResourceChange): string {
  const parts: string[] = [];
  if (change.importing) parts.push(change.importing.id ? `will be imported (id ${change.importing.id})` : "will be imported");
  if (isMove(change)) parts.push(`has moved from ${change.previousAddress}`);
  if (change.action !== "no-op" || parts.length === 0) parts.push(ACTION_TEXT[change.action]);
  const reason = change.actionReason ? REASONS[change.actionReason] : undefined;
  return reason ? `${parts.join(", ")} ${reason}` : parts.join(", ");
}

export function driftText(change: ResourceChange): string {
  return change.action === "delete" ? "was deleted outside of Terraform" : "was changed outside of Terraform";
}

const SUMMARY_VERBS: [keyof PlanSummary, string][] = [
  ["import", "import"],
  ["add", "add"],
  ["change", "change"],
  ["replace", "replace"],
  ["destroy", "destroy"],
  ["move", "move"],
  ["forget", "forget"],
];

export function summaryParts(summary: PlanSummary): { count: number; verb: string }[] {
  return SUMMARY_VERBS.filter(([key]) => summary[key] > 0).map(([key, verb]) => ({ count: summary[key], verb }));
}

export function summaryTitle(summary: PlanSummary): string {
  const parts = summaryParts(summary);
  return parts.length === 0 ? "No changes" : parts.map((p) => `${p.count} to ${p.verb}`).join(", ");
}
