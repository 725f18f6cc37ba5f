import { escapeUnprintable } from "../printable.js";
import type { JsonValue, PlanModel, ResourceChange } from "../plan/model.js";
import { fenceFor } from "../render/fence.js";
import { actionText } from "../render/labels.js";
import type { Masker } from "../render/mask.js";
import { isJsonObject } from "../render/values.js";
import { collectSensitive } from "../render/workspace-view.js";
import type { Templates } from "../templates.js";
import type { ApplyDifference, ExpectedChange } from "./apply-check.js";
import type { BackportApplyView } from "./view-types.js";

export type { BackportApplyView } from "./view-types.js";

/** Starts driftback's apply-result comment on a merged revert pull request: at most one per pull request. */
export const APPLY_MARKER = "<!-- driftback:apply -->";
/** Characters of terraform's output a failure comment shows (its end, where the error is). */
const ERROR_TAIL = 4_000;

/** How applying a merged revert pull request ended. */
export type ApplyResult =
  | { kind: "applied"; changes: readonly ExpectedChange[]; output: string }
  | { kind: "differs"; differences: readonly ApplyDifference[] }
  /** The pull request's marker does not say what apply should change (written before driftback recorded it). */
  | { kind: "no-expectation" }
  | { kind: "no-workspace" }
  | { kind: "plan-failed"; message: string; output: string; timedOut: boolean }
  | { kind: "apply-failed"; changes: readonly ExpectedChange[]; message: string; output: string; timedOut: boolean };

export interface ApplyViewInput {
  result: ApplyResult;
  tool: string;
  workspace: string;
  mergeSha: string;
  /** The merge commit's plan, when there was one: its sensitive values are scrubbed from terraform's output. */
  model?: PlanModel;
}

/** The comment on a merged revert pull request: applied, not applied and why, or the failure with the end of terraform's output. */
export function renderApplyResult(input: ApplyViewInput, ctx: { masker: Masker; templates: Pick<Templates, "backportApply"> }): string {
  const { result, model } = input;
  const { masker } = ctx;
  if (model) rememberSecrets(model, masker);
  const show = (text: string) => masker.scrubText(escapeUnprintable(text));
  const changes = "changes" in result ? result.changes.map((c) => ({ address: show(c.address), whole: c.paths.length === 0, paths: c.paths.map(show) })) : [];
  const byAddress = new Map((model?.resourceChanges ?? []).map((c) => [c.address, c]));
  const view: BackportApplyView = {
    marker: APPLY_MARKER,
    applied: result.kind === "applied",
    differs: result.kind === "differs",
    noExpectation: result.kind === "no-expectation",
    noWorkspace: result.kind === "no-workspace",
    planFailed: result.kind === "plan-failed",
    applyFailed: result.kind === "apply-failed",
    tool: input.tool,
    workspace: show(input.workspace),
    shortSha: input.mergeSha.slice(0, 7),
    changes,
    nothingPlanned: result.kind === "differs" && result.differences.every((d) => d.kind === "not-changed"),
    differences: result.kind === "differs" ? result.differences.map((d) => differenceRow(d, byAddress.get(d.address), show)) : [],
    summary: result.kind === "applied" ? closingLine(result.output, show) : null,
    error: result.kind === "plan-failed" || result.kind === "apply-failed" ? errorTail(result, show) : null,
  };
  return `${APPLY_MARKER}\n${ctx.templates.backportApply(view).trim()}`;
}

function differenceRow(d: ApplyDifference, change: ResourceChange | undefined, show: (text: string) => string): BackportApplyView["differences"][number] {
  return {
    address: show(d.address),
    notChanged: d.kind === "not-changed",
    unexpected: d.kind === "unexpected",
    refused: d.kind === "action",
    action: (d.kind === "unexpected" || d.kind === "action" || d.kind === "whole") && change ? actionText(change) : null,
    missing: d.kind === "paths" ? d.missing.map(show) : [],
    extra: d.kind === "paths" ? d.extra.map(show) : [],
    whole: d.kind === "whole",
    expectedWhole: d.kind === "whole" && d.expectedWhole,
  };
}

function closingLine(output: string, show: (text: string) => string): string | null {
  const line = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .findLast((l) => /^Apply complete!/.test(l));
  return line ? show(line) : null;
}

function errorTail(result: { message: string; output: string; timedOut: boolean }, show: (text: string) => string): BackportApplyView["error"] {
  const clean = show(result.output).trimEnd();
  const text = clean.length > ERROR_TAIL ? `… (earlier output cut)\n${clean.slice(clean.length - ERROR_TAIL)}` : clean || "(no output)";
  return { message: show(result.message), timedOut: result.timedOut, fence: fenceFor(text), text };
}

/** Values the plan marks sensitive, and values under attribute names the mask rules match, never reach the comment. */
function rememberSecrets(model: PlanModel, masker: Masker): void {
  masker.remember(collectSensitive(model));
  const walk = (value: JsonValue | undefined) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isJsonObject(value)) for (const [key, inner] of Object.entries(value)) (masker.isMaskedKey(key) ? masker.remember(inner) : walk(inner));
  };
  for (const change of model.resourceChanges) {
    walk(change.before);
    walk(change.after);
  }
}
