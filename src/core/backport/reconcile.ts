import type { Severity } from "../drift/track.js";
import { BRANCH_PREFIX, INCIDENT_FOLDER, workspaceSlug } from "./branch.js";
import type { ExistingBranch, ExistingPullRequest } from "./existing.js";
import type { BackportMarker } from "./marker.js";
import { ACTION_LABELS, labelsFor, type BackportPlan, type PlanAction } from "./plan.js";

/** What changed in a pull request's drift since driftback last wrote its body (by fingerprint). */
export interface DriftChanges {
  /** Drift that joined the group. */
  added: string[];
  /** Drift that is gone (resolved) or left the group. */
  removed: string[];
  /** Same drift, new live value. */
  changed: string[];
  /** Same drift, another action (a rule changed, or a person switched it). */
  switched: string[];
  /** The body had no readable marker: what it held is unknown. */
  unknown: boolean;
}

export type CloseReason = "resolved" | "superseded" | "ignored-by-rule" | "workspace-removed" | "duplicate";
export type LeaveReason = "up-to-date" | "merged" | "workspace-not-scanned" | "no-marker" | "ignored";

/**
 * One step towards GitHub matching the scan. Write operations must each be safe to repeat (a
 * crash may stop a run between any two), e.g. compare file contents before committing.
 */
export type Operation =
  /** No pull request for this key: create the branch (or reset one driftback left), commit, open the PR, label it, ask reviewers. */
  | { kind: "open"; key: string; plan: BackportPlan; reuseBranch: boolean; reason: "new" | "changed-since-closed" | "changed-since-merged" | "returned-after-merge" | "reopen-requested" }
  /** The branch is there but no pull request ever was (a run stopped after creating it): bring it to the plan's content, then open the PR. */
  | { kind: "resume"; key: string; plan: BackportPlan }
  /** The drift changed: one new commit on the branch, then title, body and labels. */
  | { kind: "update"; key: string; plan: BackportPlan; pr: number; changes: DriftChanges }
  /** Only driftback's commits and the base moved (or the branch lost its commit): rebuild the branch on the current base, then title, body and labels. */
  | { kind: "regenerate"; key: string; plan: BackportPlan; pr: number; changes: DriftChanges; cause: "base-moved" | "branch-empty" }
  /** Nothing for the branch; the body shows something new (title, why, first seen, settings). */
  | { kind: "refresh-body"; key: string; plan: BackportPlan; pr: number }
  /** A person pushed to the branch: never rewrite it; comment what changed, and refresh the body so the comment is made once. */
  | { kind: "comment-human-push"; key: string; plan: BackportPlan; pr: number; changes: DriftChanges }
  /** driftback's labels are missing or stale (a run stopped before labelling); other labels are a person's and stay. */
  | { kind: "label-fix"; key: string; pr: number; add: string[]; remove: string[] }
  /** Close with a comment (backport-closed template); delete the branch unless a person pushed to it. Close first, then comment. */
  | { kind: "close"; key: string; pr: number; branch: string; reason: CloseReason; deleteBranch: boolean; by?: { key: string; pr?: number } }
  /** A driftback branch no pull request uses and no drift needs (a run stopped before opening its PR, and the drift went away). */
  | { kind: "delete-branch"; key: string; branch: string }
  | { kind: "leave-alone"; key: string; pr?: number; reason: LeaveReason }
  /** Over `backport.max_open`: not opened this time; the dashboard says it waits. */
  | { kind: "wait-max-open"; key: string; plan: BackportPlan }
  /** The branch this drift needs has someone else's commits and no open pull request: the dashboard asks a person to delete or merge it. */
  | { kind: "branch-blocked"; key: string; plan: BackportPlan; branch: string };

const NO_WRITE: ReadonlySet<Operation["kind"]> = new Set(["leave-alone", "wait-max-open", "branch-blocked"]);

/** Whether an operation writes to GitHub. */
export function isWrite(operation: Operation): boolean {
  return !NO_WRITE.has(operation.kind);
}

export interface ReconcileContext {
  /** Workspaces this scan planned successfully: a failed scan never closes a pull request. */
  scanned: ReadonlySet<string>;
  /** Workspaces in the config now. */
  configured: ReadonlySet<string>;
  /** Fingerprints of every real drift this scan found, whatever its action (also those ignored by a rule or a person). */
  drifting: ReadonlySet<string>;
  /** Fingerprints whose "open again" checkbox a person ticked on the dashboard. */
  reopen?: ReadonlySet<string>;
  /**
   * Fingerprint -> the merged pull request a successful scan of its workspace later found it gone
   * from (clearedMerges): drift that comes back after that is new, not the merge waiting for its apply.
   */
  cleared?: ReadonlyMap<string, number>;
  /** `backport.max_open`: 0 is no limit. */
  maxOpen: number;
  /** `backport.labels`, for the labels a pull request should carry. */
  labels: readonly string[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * The lifecycle decision: given the pull requests this scan wants and what GitHub has, the
 * operations that make GitHub match, one primary operation per key (plus a label fix). Pure and
 * idempotent: once the operations are applied, the same inputs give only leave-alone. Follows
 * Renovate where it fits: a branch a person pushed to is never rewritten, a pull request closed
 * unmerged is not opened again for the same drift (see activeIgnores), a limit on open pull
 * requests with the rest waiting, the most severe and oldest drift first.
 */
export function reconcileBackports(desired: readonly BackportPlan[], existing: readonly ExistingPullRequest[], branches: readonly ExistingBranch[], context: ReconcileContext): Operation[] {
  const operations: Operation[] = [];
  const plans = [...desired].sort(byPriority);
  const planByBranch = new Map(plans.map((p) => [p.branch, p]));
  const desiredFingerprints = new Map(plans.flatMap((p) => [...p.items, ...p.overflow].map((i) => [i.fingerprint, p] as const)));
  const branchByName = new Map(branches.map((b) => [b.name, b]));

  let openCount = 0;

  // 1. Pull requests by key: the marker says, or the branch name when the marker was lost.
  const byKey = new Map<string, ExistingPullRequest[]>();
  for (const pr of existing) {
    const key = pr.marker?.key ?? planByBranch.get(pr.branch)?.key;
    if (key === undefined) {
      if (pr.state === "open") {
        openCount++; // it still takes a place under max_open
        operations.push({ kind: "leave-alone", key: pr.branch, pr: pr.number, reason: "no-marker" });
      }
      continue;
    }
    byKey.set(key, [...(byKey.get(key) ?? []), pr].sort((a, b) => a.number - b.number));
  }

  // 2. Each desired pull request against what exists for its key.
  const toOpen: Operation[] = [];
  for (const desired of plans) {
    const prs = byKey.get(desired.key) ?? [];
    const after = returnedAfter(desired, prs, context.cleared);
    const plan = after === undefined ? desired : { ...desired, returnedAfter: after };
    const open = prs.filter((pr) => pr.state === "open");
    const [kept, ...duplicates] = open;
    for (const duplicate of duplicates) operations.push(closeOp(plan.key, duplicate, "duplicate", { key: plan.key, pr: kept!.number }));
    if (kept) {
      openCount++;
      operations.push(...keepCurrent(plan, kept, context));
      continue;
    }
    const latest = prs.at(-1);
    const reopened = plan.items.some((i) => context.reopen?.has(i.fingerprint));
    const returned = latest?.merged === true && after === latest.number;
    if (latest && !reopened && !returned && latest.marker && carriedAtSameValues(latest.marker, plan)) {
      if (latest.merged) {
        operations.push({ kind: "leave-alone", key: plan.key, pr: latest.number, reason: "merged" });
        continue;
      }
      if (latest.closedBy !== "driftback") {
        operations.push({ kind: "leave-alone", key: plan.key, pr: latest.number, reason: "ignored" });
        continue;
      }
    }
    const branch = branchByName.get(plan.branch);
    if (branch && !branch.onlyDriftback && !latest?.merged) {
      operations.push({ kind: "branch-blocked", key: plan.key, plan, branch: plan.branch });
      continue;
    }
    if (branch && !latest) toOpen.push({ kind: "resume", key: plan.key, plan });
    else {
      const reason = reopened ? "reopen-requested" : !latest ? "new" : returned ? "returned-after-merge" : latest.merged ? "changed-since-merged" : "changed-since-closed";
      toOpen.push({ kind: "open", key: plan.key, plan, reuseBranch: branch !== undefined, reason });
    }
  }

  // 3. Open pull requests no desired plan claims: resolved, superseded, ignored by a rule, or not scanned.
  const desiredKeys = new Set(plans.map((p) => p.key));
  for (const [key, prs] of byKey) {
    if (desiredKeys.has(key)) continue;
    for (const pr of prs.filter((p) => p.state === "open")) {
      const marker = pr.marker!; // a pull request without a marker has a key only through a desired plan's branch
      if (!context.configured.has(marker.workspace)) operations.push(closeOp(key, pr, "workspace-removed"));
      else if (!context.scanned.has(marker.workspace)) {
        openCount++;
        operations.push({ kind: "leave-alone", key, pr: pr.number, reason: "workspace-not-scanned" });
      } else {
        const fingerprints = marker.items.map((i) => i.fingerprint);
        const successor = fingerprints.map((f) => desiredFingerprints.get(f)).find((p) => p !== undefined);
        if (successor) operations.push(closeOp(key, pr, "superseded", { key: successor.key, pr: byKey.get(successor.key)?.find((p) => p.state === "open")?.number }));
        else if (fingerprints.some((f) => context.drifting.has(f))) operations.push(closeOp(key, pr, "ignored-by-rule"));
        else operations.push(closeOp(key, pr, "resolved"));
      }
    }
  }

  // 4. New pull requests, most severe and oldest first, up to the limit.
  for (const operation of toOpen) {
    if (context.maxOpen > 0 && openCount >= context.maxOpen) {
      operations.push({ kind: "wait-max-open", key: operation.key, plan: (operation as { plan: BackportPlan }).plan });
      continue;
    }
    openCount++;
    operations.push(operation);
  }

  // 5. Branches nothing uses any more, left by a run that stopped before opening their pull request.
  const used = new Set([...plans.map((p) => p.branch), ...existing.map((pr) => pr.branch)]);
  const scannedSlugs = new Set([...context.scanned].map((w) => `${BRANCH_PREFIX}${workspaceSlug(w)}/`));
  for (const branch of branches) {
    if (used.has(branch.name) || !branch.onlyDriftback) continue;
    const folder = branch.name.slice(0, branch.name.lastIndexOf("/") + 1);
    // incident branches end with their workspace: driftback/incident/<incident>/<workspace>
    const incidentOf = branch.name.startsWith(`${BRANCH_PREFIX}${INCIDENT_FOLDER}/`) && branch.name.split("/").length === 4 ? `${BRANCH_PREFIX}${branch.name.slice(branch.name.lastIndexOf("/") + 1)}/` : undefined;
    if (scannedSlugs.has(folder) || (incidentOf !== undefined && scannedSlugs.has(incidentOf))) operations.push({ kind: "delete-branch", key: branch.name, branch: branch.name });
  }
  return operations;
}

/** The operations for a desired pull request that is open now. */
function keepCurrent(plan: BackportPlan, pr: ExistingPullRequest, context: ReconcileContext): Operation[] {
  const head = pr.head ?? { onlyDriftback: false, baseMoved: false, empty: false };
  const marker = pr.marker;
  const changes = changesBetween(marker, plan);
  const changed = changes.unknown || changes.added.length + changes.removed.length + changes.changed.length + changes.switched.length > 0;
  // the drift records name the incident (key and link): another one is a new commit where driftback may write, else only
  // the body changes; a pin by `/driftback incident` writes the new link into the marker alone, so for a pinned link
  // a changed digest says the records may not name it yet
  const linked = plan.incident?.linked?.link;
  const relinked =
    marker !== undefined && ((marker.incident?.key ?? null) !== (linked?.key ?? null) || (marker.incident?.url ?? null) !== (linked?.url ?? null) || (marker.incident?.pinned === true && marker.digest !== plan.digest));
  const base = { key: plan.key, plan, pr: pr.number };
  let primary: Operation;
  if (!head.onlyDriftback) {
    if (!marker) primary = { kind: "refresh-body", ...base };
    else if (changed) primary = { kind: "comment-human-push", ...base, changes };
    else if (marker.digest !== plan.digest) primary = { kind: "refresh-body", ...base };
    else primary = { kind: "leave-alone", key: plan.key, pr: pr.number, reason: "up-to-date" };
  } else if (head.empty || head.baseMoved) primary = { kind: "regenerate", ...base, changes, cause: head.empty ? "branch-empty" : "base-moved" };
  else if (changed || relinked) primary = { kind: "update", ...base, changes };
  else if (marker!.digest !== plan.digest) primary = { kind: "refresh-body", ...base };
  else primary = { kind: "leave-alone", key: plan.key, pr: pr.number, reason: "up-to-date" };
  // a marker from before seals (or sealed with a rotated-out key) is adopted once: the body is written again, sealed
  if (primary.kind === "leave-alone" && pr.seal === "adopted") primary = { kind: "refresh-body", ...base };
  if (primary.kind !== "leave-alone") return [primary]; // every body write also sets the labels
  const fix = labelFix(plan.key, pr, marker!.action, context.labels);
  return fix ? [primary, fix] : [primary];
}

/** Missing labels for the pull request's current action, and driftback's action labels that no longer apply. */
function labelFix(key: string, pr: ExistingPullRequest, action: PlanAction, extra: readonly string[]): Operation | undefined {
  const wanted = labelsFor(action, extra);
  const add = wanted.filter((l) => !pr.labels.includes(l));
  const remove = pr.labels.filter((l) => ACTION_LABELS.includes(l) && !wanted.includes(l));
  return add.length + remove.length > 0 ? { kind: "label-fix", key, pr: pr.number, add, remove } : undefined;
}

/** Differences between what the marker says driftback last wrote and what the scan found. */
export function changesBetween(marker: BackportMarker | undefined, plan: BackportPlan): DriftChanges {
  if (!marker) return { added: [], removed: [], changed: [], switched: [], unknown: true };
  const before = new Map(marker.items.map((i) => [i.fingerprint, i]));
  const now = new Set(plan.items.map((i) => i.fingerprint));
  const changes: DriftChanges = { added: [], removed: marker.items.filter((i) => !now.has(i.fingerprint)).map((i) => i.fingerprint), changed: [], switched: [], unknown: false };
  for (const item of plan.items) {
    const known = before.get(item.fingerprint);
    if (!known) changes.added.push(item.fingerprint);
    else {
      if (known.valueHash !== item.valueHash) changes.changed.push(item.fingerprint);
      if (known.action !== item.decision.action) changes.switched.push(item.fingerprint);
    }
  }
  return changes;
}

/**
 * The newest merged pull request of the key whose drift a successful scan found gone (the cleared
 * merges, or its own marker's record) for some drift of the plan: the drift came back after it.
 */
function returnedAfter(plan: BackportPlan, prs: readonly ExistingPullRequest[], cleared: ReadonlyMap<string, number> | undefined): number | undefined {
  const fingerprints = plan.items.map((i) => i.fingerprint);
  return prs.filter((pr) => pr.merged && fingerprints.some((f) => cleared?.get(f) === pr.number || pr.marker?.cleared?.includes(f))).at(-1)?.number;
}

/** Every drift of the plan was in that pull request at the same live value: a person closed or merged exactly this. */
function carriedAtSameValues(marker: BackportMarker, plan: BackportPlan): boolean {
  const carried = new Map(marker.items.map((i) => [i.fingerprint, i.valueHash]));
  return plan.items.every((i) => carried.get(i.fingerprint) === i.valueHash);
}

function closeOp(key: string, pr: ExistingPullRequest, reason: CloseReason, by?: { key: string; pr?: number }): Operation {
  return { kind: "close", key, pr: pr.number, branch: pr.branch, reason, deleteBranch: pr.head?.onlyDriftback ?? false, ...(by ? { by: by.pr === undefined ? { key: by.key } : by } : {}) };
}

function byPriority(a: BackportPlan, b: BackportPlan): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.firstSeen ?? "9999").localeCompare(b.firstSeen ?? "9999") || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
