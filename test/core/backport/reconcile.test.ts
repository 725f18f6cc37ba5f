import { describe, expect, it } from "vitest";
import { activeIgnores, isWrite, reconcileBackports, splitIgnored, type BackportPlan, type ExistingBranch, type ExistingPullRequest, type ReconcileContext } from "../../../src/core/backport/index.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { Masker } from "../../../src/core/render/mask.js";
import { driftItem } from "../../support/drift-item.js";
import { describeOp } from "./describe-op.js";
import { branch, closedPr, markerFor, openPr } from "./github-state.js";
import { configWith, decideAll, plansFor } from "./support.js";

const api = driftItem("aws_instance.api", "ami", { before: "ami-1", after: "ami-2" });
const apiMoved = { ...api, after: "ami-3" };
const apiTag = driftItem("aws_instance.api", "tags.Owner", { before: "a", after: "b" });
const web = driftItem("aws_instance.web", "ami");
const iam = driftItem("aws_iam_role.ci", "name");
const stagingDb = driftItem("aws_instance.db", "ami", { workspace: "staging" });

const plan = (items: DriftItem[], config = configWith()) => plansFor(items, config);
const one = (items: DriftItem[], config = configWith()): BackportPlan => plan(items, config)[0]!;

interface Case {
  name: string;
  desired: BackportPlan[];
  existing?: ExistingPullRequest[];
  branches?: ExistingBranch[];
  context?: Partial<ReconcileContext>;
  expected: string[];
}

const context = (items: DriftItem[], overrides: Partial<ReconcileContext> = {}): ReconcileContext => ({
  scanned: new Set(["prod", "staging"]),
  configured: new Set(["prod", "staging"]),
  drifting: new Set(items.map(fingerprintOf)),
  maxOpen: 10,
  labels: [],
  ...overrides,
});

const cases: (Case & { drifting: DriftItem[] })[] = [
  { name: "new drift opens a pull request", desired: plan([api]), drifting: [api], expected: ["open prod/aws_instance.api (new)"] },
  { name: "an unchanged rescan leaves the pull request alone", desired: plan([api]), existing: [openPr(5, one([api]))], drifting: [api], expected: ["leave-alone #5 (up-to-date)"] },
  { name: "a changed live value adds a commit", desired: plan([apiMoved]), existing: [openPr(5, one([api]))], drifting: [apiMoved], expected: ["update #5 +0 -0 ~1 ⇄0"] },
  { name: "a new attribute drifting on the same resource joins its pull request", desired: plan([api, apiTag]), existing: [openPr(5, one([api]))], drifting: [api, apiTag], expected: ["update #5 +1 -0 ~0 ⇄0"] },
  { name: "one attribute resolved leaves the rest in the pull request", desired: plan([api]), existing: [openPr(5, one([api, apiTag]))], drifting: [api], expected: ["update #5 +0 -1 ~0 ⇄0"] },
  {
    name: "a rule that changes the action regenerates the content in place",
    desired: plan([api], configWith({ backport: { rules: [{ type: "aws_instance", action: "revert" }] } })),
    existing: [openPr(5, one([api]))],
    drifting: [api],
    expected: ["update #5 +0 -0 ~0 ⇄1"],
  },
  { name: "a setting the body shows (apply.on_merge) refreshes only the body", desired: plan([api], configWith({ apply: { on_merge: true } })), existing: [openPr(5, one([api]))], drifting: [api], expected: ["refresh-body #5"] },
  { name: "a branch a person pushed to is never rewritten: the change is commented", desired: plan([apiMoved]), existing: [openPr(5, one([api]), { head: { onlyDriftback: false, baseMoved: true } })], drifting: [apiMoved], expected: ["comment-human-push #5 +0 -0 ~1 ⇄0"] },
  { name: "a branch a person pushed to stays as it is when only the base moved", desired: plan([api]), existing: [openPr(5, one([api]), { head: { onlyDriftback: false, baseMoved: true } })], drifting: [api], expected: ["leave-alone #5 (up-to-date)"] },
  { name: "a moved base regenerates a branch holding only driftback's commits", desired: plan([api]), existing: [openPr(5, one([api]), { head: { baseMoved: true } })], drifting: [api], expected: ["regenerate #5 (base-moved) +0 -0 ~0 ⇄0"] },
  { name: "a branch left without its commit (a stopped rewrite) is regenerated", desired: plan([api]), existing: [openPr(5, one([api]), { head: { empty: true } })], drifting: [api], expected: ["regenerate #5 (branch-empty) +0 -0 ~0 ⇄0"] },
  { name: "an open pull request whose compare is unknown is treated as a person's branch", desired: plan([apiMoved]), existing: [{ ...openPr(5, one([api])), head: undefined }], drifting: [apiMoved], expected: ["comment-human-push #5 +0 -0 ~1 ⇄0"] },
  { name: "drift that disappeared closes its pull request and deletes the branch", desired: [], existing: [openPr(5, one([api]))], drifting: [], expected: ["close #5 resolved, deleting the branch"] },
  { name: "a resolved pull request a person pushed to is closed but its branch kept", desired: [], existing: [openPr(5, one([api]), { head: { onlyDriftback: false } })], drifting: [], expected: ["close #5 resolved, keeping the branch"] },
  { name: "a failed scan of the workspace closes nothing", desired: [], existing: [openPr(5, one([api]))], drifting: [], context: { scanned: new Set(["staging"]) }, expected: ["leave-alone #5 (workspace-not-scanned)"] },
  { name: "a workspace removed from the config closes its pull requests", desired: [], existing: [openPr(5, one([api]))], drifting: [], context: { scanned: new Set(["staging"]), configured: new Set(["staging"]) }, expected: ["close #5 workspace-removed, deleting the branch"] },
  { name: "drift a rule now ignores closes its pull request", desired: [], existing: [openPr(5, one([api]))], drifting: [api], expected: ["close #5 ignored-by-rule, deleting the branch"] },
  {
    name: "switching to group_by: workspace closes the per-resource pull requests as superseded",
    desired: plan([api, web], configWith({ backport: { group_by: "workspace" } })),
    existing: [openPr(5, one([api])), openPr(6, one([web]))],
    drifting: [api, web],
    expected: ["close #5 superseded, deleting the branch (by prod/*)", "close #6 superseded, deleting the branch (by prod/*)", "open prod/* (new)"],
  },
  { name: "a pull request a person closed unmerged is not opened again for the same value", desired: plan([api]), existing: [closedPr(5, one([api]))], drifting: [api], expected: ["leave-alone #5 (ignored)"] },
  { name: "a changed live value opens a closed drift again", desired: plan([apiMoved]), existing: [closedPr(5, one([api]))], branches: [branch("driftback/prod/aws_instance.api")], drifting: [apiMoved], expected: ["open prod/aws_instance.api (changed-since-closed, reusing the branch)"] },
  { name: "a ticked dashboard checkbox opens an ignored drift again", desired: plan([api]), existing: [closedPr(5, one([api]))], drifting: [api], context: { reopen: new Set([fingerprintOf(api)]) }, expected: ["open prod/aws_instance.api (reopen-requested)"] },
  { name: "drift that comes back after driftback closed it as resolved opens a new pull request", desired: plan([api]), existing: [closedPr(5, one([api]), { closedBy: "driftback" })], drifting: [api], expected: ["open prod/aws_instance.api (changed-since-closed)"] },
  { name: "a merged pull request whose drift is still there waits for apply", desired: plan([api]), existing: [closedPr(5, one([api]), { merged: true, closedBy: undefined })], drifting: [api], expected: ["leave-alone #5 (merged)"] },
  {
    name: "the same drift back after a scan found its merged pull request's drift gone opens a new pull request",
    desired: plan([api]),
    existing: [closedPr(5, one([api]), { merged: true, closedBy: undefined })],
    branches: [branch("driftback/prod/aws_instance.api", false)],
    drifting: [api],
    context: { cleared: new Map([[fingerprintOf(api), 5]]) },
    expected: ["open prod/aws_instance.api (returned-after-merge, reusing the branch)"],
  },
  {
    name: "a merged pull request's own marker record counts as cleared (a run without a dashboard)",
    desired: plan([api]),
    existing: [{ ...closedPr(5, one([api]), { merged: true, closedBy: undefined }), marker: { ...closedPr(5, one([api])).marker!, cleared: [fingerprintOf(api)] } }],
    drifting: [api],
    expected: ["open prod/aws_instance.api (returned-after-merge)"],
  },
  {
    name: "a cleared entry of an older pull request does not lift a newer merge",
    desired: plan([api]),
    existing: [closedPr(3, one([api]), { merged: true, closedBy: undefined }), closedPr(5, one([api]), { merged: true, closedBy: undefined })],
    drifting: [api],
    context: { cleared: new Map([[fingerprintOf(api), 3]]) },
    expected: ["leave-alone #5 (merged)"],
  },
  {
    name: "a new value after a merge opens a new pull request, reusing the merged branch",
    desired: plan([apiMoved]),
    existing: [closedPr(5, one([api]), { merged: true, closedBy: undefined })],
    branches: [branch("driftback/prod/aws_instance.api", false)],
    drifting: [apiMoved],
    expected: ["open prod/aws_instance.api (changed-since-merged, reusing the branch)"],
  },
  { name: "a branch without a pull request (a run stopped after creating it) is resumed", desired: plan([api]), branches: [branch("driftback/prod/aws_instance.api")], drifting: [api], expected: ["resume prod/aws_instance.api"] },
  { name: "a branch someone else committed to and no pull request blocks the drift", desired: plan([api]), branches: [branch("driftback/prod/aws_instance.api", false)], drifting: [api], expected: ["branch-blocked prod/aws_instance.api"] },
  {
    name: "an orphan driftback branch of a scanned workspace is deleted, one of an unscanned workspace kept",
    desired: [],
    branches: [branch("driftback/prod/aws_instance.gone"), branch("driftback/staging/aws_instance.gone"), branch("driftback/prod/aws_instance.human", false)],
    drifting: [],
    context: { scanned: new Set(["prod"]) },
    expected: ["delete-branch driftback/prod/aws_instance.gone"],
  },
  { name: "missing labels (a run stopped before labelling) are added", desired: plan([api]), existing: [openPr(5, one([api]), { labels: ["needs-review"] })], drifting: [api], expected: ["leave-alone #5 (up-to-date)", "label-fix #5 +[drift,drift:codify] -[]"] },
  {
    name: "a stale action label goes, a person's label stays, following the action the pull request took",
    desired: plan([api]),
    existing: [{ ...openPr(5, one([api])), marker: markerFor(one([api]), [fingerprintOf(api)]).marker, labels: ["drift", "drift:codify", "needs-review"] }],
    drifting: [api],
    expected: ["leave-alone #5 (up-to-date)", "label-fix #5 +[drift:revert] -[drift:codify]"],
  },
  { name: "two open pull requests for one drift: the newer is closed as a duplicate", desired: plan([api]), existing: [openPr(5, one([api])), openPr(9, one([api]))], drifting: [api], expected: ["close #9 duplicate, deleting the branch (by #5)", "leave-alone #5 (up-to-date)"] },
  { name: "a lost marker on driftback's branch rewrites the content", desired: plan([api]), existing: [{ ...openPr(5, one([api])), marker: undefined }], drifting: [api], expected: ["update #5 unknown"] },
  { name: "a lost marker on a branch a person pushed to only restores the body", desired: plan([api]), existing: [{ ...openPr(5, one([api]), { head: { onlyDriftback: false } }), marker: undefined }], drifting: [api], expected: ["refresh-body #5"] },
  { name: "an open pull request driftback cannot read is left alone", desired: [], existing: [{ ...openPr(5, one([api])), marker: undefined, branch: "driftback/prod/something" }], drifting: [], expected: ["leave-alone #5 (no-marker)"] },
  {
    name: "over max_open the most severe drift opens first and the rest wait",
    desired: plan([api, iam, stagingDb, web]),
    existing: [openPr(3, one([web]))],
    drifting: [api, iam, stagingDb, web],
    context: { maxOpen: 2 },
    expected: ["leave-alone #3 (up-to-date)", "open prod/aws_iam_role.ci (new)", "wait-max-open prod/aws_instance.api", "wait-max-open staging/aws_instance.db"],
  },
  { name: "closing resolved pull requests frees places under max_open", desired: plan([api]), existing: [openPr(3, one([web]))], drifting: [api], context: { maxOpen: 1 }, expected: ["close #3 resolved, deleting the branch", "open prod/aws_instance.api (new)"] },
  { name: "max_open 0 means no limit", desired: plan([api, iam, stagingDb]), drifting: [api, iam, stagingDb], context: { maxOpen: 0 }, expected: ["open prod/aws_iam_role.ci (new)", "open prod/aws_instance.api (new)", "open staging/aws_instance.db (new)"] },
];

describe("reconcileBackports", () => {
  it.each(cases)("$name", ({ desired, existing = [], branches = [], drifting, context: overrides = {}, expected }) => {
    const operations = reconcileBackports(desired, existing, branches, context(drifting, overrides));
    expect(operations.map(describeOp).sort()).toEqual([...expected].sort());
  });

  it("calls only leave-alone, wait-max-open and branch-blocked free of writes", () => {
    const operations = cases.flatMap((c) => reconcileBackports(c.desired, c.existing ?? [], c.branches ?? [], context(c.drifting, c.context)));
    const kinds = new Map(operations.map((op) => [op.kind, isWrite(op)]));
    expect(Object.fromEntries(kinds)).toEqual({
      open: true,
      resume: true,
      update: true,
      regenerate: true,
      "refresh-body": true,
      "comment-human-push": true,
      "label-fix": true,
      close: true,
      "delete-branch": true,
      "leave-alone": false,
      "wait-max-open": false,
      "branch-blocked": false,
    });
  });
});

describe("activeIgnores and splitIgnored", () => {
  const masker = new Masker();
  const decided = (items: DriftItem[]) => decideAll(items, configWith(), masker);
  const fp = fingerprintOf(api);

  it("ignores drift a person closed unmerged, at the value it had", () => {
    const ignores = activeIgnores([closedPr(5, one([api, apiTag]))], []);
    expect([...ignores.values()].map((i) => i.pr)).toEqual([5, 5]);
    const { active, ignored } = splitIgnored(decided([api, apiTag]), ignores, masker);
    expect(active).toEqual([]);
    expect(ignored.map((i) => i.item.pathText)).toEqual(["ami", "tags.Owner"]);
  });

  it("lets a changed value through while the unchanged drift of the same pull request stays ignored", () => {
    const { active, ignored } = splitIgnored(decided([apiMoved, apiTag]), activeIgnores([closedPr(5, one([api, apiTag]))], []), masker);
    expect(active.map((d) => d.item.pathText)).toEqual(["ami"]);
    expect(ignored.map((d) => d.item.pathText)).toEqual(["tags.Owner"]);
  });

  it.each<[string, ExistingPullRequest[], { fingerprint: string; valueHash: string; pr: number }[], Set<string>, boolean]>([
    ["closed by driftback (resolved) is no ignore", [closedPr(5, one([api]), { closedBy: "driftback" })], [], new Set(), false],
    ["merged is no ignore", [closedPr(5, one([api]), { merged: true })], [], new Set(), false],
    ["an unknown closer counts as a person", [closedPr(5, one([api]), { closedBy: undefined })], [], new Set(), true],
    ["a newer open pull request for the drift lifts the ignore", [closedPr(5, one([api])), openPr(9, one([api]))], [], new Set(), false],
    ["a person reopening the same pull request lifts the ignore", [openPr(5, one([api]))], [{ fingerprint: fp, valueHash: "x", pr: 5 }], new Set(), false],
    ["the dashboard's list remembers an ignore whose pull request is no longer listed", [], [{ fingerprint: fp, valueHash: "x", pr: 5 }], new Set(), true],
    ["the dashboard's list gives way to a newer pull request", [openPr(9, one([api]))], [{ fingerprint: fp, valueHash: "x", pr: 5 }], new Set(), false],
    ["a ticked checkbox lifts it", [closedPr(5, one([api]))], [], new Set([fp]), false],
  ])("%s", (_name, existing, remembered, reopen, ignoredExpected) => {
    expect(activeIgnores(existing, remembered, reopen).has(fp)).toBe(ignoredExpected);
  });
});

describe("a drift that came back", () => {
  it("carries the merged pull request it came back after on every operation's plan, while its new pull request is open too", () => {
    const merged = closedPr(5, one([api]), { merged: true, closedBy: undefined });
    const opened = reconcileBackports(plan([api]), [merged], [], context([api], { cleared: new Map([[fingerprintOf(api), 5]]) }));
    expect(opened.map((op) => ("plan" in op ? op.plan.returnedAfter : "none"))).toEqual([5]);
    const marked = { ...merged, marker: { ...merged.marker!, cleared: [fingerprintOf(api)] } };
    const kept = reconcileBackports(plan([apiMoved]), [marked, openPr(7, one([api]))], [], context([apiMoved]));
    expect(kept.map(describeOp)).toEqual(["update #7 +0 -0 ~1 ⇄0"]);
    expect(kept.map((op) => ("plan" in op ? op.plan.returnedAfter : "none"))).toEqual([5]);
    expect(reconcileBackports(plan([api]), [], [], context([api])).map((op) => ("plan" in op ? op.plan.returnedAfter : "none"))).toEqual([undefined]);
  });
});
