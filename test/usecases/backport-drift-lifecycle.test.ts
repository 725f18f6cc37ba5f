import { describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { apiDrift, configOf, goneDrift, MAIN_TF, MAIN_TF_TEXT, newGitHub, scanOnce, settle, sgDrift } from "../support/backport-world.js";
import { BOT } from "../support/memory-github.js";

const world = [apiDrift(), sgDrift(), goneDrift()];
const API = "driftback/prod/aws_instance.api";
const SG = "driftback/prod/aws_security_group.web";
const prOf = (github: ReturnType<typeof newGitHub>, branch: string) => github.openPrs().find((pr) => pr.branch === branch)!;
const writesSince = (github: ReturnType<typeof newGitHub>, from: number) => github.writeCalls().slice(from).map((c) => c.method);

describe("backportDrift lifecycle across scans (issue 8 §6)", () => {
  it("updates the branch with one new commit and the body when the live value changes", async () => {
    const github = newGitHub();
    await scanOnce(github, world);
    const pr = prOf(github, API);
    const from = github.writeCalls().length;

    const { report, plans } = await scanOnce(github, [apiDrift("t3.xlarge"), sgDrift(), goneDrift()]);
    expect(writesSince(github, from)).toEqual(["commitFiles", "updatePullRequest"]);
    expect(plans).toHaveLength(1); // the changed codify edit is verified again
    expect(github.commitsOn(API)).toHaveLength(2);
    expect(github.filesOf(API).get(MAIN_TF)).toContain('instance_type = "t3.xlarge"');
    expect(prOf(github, API).number).toBe(pr.number);
    expect(prOf(github, API).body).toContain("t3.xlarge");
    expect(Object.values(report.drift).filter((s) => s.status === "open")).toHaveLength(3);
    expect(await settle(github, [apiDrift("t3.xlarge"), sgDrift(), goneDrift()])).toBe(0);
  });

  it("closes the pull request of drift that disappeared with a comment, then deletes its branch", async () => {
    const github = newGitHub();
    await scanOnce(github, world);
    const sg = prOf(github, SG);
    const from = github.writeCalls().length;

    await scanOnce(github, [apiDrift(), goneDrift()]);
    expect(writesSince(github, from)).toEqual(["closePullRequest", "comment", "deleteBranch"]);
    const closed = github.prs.get(sg.number)!;
    expect(closed).toMatchObject({ state: "closed", merged: false, closedByLogin: BOT });
    expect(closed.comments).toHaveLength(1);
    expect(closed.comments[0]).toMatch(/resolved/i);
    expect(github.refs.has(SG)).toBe(false);
    expect(await settle(github, [apiDrift(), goneDrift()])).toBe(0);
  });

  it("a merged revert whose drift a scan found gone gets a new pull request when the drift returns, with no dashboard (the CLI): the merged pull request's marker remembers (issue 14, seen 4)", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const first = prOf(github, SG);
    github.personMerges(first.number);
    const waiting = await scanOnce(github, [sgDrift()]); // not applied yet
    expect(waiting.report.writes).toBe(0);
    expect(waiting.report.operations).toEqual([{ kind: "leave-alone", key: "prod/aws_security_group.web", pr: first.number }]);

    const from = github.writeCalls().length;
    const gone = await scanOnce(github, []); // applied: a successful scan without it
    expect(writesSince(github, from)).toEqual(["updatePullRequest"]);
    const fingerprint = gone.report.cleared![0]!.fingerprint;
    expect(gone.report.cleared).toEqual([{ fingerprint, pr: first.number }]);
    expect(parseMarker(github.prs.get(first.number)!.body)!.cleared).toEqual([fingerprint]);
    expect((await scanOnce(github, [])).report.writes).toBe(0); // recorded once

    const back = await scanOnce(github, [sgDrift()]); // the same rule opened again
    expect(back.report.operations).toEqual([{ kind: "open", key: "prod/aws_security_group.web", pr: expect.any(Number) }]);
    const second = prOf(github, SG);
    expect(second.number).not.toBe(first.number);
    // the drift record (the drift's log, unchanged otherwise: a revert changes no code) says it came back, so the branch has a commit
    expect(github.filesOf(SG).get(`.driftback/drift/prod/${fingerprint}.md`)).toContain(`| Came back | after #${first.number} was merged and a scan found it gone |`);
    expect(await settle(github, [sgDrift()])).toBe(0);
    expect(github.openPrs().map((pr) => pr.number)).toEqual([second.number]);
  });

  it("ignores drift a person closed unmerged until its live value changes, then opens a new pull request on the same branch", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift()]);
    const first = prOf(github, API);
    github.personCloses(first.number);

    const ignored = await scanOnce(github, [apiDrift()]);
    expect(ignored.report.writes).toBe(0);
    expect(ignored.plans).toHaveLength(0);
    const fingerprint = fingerprintOf(ignored.items[0]!);
    expect(ignored.report.drift[fingerprint]).toEqual({ status: "ignored", pr: first.number, url: `https://github.test/acme/infra/pull/${first.number}` });
    expect(ignored.report.ignored).toEqual([{ fingerprint, valueHash: expect.any(String), pr: first.number }]);

    const changed = await scanOnce(github, [apiDrift("t3.2xlarge")]);
    const second = prOf(github, API);
    expect(second.number).not.toBe(first.number);
    expect(changed.report.drift[fingerprint]).toMatchObject({ status: "open", pr: second.number });
    expect(github.filesOf(API).get(MAIN_TF)).toContain('instance_type = "t3.2xlarge"');
    expect(github.openPrs()).toHaveLength(1);
  });

  it("treats /driftback ignore (closed by the app with ignoredBy in the marker) as a person's close, and its own close as not ignoring", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift(), sgDrift()]);
    github.personIgnores(prOf(github, API).number, "carol");
    const sgNumber = prOf(github, SG).number;
    Object.assign(github.prs.get(sgNumber)!, { state: "closed", closedByLogin: BOT }); // closed by driftback, for its own reasons

    const { report, items } = await scanOnce(github, [apiDrift(), sgDrift()]);
    const status = (address: string) => report.drift[fingerprintOf(items.find((i) => i.address === address)!)];
    expect(status("aws_instance.api")).toMatchObject({ status: "ignored" });
    expect(status("aws_security_group.web")).toMatchObject({ status: "open" });
    expect(prOf(github, SG).number).not.toBe(sgNumber);
  });

  it("never rewrites a branch a person pushed to: it comments what changed, once, and refreshes the body", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift()]);
    github.personPushes(API, MAIN_TF, `${MAIN_TF_TEXT}\n# reviewed\n`);
    const head = github.head(API);
    const pr = prOf(github, API);
    const from = github.writeCalls().length;

    const { plans } = await scanOnce(github, [apiDrift("t3.medium")]);
    expect(writesSince(github, from)).toEqual(["comment", "updatePullRequest"]);
    expect(plans).toHaveLength(0); // nothing is committed, so nothing is verified
    expect(github.head(API)).toBe(head);
    expect(github.prs.get(pr.number)!.comments).toHaveLength(1);
    expect(github.prs.get(pr.number)!.comments[0]).toContain("t3.medium");
    expect(await settle(github, [apiDrift("t3.medium")])).toBe(0);
    expect(github.prs.get(pr.number)!.comments).toHaveLength(1);
  });

  it("regenerates branches holding only driftback's commits on a moved base, never pointing an open pull request at the base", async () => {
    const github = newGitHub();
    await scanOnce(github, world);
    const before = new Map(github.openPrs().map((pr) => [pr.branch, pr.number]));
    github.baseMoves("README.md", "# infra, moved on\n");
    const mainHead = github.head("main");
    const from = github.writeCalls().length;

    const { plans } = await scanOnce(github, world);
    expect(plans).toHaveLength(1);
    // per branch: a work branch at the base, the commit there, the branch moved onto it, the work branch deleted
    expect(writesSince(github, from)).toEqual(Array(3).fill(["createBranch", "commitFiles", "resetBranch", "deleteBranch"]).flat());
    expect(new Map(github.openPrs().map((pr) => [pr.branch, pr.number]))).toEqual(before);
    for (const pr of github.openPrs()) {
      const commits = github.commitsOn(pr.branch);
      expect(commits).toHaveLength(1);
      expect(commits[0]!.parents).toEqual([mainHead]);
      expect(github.filesOf(pr.branch).get("README.md")).toBe("# infra, moved on\n");
    }
    expect([...github.refs.keys()].filter((b) => b.startsWith("driftback-work/"))).toEqual([]);
    expect(await settle(github, world)).toBe(0);
  });

  it("switches a pull request in place when a person asks for revert: the code edit is undone by a new commit and the labels follow", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift()]);
    const pr = prOf(github, API);
    const marker = parseMarker(pr.body)!;
    pr.body = pr.body.replace(/(<!-- driftback:backport \{)/, '$1"override":"revert",');
    expect(parseMarker(pr.body)).toEqual({ ...marker, override: "revert" });

    await scanOnce(github, [apiDrift()]);
    const after = prOf(github, API);
    expect(after.number).toBe(pr.number);
    expect(after.labels).toEqual(["drift", "drift:revert"]);
    expect(after.title).toBe("Revert drift: aws_instance.api instance_type (prod)");
    expect(github.filesOf(API).get(MAIN_TF)).toBe(MAIN_TF_TEXT);
    expect(github.commitsOn(API)).toHaveLength(2);
    expect(await settle(github, [apiDrift()])).toBe(0);
  });

  it("reports a merged pull request as merged and writes nothing while its drift remains", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const pr = prOf(github, SG);
    github.personMerges(pr.number);
    const { report, items } = await scanOnce(github, [sgDrift()]);
    expect(report.writes).toBe(0);
    expect(report.drift[fingerprintOf(items[0]!)]).toEqual({ status: "merged", pr: pr.number, url: `https://github.test/acme/infra/pull/${pr.number}`, action: "revert" });
  });

  it("keeps at most max_open pull requests open; the rest wait and open when one closes", async () => {
    const github = newGitHub();
    const config = configOf({ backport: { max_open: 2 } });
    const first = await scanOnce(github, world, { config });
    expect(github.openPrs()).toHaveLength(2);
    const waiting = Object.values(first.report.drift).filter((s) => s.status === "waiting");
    expect(waiting).toEqual([{ status: "waiting", reason: expect.stringContaining("max_open") }]);
    expect((await scanOnce(github, world, { config })).report.writes).toBe(0);

    github.personCloses(github.openPrs()[0]!.number);
    await scanOnce(github, world, { config });
    expect(github.openPrs()).toHaveLength(2);
    expect(github.prs.size).toBe(3);
  });

  it("applies the policy defaults: configuration drift codified, security group and deleted resource reverted", async () => {
    const github = newGitHub();
    const { report, items } = await scanOnce(github, world);
    const action = (address: string) => (report.drift[fingerprintOf(items.find((i) => i.address === address && i.class !== "unapplied")!)] as { action: string }).action;
    expect([action("aws_instance.api"), action("aws_security_group.web"), action("aws_instance.gone")]).toEqual(["codify", "revert", "revert"]);
  });

  it("removes a deleted resource's block (and its comment) when a rule says codify, verified by the workspace's plan", async () => {
    const github = newGitHub();
    const config = configOf({ backport: { rules: [{ address: "aws_instance.gone", action: "codify" }] } });
    const { plans } = await scanOnce(github, [apiDrift(), goneDrift()], { config });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.args.filter((a) => a.startsWith("-target="))).toEqual([]);
    const gone = prOf(github, "driftback/prod/aws_instance.gone");
    expect(gone.labels).toEqual(["drift", "drift:codify"]);
    const code = github.filesOf("driftback/prod/aws_instance.gone").get(MAIN_TF)!;
    expect(code).toBe(MAIN_TF_TEXT.slice(0, MAIN_TF_TEXT.indexOf("\n# the batch worker")));
    // the api pull request carries only its own edit
    expect(github.filesOf(API).get(MAIN_TF)).toContain('resource "aws_instance" "gone"');
  });

  it("groups a whole workspace into one mixed pull request with group_by workspace, codifying and reverting in it", async () => {
    const github = newGitHub();
    const config = configOf({ backport: { group_by: "workspace" } });
    const { report } = await scanOnce(github, world, { config });
    expect(github.openPrs()).toHaveLength(1);
    const [pr] = github.openPrs();
    expect(pr!.branch).toBe("driftback/prod/all");
    expect(pr!.labels).toEqual(["drift", "drift:codify", "drift:revert"]);
    const files = [...github.filesOf(pr!.branch).keys()].filter((f) => f.startsWith(".driftback/"));
    expect(files).toHaveLength(3);
    expect(github.filesOf(pr!.branch).get(MAIN_TF)).toContain('instance_type = "t3.large"');
    expect(parseMarker(pr!.body)!.expect!.map((e) => e.address)).toEqual(["aws_instance.gone", "aws_security_group.web"]);
    expect(new Set(Object.values(report.drift).map((s) => (s as { pr: number }).pr))).toEqual(new Set([pr!.number]));
    expect(await settle(github, world, { config })).toBe(0);
  });
});
