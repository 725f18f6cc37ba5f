import { describe, expect, it } from "vitest";
import { planCommandHead } from "../../src/handlers/plan-command.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { useMockedGitHub } from "../support/mocked-github.js";
import { startApp } from "../support/probot-app.js";
import { describeShared } from "../support/shared.js";
import { baseFiles, OWNER, planComment, prPayload, REPO, standardApi } from "./preview-fixtures.js";

// issue 15, item 4.1: a writer's /driftback plan on a fork approves the commit they reviewed, never a later push
let api: GitHubApiMock;
let repo: TestRepo;

useMockedGitHub((world) => ({ api, repo } = world));

describe("planCommandHead", () => {
  const head = "0123456789abcdef0123456789abcdef01234567";
  it.each([
    ["a same-repository pull request without a SHA plans its head", { headSha: head, isFork: false }, undefined, { plan: true }],
    ["a fork without a SHA is refused (the head may have moved since the comment)", { headSha: head, isFork: true }, undefined, { plan: false, moved: false, given: "" }],
    ["a fork with the head's short SHA plans", { headSha: head, isFork: true }, "0123456", { plan: true }],
    ["a fork with the head's full SHA in capitals plans", { headSha: head, isFork: true }, head.toUpperCase(), { plan: true }],
    ["a fork with another SHA is refused as moved", { headSha: head, isFork: true }, "fedcba9", { plan: false, moved: true, given: "fedcba9" }],
    ["a same-repository pull request with another SHA is refused too", { headSha: head, isFork: false }, "fedcba9", { plan: false, moved: true, given: "fedcba9" }],
  ])("%s", (_name, pr, given, expected) => {
    expect(planCommandHead(pr, given)).toEqual(expected);
  });
});

describeShared("/driftback plan on a fork (probot.receive, nock, fake terraform)", () => {
  async function forkPullRequest(head: () => string) {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha, { fork: true });
    standardApi(api, payload, ["infra/prod/main.tf"], undefined, head);
    api.permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO);
    return { sha, payload, app: await startApp() };
  }

  it("refuses a command that names no commit, replies how to name one, and plans nothing", async () => {
    let head = "";
    const { sha, payload, app } = await forkPullRequest(() => head);
    head = sha;
    await app.receive("issue_comment", planComment(payload, "octocat", 31));
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/31\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
    const replies = api.sent("POST", /issues\/2\/comments$/).map((r) => r.body.body as string);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("must name the commit you reviewed");
    expect(replies[0]).toContain(`<code>${sha}</code>`);
  });

  it("refuses, with a reply, when a push moved the head after the writer's command", async () => {
    let head = "";
    const { sha, payload, app } = await forkPullRequest(() => head);
    // the fork pushes after the maintainer reviewed `sha` and wrote the command
    const pushed = repo.commit({ ...baseFiles(), "infra/prod/evil.tf": 'resource "null_resource" "evil" {}\n' });
    head = pushed;
    await app.receive("issue_comment", planComment(payload, "octocat", 32, `/driftback plan ${sha.slice(0, 10)}`));
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/32\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
    const replies = api.sent("POST", /issues\/2\/comments$/).map((r) => r.body.body as string);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(`<code>/driftback plan ${sha.slice(0, 10)}</code> names a commit that is not this pull request's head`);
    expect(replies[0]).toContain(pushed);
  });

  it("plans the named commit once while it is the head", async () => {
    let head = "";
    const { sha, payload, app } = await forkPullRequest(() => head);
    head = sha;
    await app.receive("issue_comment", planComment(payload, "octocat", 33, `/driftback plan ${sha}`));
    await app.idle();

    expect(api.sent("POST", /comments\/33\/reactions$/).map((r) => r.body)).toEqual([{ content: "eyes" }]);
    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(api.sent("POST", /issues\/2\/comments$/)[0]!.body.body).toContain(`for ${sha.slice(0, 7)}`);
  });
});
