import { describe, expect, it } from "vitest";
import { parseMarker } from "../../../src/core/backport/index.js";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { driftItem } from "../../support/drift-item.js";
import { describeOp } from "./describe-op.js";
import { Crash, FakeGitHub, reconcileScan, scanAndApply, writesOf } from "./fake-github.js";
import { configWith } from "./support.js";

const config = configWith();
const api = driftItem("aws_instance.api", "ami", { before: "ami-1", after: "ami-2" });
const apiTag = driftItem("aws_instance.api", "tags.Owner", { before: "a", after: "b" });
const bucketAcl = driftItem("aws_s3_bucket.logs", "acl", { before: "private", after: "public-read" });
const deleted = driftItem("aws_instance.gone", "");
const world = [api, apiTag, bucketAcl, deleted];

/** Scans until nothing is written, at most `rounds` times; returns how many rounds wrote something. */
function settle(github: FakeGitHub, items = world, options = { config }, rounds = 5): number {
  for (let round = 0; round < rounds; round++) if (writesOf(scanAndApply(github, items, options)).length === 0) return round;
  throw new Error(`still writing after ${rounds} scans`);
}

const onlyReads = (github: FakeGitHub, items = world, options = { config }) => reconcileScan(github, items, options).filter((op) => op.kind !== "leave-alone").map(describeOp);

describe("backport lifecycle against an in-memory GitHub", () => {
  it("opens one pull request per drifted resource, and a second scan writes nothing", () => {
    const github = new FakeGitHub();
    const first = scanAndApply(github, world, { config });
    expect(first.map(describeOp).sort()).toEqual(["open prod/aws_instance.api (new)", "open prod/aws_instance.gone (new)", "open prod/aws_s3_bucket.logs (new)"]);
    expect(github.openPrs().map((pr) => [pr.branch, pr.labels])).toEqual([
      ["driftback/prod/aws_s3_bucket.logs", ["drift", "drift:revert"]],
      ["driftback/prod/aws_instance.api", ["drift", "drift:codify"]],
      ["driftback/prod/aws_instance.gone", ["drift", "drift:revert"]],
    ]);
    const writesBefore = github.writes;
    expect(onlyReads(github)).toEqual([]);
    expect(writesOf(scanAndApply(github, world, { config }))).toEqual([]);
    expect(github.writes).toBe(writesBefore);
  });

  it("follows reality across scans: a changed value, a person's push, a moved base, a resolution, and converges each time", () => {
    const github = new FakeGitHub();
    settle(github);
    const apiPr = github.openPrs().find((pr) => pr.branch === "driftback/prod/aws_instance.api")!;

    const moved = [{ ...api, after: "ami-3" }, apiTag, bucketAcl, deleted];
    expect(reconcileScan(github, moved, { config }).map(describeOp).filter((d) => !d.startsWith("leave-alone"))).toEqual([`update #${apiPr.number} +0 -0 ~1 ⇄0`]);
    expect(settle(github, moved)).toBe(1);
    expect(github.branches.get(apiPr.branch)!.commits).toEqual(["driftback", "driftback"]);

    github.personPushes(apiPr.branch);
    const movedAgain = [{ ...api, after: "ami-4" }, apiTag, bucketAcl, deleted];
    expect(onlyReads(github, movedAgain)).toEqual([`comment-human-push #${apiPr.number} +0 -0 ~1 ⇄0`]);
    expect(settle(github, movedAgain)).toBe(1);
    expect(github.prs.get(apiPr.number)!.comments).toEqual(["drift changed"]);
    expect(github.branches.get(apiPr.branch)!.commits).toEqual(["driftback", "driftback", "person"]);

    github.baseMoves();
    const regenerated = onlyReads(github, movedAgain);
    expect(regenerated).toHaveLength(2); // the two branches holding only driftback's commits; never the one a person pushed to
    expect(regenerated.every((d) => d.startsWith("regenerate"))).toBe(true);
    expect(settle(github, movedAgain)).toBe(1);

    const resolved = [{ ...api, after: "ami-4" }, apiTag, deleted];
    expect(onlyReads(github, resolved)).toEqual([expect.stringMatching(/^close #\d+ resolved, deleting the branch$/)]);
    expect(settle(github, resolved)).toBe(1);
    expect(github.branches.has("driftback/prod/aws_s3_bucket.logs")).toBe(false);
    expect(github.openPrs()).toHaveLength(2);
  });

  it("ignores drift a person closed unmerged until its live value changes, then opens a new pull request", () => {
    const github = new FakeGitHub();
    settle(github, [api]);
    const [pr] = github.openPrs();
    github.personCloses(pr!.number);
    expect(writesOf(reconcileScan(github, [api], { config }))).toEqual([]);
    const moved = [{ ...api, after: "ami-9" }];
    expect(onlyReads(github, moved)).toEqual(["open prod/aws_instance.api (changed-since-closed, reusing the branch)"]);
    expect(settle(github, moved)).toBe(1);
    expect(github.openPrs().map((p) => p.number)).not.toContain(pr!.number);
    expect(github.openPrs()).toHaveLength(1);
  });

  it("reopens an ignored drift when its dashboard checkbox is ticked", () => {
    const github = new FakeGitHub();
    settle(github, [api]);
    github.personCloses(github.openPrs()[0]!.number);
    const reopen = new Set([fingerprintOf(api)]);
    expect(writesOf(scanAndApply(github, [api], { config, reopen })).map(describeOp)).toEqual(["open prod/aws_instance.api (reopen-requested, reusing the branch)"]);
    expect(writesOf(scanAndApply(github, [api], { config }))).toEqual([]); // the newer pull request now decides, checkbox or not
  });

  it("switches a pull request's action in place when a person asks, and keeps the choice across scans", () => {
    const github = new FakeGitHub();
    settle(github, [api]);
    const [pr] = github.openPrs();
    github.personSwitches(pr!.number, "revert");
    expect(onlyReads(github, [api])).toEqual([`update #${pr!.number} +0 -0 ~0 ⇄1`]);
    expect(settle(github, [api])).toBe(1);
    expect(github.openPrs().map((p) => [p.number, p.labels])).toEqual([[pr!.number, ["drift", "drift:revert"]]]);
    expect(github.prs.get(pr!.number)!.body).toMatch(/^Revert drift: aws_instance.api ami \(prod\)/);
  });

  it("waits for apply after a merge, and a failed scan closes nothing", () => {
    const github = new FakeGitHub();
    settle(github, [bucketAcl]);
    github.personMerges(github.openPrs()[0]!.number);
    expect(writesOf(reconcileScan(github, [bucketAcl], { config }))).toEqual([]);
    settle(github, [api]);
    expect(writesOf(reconcileScan(github, [], { config, scanned: [] }))).toEqual([]);
  });

  describe("drift that comes back after its pull request was merged and a scan found it gone", () => {
    const ssh = driftItem("aws_security_group_rule.ssh", "cidr_blocks", { before: ["10.0.0.0/8"], after: ["0.0.0.0/0"] });
    const sshFp = fingerprintOf(ssh);

    it("SSH opened, revert merged, applied, a clean scan, SSH opened again: a new pull request, once", () => {
      const github = new FakeGitHub();
      // 1. SSH opened: a revert pull request
      expect(writesOf(scanAndApply(github, [ssh], { config })).map(describeOp)).toEqual(["open prod/aws_security_group_rule.ssh (new)"]);
      const [first] = github.openPrs();
      expect(first!.labels).toEqual(["drift", "drift:revert"]);
      // 2. merged, not applied yet: it waits for the apply
      github.personMerges(first!.number);
      expect(reconcileScan(github, [ssh], { config }).map(describeOp)).toEqual([`leave-alone #${first!.number} (merged)`]);
      expect(settle(github, [ssh])).toBe(0);
      expect(github.cleared).toEqual([]);
      // 3. applied: a scan finds no drift, and the dashboard remembers the merge is done with
      expect(settle(github, [])).toBe(0);
      expect(github.cleared).toEqual([{ fingerprint: sshFp, pr: first!.number }]);
      // 4. the same rule is opened again, at the same live value: a new pull request on the same branch
      expect(writesOf(scanAndApply(github, [ssh], { config })).map(describeOp)).toEqual(["open prod/aws_security_group_rule.ssh (returned-after-merge, reusing the branch)"]);
      const second = github.openPrs();
      expect(second.map((pr) => [pr.branch, pr.labels])).toEqual([["driftback/prod/aws_security_group_rule.ssh", ["drift", "drift:revert"]]]);
      expect(second[0]!.number).not.toBe(first!.number);
      // 5. rescans (a redelivery, the next schedule) write nothing more; the newer pull request now decides
      expect(settle(github, [ssh])).toBe(0);
      expect(github.cleared).toEqual([]);
      expect(github.openPrs().map((pr) => pr.number)).toEqual([second[0]!.number]);
      // 6. and the second round goes the same way
      github.personMerges(second[0]!.number);
      expect(settle(github, [ssh])).toBe(0);
      expect(settle(github, [])).toBe(0);
      expect(writesOf(scanAndApply(github, [ssh], { config })).map(describeOp)).toEqual(["open prod/aws_security_group_rule.ssh (returned-after-merge, reusing the branch)"]);
      expect(github.openPrs()).toHaveLength(1);
    });

    it("a merged codify whose drift returns after a clean scan gets a new pull request", () => {
      const github = new FakeGitHub();
      settle(github, [api]);
      const [first] = github.openPrs();
      expect(first!.labels).toEqual(["drift", "drift:codify"]);
      github.personMerges(first!.number);
      expect(settle(github, [])).toBe(0); // the code now says what runs
      expect(onlyReads(github, [api])).toEqual(["open prod/aws_instance.api (returned-after-merge, reusing the branch)"]);
      expect(settle(github, [api])).toBe(1);
      expect(github.openPrs()).toHaveLength(1);
      expect(github.openPrs()[0]!.number).not.toBe(first!.number);
    });

    it("without a successful scan of that workspace in between, the merge still waits for its apply", () => {
      const github = new FakeGitHub();
      settle(github, [ssh]);
      github.personMerges(github.openPrs()[0]!.number);
      expect(writesOf(scanAndApply(github, [], { config, scanned: [] }))).toEqual([]); // prod failed to plan
      expect(writesOf(scanAndApply(github, [], { config, scanned: ["staging"] }))).toEqual([]); // only another workspace planned
      expect(github.cleared).toEqual([]);
      expect(parseMarker(github.prs.get(1)!.body)!.cleared).toBeUndefined();
      expect(reconcileScan(github, [ssh], { config }).map(describeOp)).toEqual(["leave-alone #1 (merged)"]);
    });

    it("a run without a dashboard (the CLI in a scheduled job) remembers it in the merged pull request's marker, written once", () => {
      const cli = { config, dashboard: false };
      const github = new FakeGitHub();
      settle(github, [ssh], cli);
      const [first] = github.openPrs();
      github.personMerges(first!.number);
      expect(writesOf(scanAndApply(github, [ssh], cli))).toEqual([]);
      const before = github.writes;
      scanAndApply(github, [], cli); // applied: gone
      expect(github.writes).toBe(before + 1); // the marker, once
      expect(parseMarker(github.prs.get(first!.number)!.body)!.cleared).toEqual([sshFp]);
      scanAndApply(github, [], cli);
      expect(github.writes).toBe(before + 1);
      expect(github.cleared).toEqual([]); // no dashboard was involved
      expect(writesOf(scanAndApply(github, [ssh], cli)).map(describeOp)).toEqual(["open prod/aws_security_group_rule.ssh (returned-after-merge, reusing the branch)"]);
      expect(writesOf(scanAndApply(github, [ssh], cli))).toEqual([]);
      expect(github.openPrs()).toHaveLength(1);
    });

    it("only the drift the scan found gone clears: another attribute of the same pull request still drifting keeps it merged", () => {
      const github = new FakeGitHub();
      settle(github, [api, apiTag]);
      const [pr] = github.openPrs();
      github.personMerges(pr!.number);
      expect(settle(github, [apiTag])).toBe(0);
      expect(github.cleared).toEqual([{ fingerprint: fingerprintOf(api), pr: pr!.number }]);
      expect(onlyReads(github, [api, apiTag])).toEqual(["open prod/aws_instance.api (returned-after-merge, reusing the branch)"]);
    });

    const recurrence = (github: FakeGitHub) => {
      settle(github, [ssh]);
      github.personMerges(github.openPrs()[0]!.number);
      settle(github, []);
    };
    const probe = new FakeGitHub();
    recurrence(probe);
    const start = probe.writes;
    scanAndApply(probe, [ssh], { config });
    const total = probe.writes - start;

    it(`a crash after any of the ${total} writes of the new pull request converges on one pull request`, () => {
      expect(total).toBeGreaterThan(2);
      for (let allowed = 0; allowed < total; allowed++) {
        const github = new FakeGitHub();
        recurrence(github);
        github.crashAfterWrites(allowed);
        expect(() => scanAndApply(github, [ssh], { config })).toThrow(Crash);
        github.noCrash();
        settle(github, [ssh]);
        expect(github.openPrs().map((pr) => [pr.number, pr.branch, pr.labels]), `after a crash at write ${allowed}`).toEqual(probe.openPrs().map((pr) => [pr.number, pr.branch, pr.labels]));
      }
    });
  });

  it("keeps at most max_open pull requests open and opens the next when one closes", () => {
    const limited = configWith({ backport: { max_open: 2 } });
    const github = new FakeGitHub();
    const ops = scanAndApply(github, world, { config: limited });
    expect(ops.filter((op) => op.kind === "wait-max-open")).toHaveLength(1);
    expect(github.openPrs()).toHaveLength(2);
    expect(writesOf(scanAndApply(github, world, { config: limited }))).toEqual([]);
    github.personCloses(github.openPrs()[0]!.number);
    expect(writesOf(scanAndApply(github, world, { config: limited })).map((op) => op.kind)).toEqual(["open"]);
    expect(github.openPrs()).toHaveLength(2);
  });

  it.each([
    [1, "the branch was created", ["resume prod/aws_instance.api"]],
    [2, "the commit was made", ["resume prod/aws_instance.api"]],
    [3, "the pull request was opened, not labelled", ["leave-alone #1 (up-to-date)", "label-fix #1 +[drift,drift:codify] -[]"]],
  ])("after a crash once %i writes were made (%s), the next scan does only what is left", (allowed, _name, expected) => {
    const github = new FakeGitHub();
    github.crashAfterWrites(allowed);
    expect(() => scanAndApply(github, [api], { config })).toThrow(Crash);
    github.noCrash();
    expect(reconcileScan(github, [api], { config }).map(describeOp)).toEqual(expected);
  });

  describe("a crash between any two writes converges on the next scan with no duplicate", () => {
    // every write a first scan makes, and every write of a scan after a change: crash after each of them
    const scenarios: { name: string; before: (github: FakeGitHub) => void; items: typeof world }[] = [
      { name: "opening pull requests", before: () => {}, items: world },
      {
        name: "updating and regenerating",
        before: (github) => {
          settle(github);
          github.baseMoves();
        },
        items: [{ ...api, after: "ami-7" }, apiTag, bucketAcl],
      },
      {
        name: "reopening after a person closed one",
        before: (github) => {
          settle(github);
          github.personCloses(github.openPrs()[0]!.number);
        },
        items: [api, apiTag, { ...bucketAcl, after: "authenticated-read" }, deleted],
      },
    ];

    for (const scenario of scenarios) {
      const probe = new FakeGitHub();
      scenario.before(probe);
      const start = probe.writes;
      scanAndApply(probe, scenario.items, { config });
      const total = probe.writes - start;

      it(`while ${scenario.name} (${total} writes, a crash after each)`, () => {
        expect(total).toBeGreaterThan(2);
        for (let allowed = 0; allowed < total; allowed++) {
          const github = new FakeGitHub();
          scenario.before(github);
          github.crashAfterWrites(allowed);
          expect(() => scanAndApply(github, scenario.items, { config })).toThrow(Crash);
          github.noCrash();
          settle(github, scenario.items);
          expect(writesOf(reconcileScan(github, scenario.items, { config }))).toEqual([]);
          const branchesWithOpenPr = github.openPrs().map((pr) => pr.branch);
          expect(new Set(branchesWithOpenPr).size, `after a crash at write ${allowed}`).toBe(branchesWithOpenPr.length);
          expect(github.openPrs().map((pr) => pr.branch).sort()).toEqual(probe.openPrs().map((pr) => pr.branch).sort());
          for (const pr of github.openPrs()) expect(pr.labels, `labels of #${pr.number} after a crash at write ${allowed}`).toEqual(probe.openPrs().find((p) => p.branch === pr.branch)!.labels);
        }
      });
    }
  });
});
