import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { runAction } from "../../src/action/run.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { useMockedGitHub } from "../support/mocked-github.js";
import { describeShared } from "../support/shared.js";
import { baseFiles, CONFIG, OWNER, planComment, prPayload, REPO, standardApi } from "../e2e/preview-fixtures.js";
import { simulatedStep } from "./action-env.js";
import { BOT, dbRevert, mergeCommit, mergedEvent, planJson, PR, sgRevert, standardApi as applyApi } from "../e2e/apply-fixtures.js";

/**
 * Issue 17 §5: `on: pull_request` and `on: issue_comment` in the Action, from GitHub's real webhook payloads
 * (../shared/fixtures/webhooks) as a workflow receives them in GITHUB_EVENT_PATH: the same payload, without the
 * `installation` an App's delivery carries. nock'd GitHub answers as its REST docs say.
 */
let api: GitHubApiMock;
let repo: TestRepo;
useMockedGitHub((world) => ({ api, repo } = world));

/** A payload as GITHUB_EVENT_PATH holds it in a workflow: no installation. */
function asWorkflowEvent<T extends Record<string, unknown>>(payload: T): T {
  const { installation: _installation, ...rest } = payload;
  return rest as T;
}

const quiet = () => new Writable({ write: (_c, _e, done) => done() });

async function run(event: string, payload: object, inputs: Record<string, string> = {}) {
  const step = simulatedStep({ event, payload, inputs, repository: `${OWNER}/${REPO}` });
  const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
  return { code, step };
}

describeShared("the Action on pull_request and issue_comment", () => {
  it("pull_request: one comment and one check run per touched workspace, as the App posts them; a rerun edits nothing", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    // GitHub lists what this job posted as it shows a GITHUB_TOKEN's work: github-actions[bot], GitHub Actions' app (15368)
    const actionsBot = { user: { login: "github-actions[bot]", type: "Bot" }, performed_via_github_app: { id: 15368 } };
    api.installationToken(payload.installation.id).config(OWNER, REPO, CONFIG).changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"]).pullRequest(OWNER, REPO, 2, () => payload.pull_request)
      .comments(OWNER, REPO, 2, () => api.sent("POST", /issues\/2\/comments$/).map((r, i) => ({ id: 500 + i, body: r.body.body, html_url: "https://github.com/x", ...actionsBot })))
      .checkRuns(OWNER, REPO, (name) => api.sent("POST", /check-runs$/).filter((r) => r.body.name === name).map((_r, i) => ({ id: 900 + i, name, app: { id: 15368 } })));
    const first = await run("pull_request", asWorkflowEvent(payload));
    expect(first.step.stdout.join("")).not.toContain("::error::");
    expect(first.code).toBe(0);
    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body.startsWith("<!-- driftback:preview -->")).toBe(true);
    expect(comments[0]!.body.body).toContain(`for ${sha.slice(0, 7)}`);
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: prod"]);
    expect(api.sent("PATCH", /check-runs\/\d+$/).at(-1)!.body).toMatchObject({ status: "completed", conclusion: "success" });
    expect(first.step.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);

    // the same event again (a re-run of the job): the comment and the check run are found as this job's own
    const second = await run("pull_request", asWorkflowEvent(payload));
    expect(second.code).toBe(0);
    expect(api.sent("POST", /issues\/2\/comments$/)).toHaveLength(1);
    expect(api.sent("POST", /check-runs$/)).toHaveLength(1);
    expect(api.sent("PATCH", /check-runs\/900$/).length).toBeGreaterThan(0);
  });

  it("pull_request with a token that may not write check runs: commit statuses instead, same context names", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    api.installationToken(payload.installation.id).config(OWNER, REPO, `
workspaces:
  - name: prod
    dir: infra/prod
    workspace: production
    var_files: [prod.tfvars]
`).changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"]).comments(OWNER, REPO, 2).pullRequest(OWNER, REPO, 2, () => payload.pull_request);
    // GitHub's answer to a GITHUB_TOKEN without `checks: write`
    api.scope.get(/\/repos\/Codertocat\/Hello-World\/commits\/[0-9a-f]+\/check-runs/).reply(403, { message: "Resource not accessible by integration" }).persist();
    api.scope.post(`/repos/${OWNER}/${REPO}/statuses/${sha}`).reply(201, { id: 1, state: "pending" }).persist();
    const { code, step } = await run("pull_request", asWorkflowEvent(payload));
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    const statuses = api.sent("POST", new RegExp(`/statuses/${sha}$`)).map((r) => r.body);
    expect(statuses.map((s) => [s.context, s.state])).toEqual([
      ["driftback: prod", "pending"],
      ["driftback: prod", "success"],
    ]);
    expect(statuses.every((s) => s.description.length <= 140)).toBe(true);
    expect(api.sent("POST", /issues\/2\/comments$/)).toHaveLength(1);
  });

  it("pull_request closed: a merged revert is planned and applied in the job when apply.on_merge is on (the workflow takes `closed`)", async () => {
    const sha = mergeCommit(repo, planJson(sgRevert, dbRevert));
    applyApi(api, true);
    const step = simulatedStep({ event: "pull_request", payload: asWorkflowEvent(mergedEvent(repo, sha)), inputs: { "app-id": "123", "bot-login": BOT }, repository: "acme/infra" });
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(step.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show", "apply"]);
    expect(api.sent("POST", new RegExp(`/issues/${PR}/comments$`)).map((r) => r.body.body as string).join("\n")).toContain("✅ **Applied.**");
  });

  it("issue_comment: /driftback plan on a fork is refused by default (the job holds the repository's secrets), nothing planned", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha, { fork: true });
    const actionsBot = { user: { login: "github-actions[bot]", type: "Bot" }, performed_via_github_app: { id: 15368 } };
    api.installationToken(payload.installation.id).config(OWNER, REPO, CONFIG).changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"]).pullRequest(OWNER, REPO, 2, () => payload.pull_request).checkRuns(OWNER, REPO)
      .comments(OWNER, REPO, 2, () => api.sent("POST", /issues\/2\/comments$/).map((r, i) => ({ id: 700 + i, body: r.body.body, html_url: "https://github.com/x", ...actionsBot })));
    api.permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO);
    const event = asWorkflowEvent(planComment(payload, "octocat", 41, `/driftback plan ${sha}`));
    const { code, step } = await run("issue_comment", event);
    expect(code).toBe(0);
    expect(step.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/41\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
    const replies = api.sent("POST", /issues\/2\/comments$/).map((r) => r.body.body as string);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("this workflow does not plan fork code");
    expect(replies[0]).toContain("plan-forks");
    // the job re-run for the same comment: the reply is the same one, not a second
    expect((await run("issue_comment", event)).code).toBe(0);
    expect(api.sent("POST", /issues\/2\/comments$/)).toHaveLength(1);
  });

  it("pull_request from a fork is not planned in the Action even when the repository's config says plan.forks: plan", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha, { fork: true });
    standardApi(api, payload, ["infra/prod/main.tf"], `${CONFIG}plan:\n  forks: plan\n`);
    const { code, step } = await run("pull_request", asWorkflowEvent(payload));
    expect(code).toBe(0);
    expect(step.fake.calls()).toEqual([]);
    expect(api.sent("POST", /issues\/2\/comments$/)[0]!.body.body).toContain("driftback does not plan fork code in this workflow");
  });

  it("issue_comment without a sandbox for terraform: /driftback plan plans no pull request's code, even a same-repository one, and says why", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    standardApi(api, payload, ["infra/prod/main.tf"], undefined, () => sha);
    api.permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO);
    const step = simulatedStep({ event: "issue_comment", payload: asWorkflowEvent(planComment(payload, "octocat", 44)), repository: `${OWNER}/${REPO}` });
    // no terraform handed in: the Action finds the isolation itself, and DRIFTBACK_TERRAFORM_ISOLATION=none says there is none
    const code = await runAction({ env: step.env, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(code).toBe(0);
    expect(step.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/44\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
    expect(api.sent("POST", /issues\/2\/comments$/)[0]!.body.body).toContain("terraform cannot be isolated on its runner");
  });

  it("issue_comment with plan-forks on: a writer's /driftback plan <sha> plans that head once; a reader's is ignored", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha, { fork: true });
    standardApi(api, payload, ["infra/prod/main.tf"], undefined, () => sha);
    api.permission(OWNER, REPO, "octocat", "write").permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO);
    const reader = await run("issue_comment", asWorkflowEvent(planComment(payload, "mallory", 42, `/driftback plan ${sha}`)), { "plan-forks": "true" });
    expect(reader.code).toBe(0);
    expect(reader.step.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/42\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);

    const writer = await run("issue_comment", asWorkflowEvent(planComment(payload, "octocat", 43, `/driftback plan ${sha}`)), { "plan-forks": "true" });
    expect(writer.code).toBe(0);
    expect(api.sent("POST", /comments\/43\/reactions$/).map((r) => r.body)).toEqual([{ content: "eyes" }]);
    expect(writer.step.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(api.sent("POST", /issues\/2\/comments$/)[0]!.body.body).toContain(`for ${sha.slice(0, 7)}`);
  });
});
