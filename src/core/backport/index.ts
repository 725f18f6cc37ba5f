/**
 * Backport pull requests, the pure core: which pull requests a scan wants, what GitHub must do to
 * match, and every word they carry. No I/O here; the use case (backport-drift) wires it to the
 * BackportHost, the runner and the codify engine. Expected order, per repository and scan:
 *
 *  1. Scan (scanRepository) -> DriftItems of the workspaces planned successfully (`scanned`).
 *  2. Read driftback's pull requests (any state) and `driftback/` branches; for each pull request
 *     `parseMarker(body)` and, for open ones, a compare of its branch (`head`: onlyDriftback,
 *     baseMoved, empty) -> ExistingPullRequest[] and ExistingBranch[].
 *  3. Decide: `compileRules(config.backport.rules)` once, `switchedActions(existing)` for the
 *     people's `/driftback codify|revert`, then `decideAction(item, { rules, tier, masker, override })`
 *     for each actionable or deleted item -> DecidedDrift[].
 *  4. `activeIgnores(existing, rememberedIgnores, reopenTicked)` then `splitIgnored(decided, ignores, masker)`:
 *     drift a person closed unmerged stays out until its live value changes (`ignored` goes to the dashboard).
 *  5. `planBackports(active, { config, masker, templates, firstSeen })` -> BackportPlan[] (grouped, titled, labelled, branch named).
 *  6. `clearedMerges(existing, rememberedCleared, { scanned, drifting })`: merged pull requests whose drift a
 *     successful scan found gone (kept in the dashboard state, and by `clearedMarkers` in those pull requests' markers), then
 *     `reconcileBackports(plans, existing, branches, { scanned, configured, drifting, reopen, cleared, maxOpen, labels })`
 *     -> Operation[]: one primary operation per key; `isWrite(op)` tells the writes.
 *  7. For each open / resume / update / regenerate operation: check out base, `codifyDrift` the
 *     plan's codify items, run one targeted verification plan per workspace (unless
 *     `backport.verify` is false), map results to CodifyOutcome per fingerprint, then
 *     `settleBackport(plan, outcomes, …)` -> title, labels, marker as the pull request really is.
 *     Files: the HCL edits plus `renderDriftRecord` for each of `recordedItems(settled, config)`.
 *     Body: `renderBackportBody({ settled, revertChanges, verificationChanges, config }, …)`.
 *     refresh-body needs the same body without a commit: run codify again in memory for the
 *     outcomes; a drift the marker says was `settled` as revert although codify succeeds is
 *     "still-changes" (the verification plan rejected it before).
 *  8. close: `renderBackportClosed(op)`; comment-human-push: `renderHumanPush(op)`, then refresh the body.
 *  9. Dashboard state: `pr` per fingerprint from the operations, the ignored list from step 4,
 *     `wait-max-open` and `branch-blocked` as readable reasons.
 *
 * Every write must be safe to repeat: a crash may stop a run between any two writes, and the next
 * scan converges from what GitHub then shows (tested in test/core/backport/lifecycle.test.ts).
 */
export { backportKey, branchFor, workspaceSlug, BRANCH_PREFIX, INCIDENT_FOLDER, WORKSPACE_GROUP, type BackportGroup } from "./branch.js";
export { encodeMarker, parseMarker, readMarker, lastLine, type MarkerReading, MARKER_VERSION, INCIDENT_LINK_SOURCES, type BackportMarker, type IncidentLink, type IncidentLinkSource } from "./marker.js";
export { planBackports, actionOf, labelsFor, titleFor, ACTION_LABELS, TITLE_LIMIT, type BackportPlan, type DecidedDrift, type PlannedDrift, type PlanAction, type PlanOptions, type PlanIncident, type PlanIncidents } from "./plan.js";
export { activeIgnores, splitIgnored, switchedActions, type ExistingBranch, type ExistingPullRequest, type IgnoredDrift } from "./existing.js";
export { clearedMarkers, clearedMerges, CLEARED_LIMIT, type ClearContext, type ClearedMerge } from "./recurrence.js";
export { reconcileBackports, changesBetween, isWrite, type CloseReason, type DriftChanges, type LeaveReason, type Operation, type ReconcileContext } from "./reconcile.js";
export { settleBackport, recordPath, recordedItems, type CodifyOutcome, type SettledBackport, type SettledDrift } from "./settle.js";
export {
  renderBackportBody,
  renderDriftRecord,
  renderBackportClosed,
  renderHumanPush,
  type BackportBodyInput,
  type BackportBodyView,
  type BackportClosedView,
  type BackportHumanPushView,
  type BackportTitleView,
  type BodyContext,
  type DriftRecordView,
  type RecordInput,
} from "./view.js";
