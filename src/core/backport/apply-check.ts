import { changedAttributes } from "../drift/pairing.js";
import { formatAttributePath } from "../hcl/address.js";
import { isMove, type ChangeAction, type PlanModel, type ResourceChange } from "../plan/model.js";
import type { Masker } from "../render/mask.js";

/** What a revert pull request showed apply will change on one resource (the marker's `expect`). No paths: the whole resource. */
export interface ExpectedChange {
  address: string;
  paths: string[];
}

/** One way the merge commit's plan is not what the pull request showed. */
export type ApplyDifference =
  /** The pull request showed a change to it; the plan no longer changes it (applied already, or changed back). */
  | { kind: "not-changed"; address: string }
  /** The plan changes a resource the pull request did not show. */
  | { kind: "unexpected"; address: string; action: ChangeAction }
  /** The plan would destroy, replace or forget it (or act in a way driftback does not know): never applied automatically. */
  | { kind: "action"; address: string; action: ChangeAction }
  /** The pull request showed it created again and the plan updates it in place, or the other way round. */
  | { kind: "whole"; address: string; expectedWhole: boolean; action: ChangeAction }
  /** Same resource, other attributes: `missing` were shown and no longer change, `extra` change and were not shown. */
  | { kind: "paths"; address: string; missing: string[]; extra: string[] };

export type ApplyCheck = { ok: true; changes: ExpectedChange[] } | { ok: false; differences: ApplyDifference[] };

/** The only actions driftback applies on its own: anything that destroys, replaces or forgets waits for a person. */
const APPLICABLE: ReadonlySet<ChangeAction> = new Set(["create", "update"]);

/**
 * The attribute paths a planned change touches, named as the marker's `expect` names them (backport-files
 * expectedChanges): `changedAttributes` read on the `after` side, formatted, masked, sorted, each once; a
 * resource created again is the whole resource (no paths).
 */
export function changedPathsOf(change: Pick<ResourceChange, "action" | "before" | "after">, masker: Masker): string[] {
  if (change.action === "create") return [];
  const paths = changedAttributes(change.before ?? null, change.after ?? null, "after").map((c) => masker.scrubText(formatAttributePath(c.path)));
  return [...new Set(paths)].sort();
}

/**
 * Whether the merge commit's targeted plan changes exactly what the pull request showed: the same
 * resources, the same attribute paths on each, nothing else, and nothing destroyed or replaced.
 * Data sources a targeted plan reads are not changes. Pure.
 */
export function checkPlannedChanges(expected: readonly ExpectedChange[], model: Pick<PlanModel, "resourceChanges">, masker: Masker): ApplyCheck {
  // addresses as the marker holds them: masked
  const planned = new Map(model.resourceChanges.filter(counts).map((c) => [masker.scrubText(c.address), c]));
  const differences: ApplyDifference[] = [];
  const shown = new Set<string>();
  for (const want of expected) {
    shown.add(want.address);
    const change = planned.get(want.address);
    // a move or an import alone changes no attribute
    if (!change || change.action === "no-op") {
      differences.push({ kind: "not-changed", address: want.address });
      continue;
    }
    if (!APPLICABLE.has(change.action)) {
      differences.push({ kind: "action", address: want.address, action: change.action });
      continue;
    }
    if ((want.paths.length === 0) !== (change.action === "create")) {
      differences.push({ kind: "whole", address: want.address, expectedWhole: want.paths.length === 0, action: change.action });
      continue;
    }
    const paths = new Set(changedPathsOf(change, masker));
    const wantPaths = new Set(want.paths);
    const missing = [...wantPaths].filter((p) => !paths.has(p)).sort();
    const extra = [...paths].filter((p) => !wantPaths.has(p)).sort();
    if (missing.length > 0 || extra.length > 0) differences.push({ kind: "paths", address: want.address, missing, extra });
  }
  for (const [address, change] of planned) {
    if (shown.has(address)) continue;
    differences.push({ kind: APPLICABLE.has(change.action) || change.action === "no-op" ? "unexpected" : "action", address, action: change.action });
  }
  if (differences.length > 0) return { ok: false, differences };
  return { ok: true, changes: expected.map((e) => ({ address: e.address, paths: [...e.paths].sort() })) };
}

/** A managed resource the plan would do something to (a move or an import counts; a data read does not). */
function counts(change: ResourceChange): boolean {
  return change.mode === "managed" && (change.action !== "no-op" || isMove(change) || change.importing !== undefined);
}
