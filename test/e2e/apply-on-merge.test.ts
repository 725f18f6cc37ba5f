import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import { APPLY_MARKER } from "../../src/core/backport/apply-view.js";
import type { BackportMarker } from "../../src/core/backport/marker.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { APP_ID, startApp } from "../support/probot-app.js";
import { describeShared } from "../support/shared.js";
import { BOT, type Change, dbRevert, mergeCommit as fixtureMergeCommit, mergedEvent as fixtureMergedEvent, planJson, PR, revertMarker, SECRET, sgRevert, standardApi as fixtureApi } from "./apply-fixtures.js";
import { useMockedGitHub } from "../support/mocked-github.js";

let api: GitHubApiMock;
let repo: TestRepo;

useMockedGitHub((world) => ({ api, repo } = world));

const mergeCommit = (plan: string, control: object = {}) => fixtureMergeCommit(repo, plan, control);
const mergedEvent = (mergeSha: string, marker: BackportMarker = revertMarker, overrides: { merged?: boolean } = {}) => fixtureMergedEvent(repo, mergeSha, marker, overrides);
const standardApi = (onMerge = true, existing: () => object[] = () => []) => fixtureApi(api, onMerge, existing);

const results = () => api.sent("POST", new RegExp(`/issues/${PR}/comments$`)).map((r) => r.body.body as string);
const argValue = (args: string[], flag: string) => args.find((a) => a.startsWith(flag))?.slice(flag.length);

describeShared("apply.on_merge for merged revert pull requests (probot.receive, nock, fake terraform)", () => {
  it("plans the merge commit -target'ed at the reverted resources, applies that same plan file when it matches, comments the result and releases the plan", async () => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert));
    standardApi();
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha));
    await app.idle();

    const calls = app.fake.calls();
    expect(calls.map((c) => c.args[0])).toEqual(["init", "plan", "show", "apply"]);
    const [, plan, , apply] = calls;
    expect(plan!.cwd).toMatch(/infra\/prod$/);
    expect(plan!.env.TF_WORKSPACE).toBe("production");
    expect(plan!.args.filter((a) => a.startsWith("-target="))).toEqual(["-target=aws_db_instance.main", "-target=aws_security_group.web"]);
    expect(plan!.args).toContain("-var-file=prod.tfvars");
    const planFile = argValue(plan!.args, "-out=")!;
    expect(apply!.args.at(-1)).toBe(planFile);
    expect(apply!.env.TF_DATA_DIR).toBe(plan!.env.TF_DATA_DIR);
    expect(existsSync(planFile)).toBe(false);

    const [comment, ...more] = results();
    expect(more).toEqual([]);
    expect(comment!.startsWith(APPLY_MARKER)).toBe(true);
    expect(comment).toContain("✅ **Applied.**");
    expect(comment).toContain(`merge commit ${sha.slice(0, 7)}`);
    expect(comment).toContain("<code>aws_security_group.web</code>: <code>ingress</code>");
    expect(comment).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
    expect(comment).not.toContain(SECRET);
  });

  it("does not apply when the plan changes something the pull request did not show, and lists the difference", async () => {
    const extra: Change = { address: "aws_instance.api", actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" } };
    const sha = mergeCommit(planJson(sgRevert, { ...dbRevert, before: { ...dbRevert.before, storage: 20 } }, extra));
    standardApi();
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha));
    await app.idle();

    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    const planFile = argValue(app.fake.calls()[1]!.args, "-out=")!;
    expect(existsSync(planFile)).toBe(false);
    const [comment] = results();
    expect(comment).toContain("⚠️ **Not applied.**");
    expect(comment).toContain("<code>aws_db_instance.main</code>: changed by the plan but not shown here: <code>storage</code>");
    expect(comment).toContain("<code>aws_instance.api</code> will be updated in-place: the plan changes it, and this pull request did not show that");
    expect(comment).not.toContain(SECRET);
  });

  it("comments the failure with the end of terraform's output, secrets and escapes scrubbed, when apply fails", async () => {
    const stderr = `\u001b[31mError:\u001b[0m modifying aws_db_instance.main: password "${SECRET}" does not meet policy\n`;
    const sha = mergeCommit(planJson(sgRevert, dbRevert), { fail: { apply: { code: 1, stderr } } });
    standardApi();
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha));
    await app.idle();

    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show", "apply"]);
    expect(existsSync(argValue(app.fake.calls()[1]!.args, "-out=")!)).toBe(false);
    const [comment] = results();
    expect(comment).toContain("❌ **Apply failed.**");
    expect(comment).toContain('modifying aws_db_instance.main: password "***" does not meet policy');
    expect(comment).not.toContain(SECRET);
    expect(comment).not.toContain("\u001b");
  });

  it("says the plan failed and applies nothing when the merge commit does not plan", async () => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert), { fail: { plan: { code: 1, stderr: "Error: Error acquiring the state lock\n" } } });
    standardApi();
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha));
    await app.idle();

    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan"]);
    const [comment] = results();
    expect(comment).toContain("could not plan the merge commit");
    expect(comment).toContain("Error acquiring the state lock");
  });

  it("runs nothing and writes nothing with apply.on_merge false: the team's pipeline applies", async () => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert));
    standardApi(false);
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha));
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it.each<[string, BackportMarker, { merged?: boolean }]>([
    ["a merged codify pull request", { ...revertMarker, action: "codify", items: revertMarker.items.map((i) => ({ ...i, action: "codify" as const, settled: "codify" as const })), expect: [] }, {}],
    ["a revert pull request closed without merging", revertMarker, { merged: false }],
  ])("never applies %s, and asks GitHub nothing", async (_name, marker, overrides) => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert));
    // no API prepared: any request would fail the delivery
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha, marker, overrides));
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it("applies once for a redelivered event, and not at all once a result is on the pull request (a restart)", async () => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert));
    // another bot echoing the marker (issue 15 §4.5) is not driftback's result: it stops nothing
    const foreign = { id: 8, body: `${APPLY_MARKER}\nechoed by a workflow`, user: { login: "github-actions[bot]", type: "Bot" }, performed_via_github_app: { id: 15368 } };
    let reported: object[] = [foreign];
    standardApi(true, () => reported);
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha), "delivery-1");
    await app.receive("pull_request", mergedEvent(sha), "delivery-1");
    await app.idle();
    expect(app.fake.calls().filter((c) => c.args[0] === "apply")).toHaveLength(1);
    expect(results()).toHaveLength(1);

    reported = [foreign, { id: 9, body: results()[0], user: { login: BOT, type: "Bot" }, performed_via_github_app: { id: APP_ID } }];
    const restarted = await startApp({ botLogin: async () => BOT });
    await restarted.receive("pull_request", mergedEvent(sha), "delivery-1");
    await restarted.idle();
    expect(restarted.fake.calls()).toEqual([]);
    expect(results()).toHaveLength(1);
  });

  it("says it cannot check, and applies nothing, when the marker does not record what the plan showed", async () => {
    const sha = mergeCommit(planJson(sgRevert, dbRevert));
    standardApi();
    const { expect: _dropped, ...older } = revertMarker;
    const app = await startApp({ botLogin: async () => BOT });

    await app.receive("pull_request", mergedEvent(sha, older));
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(results()[0]).toContain("does not record which changes its plan showed");
  });
});
