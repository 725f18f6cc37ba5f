import nock from "nock";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { encodeMarker, parseMarker, MARKER_VERSION, type BackportMarker } from "../../src/core/backport/marker.js";
import { BackportApiMock, botCommit, compareBody, personCommit } from "../support/github-backport-api.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { startApp } from "../support/probot-app.js";
import { describeShared, readSharedWebhook } from "../support/shared.js";

/**
 * Shapes checked with the search tool: POST /repos/{owner}/{repo}/issues/comments/{id}/reactions { content } answers
 * 201 (200 when that reaction was there already); GET /repos/{owner}/{repo}/pulls/{n} carries state, merged, body,
 * head { ref, sha, repo { full_name } }, base { ref, repo }, user { login, type }; PATCH /pulls/{n} takes { body, state }.
 */
const OWNER = "acme";
const REPO = "infra";
const BOT = "driftback[bot]";
const PR = 5;
const BRANCH = "driftback/prod/aws_security_group.web";
const CONFIG = "workspaces:\n  - name: prod\n    dir: infra/prod\n";
/** With an incident source, so `/driftback incident <url>` can tell a Jira link from a manual one. */
const INCIDENT_CONFIG = `${CONFIG}incidents:\n  jira: { site: acme.atlassian.net, jql: "project = INC" }\n`;

const marker: BackportMarker = {
  version: MARKER_VERSION,
  key: "prod/aws_security_group.web",
  workspace: "prod",
  action: "revert",
  items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }],
  digest: "abcdefabcdef",
};
const bodyWith = (m: BackportMarker | undefined) => `### ↩️ Revert drift in \`prod\`\n\nMerging restores the declared value.\n${m ? `\n${encodeMarker(m)}` : ""}`;

let api: GitHubApiMock;
let backport: BackportApiMock;
let repo: TestRepo;

beforeEach(() => {
  nock.disableNetConnect();
  api = new GitHubApiMock();
  backport = new BackportApiMock(OWNER, REPO);
  repo = new TestRepo();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function commentEvent(body: string, options: { login?: string; id?: number; prBody?: string | null } = {}) {
  const event = readSharedWebhook("issue_comment.created.on-pull-request");
  event.repository = { ...event.repository, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...event.repository.owner, login: OWNER }, clone_url: repo.cloneUrl, default_branch: "main" };
  event.installation = { id: 42 };
  event.issue = { ...event.issue, number: PR, body: options.prBody === undefined ? bodyWith(marker) : options.prBody };
  event.comment = { ...event.comment, id: options.id ?? 11, body, user: { ...event.comment.user, login: options.login ?? "octocat", type: "User" } };
  return event;
}

function pullData(overrides: { body?: string; state?: string; merged?: boolean; author?: string; branch?: string; sha?: string } = {}) {
  return {
    number: PR,
    state: overrides.state ?? "open",
    merged: overrides.merged ?? false,
    draft: false,
    body: overrides.body ?? bodyWith(marker),
    head: { ref: overrides.branch ?? BRANCH, sha: overrides.sha ?? "c".repeat(40), repo: { full_name: `${OWNER}/${REPO}` } },
    base: { ref: "main", sha: "b".repeat(40), repo: { full_name: `${OWNER}/${REPO}`, clone_url: repo.cloneUrl } },
    user: { login: overrides.author ?? BOT, type: "Bot" },
  };
}

/** The app with a stubbed scan service: a started scan is recorded, not run. */
async function app() {
  const started = await startApp({ botLogin: async () => BOT });
  const start = vi.spyOn(started.driftback.scans(), "start").mockReturnValue(true);
  return { ...started, start };
}

function writerApi(pull: () => object = () => pullData(), config = CONFIG) {
  api.installationToken(42).permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO).config(OWNER, REPO, config).pullRequest(OWNER, REPO, PR, pull);
}

const reactions = () => api.sent("POST", /\/issues\/comments\/\d+\/reactions$/).map((r) => r.body.content);

describeShared("slash commands on backport pull requests (probot.receive, nock)", () => {
  it("/driftback codify from a writer pins codify in the marker, keeps the rest of the body, reacts 👍 and scans the repository", async () => {
    writerApi();
    backport.updatePull(PR);
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("/driftback codify"));

    const patches = backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`);
    expect(patches).toHaveLength(1);
    expect(Object.keys(patches[0]!.body)).toEqual(["body"]);
    expect(patches[0]!.body.body).toBe(bodyWith({ ...marker, override: "codify" }));
    expect(parseMarker(patches[0]!.body.body)?.override).toBe("codify");
    expect(reactions()).toEqual(["+1"]);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![0]).toMatchObject({ target: { owner: OWNER, repo: REPO, cloneUrl: repo.cloneUrl, defaultBranch: "main" }, installationId: 42 });
  });

  it("acts once on a redelivered comment, and writes nothing when the marker already says so", async () => {
    writerApi(() => pullData({ body: bodyWith({ ...marker, override: "revert" }) }));
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("/driftback revert", { id: 21 }), "delivery-1");
    await receive("issue_comment", commentEvent("/driftback revert", { id: 21 }), "delivery-1");
    await receive("issue_comment", commentEvent("/driftback revert", { id: 22 }), "delivery-2");

    expect(backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`)).toEqual([]);
    expect(start).not.toHaveBeenCalled();
    // one 👍 per delivery: the redelivery got none
    expect(reactions()).toEqual(["+1", "+1"]);
    expect(api.sent("POST", /comments\/21\/reactions$/)).toHaveLength(1);
  });

  it("/driftback ignore names who ignored it, closes the pull request in the same write, comments, and deletes a branch holding only driftback's commits", async () => {
    writerApi();
    backport
      .compare("main", BRANCH, { status: 200, body: compareBody({ commits: [botCommit(BOT, "d".repeat(40))], mergeBase: "b".repeat(40) }) })
      .updatePull(PR)
      .createComment(PR)
      .deleteRef(BRANCH);
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("Not worth it.\n/driftback ignore"));

    const writes = backport.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([`PATCH /repos/${OWNER}/${REPO}/pulls/${PR}`, `POST /repos/${OWNER}/${REPO}/issues/${PR}/comments`, `DELETE /repos/${OWNER}/${REPO}/git/refs/heads/${BRANCH}`]);
    const patch = backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`)[0]!.body;
    expect(patch.state).toBe("closed");
    expect(parseMarker(patch.body)).toEqual({ ...marker, ignoredBy: "octocat" });
    const comment: string = backport.sent("POST", `/repos/${OWNER}/${REPO}/issues/${PR}/comments`)[0]!.body.body;
    expect(comment).toContain("Ignored by @octocat");
    expect(comment).toContain("until its live value changes");
    expect(comment).toContain("drift dashboard");
    expect(comment).toContain(`<code>${BRANCH}</code> is deleted`);
    expect(reactions()).toEqual(["+1"]);
    expect(start).not.toHaveBeenCalled();
  });

  it("/driftback ignore leaves a branch someone else pushed to in place and says so", async () => {
    writerApi();
    backport
      .compare("main", BRANCH, { status: 200, body: compareBody({ commits: [botCommit(BOT, "d".repeat(40)), personCommit("alice", "e".repeat(40))], mergeBase: "b".repeat(40) }) })
      .updatePull(PR)
      .createComment(PR);
    const { receive } = await app();

    await receive("issue_comment", commentEvent("/driftback ignore"));

    expect(backport.sent("DELETE", `/repos/${OWNER}/${REPO}/git/refs/heads/${BRANCH}`)).toEqual([]);
    expect(backport.sent("POST", `/repos/${OWNER}/${REPO}/issues/${PR}/comments`)[0]!.body.body).toContain("has commits by someone else");
    expect(reactions()).toEqual(["+1"]);
  });

  it("refuses a user without write access with a confused reaction and changes nothing", async () => {
    api.installationToken(42).permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO);
    const { receive, start } = await app();

    for (const command of ["/driftback codify", "/driftback revert", "/driftback ignore"]) {
      await receive("issue_comment", commentEvent(command, { login: "mallory" }));
    }

    expect(reactions()).toEqual(["confused", "confused", "confused"]);
    expect(backport.requests).toEqual([]);
    expect(api.requests.filter((r) => !r.path.endsWith("/reactions"))).toEqual([]);
    expect(start).not.toHaveBeenCalled();
  });

  it("ignores the commands on a pull request without a backport marker, without a single API call", async () => {
    const { receive, start } = await app();
    await receive("issue_comment", commentEvent("/driftback ignore", { prBody: "Add a VPC" }));
    await receive("issue_comment", commentEvent("/driftback codify", { prBody: null }));
    expect(api.requests).toEqual([]);
    expect(backport.requests).toEqual([]);
    expect(start).not.toHaveBeenCalled();
  });

  it.each([
    ["a pasted marker on a person's pull request", { author: "alice" }],
    ["a pull request from a branch outside driftback/", { branch: "feature/vpc" }],
    ["a closed pull request", { state: "closed" }],
  ])("answers %s with a confused reaction and writes nothing", async (_name, overrides) => {
    writerApi(() => pullData(overrides));
    const { receive, start } = await app();
    await receive("issue_comment", commentEvent("/driftback ignore"));
    expect(reactions()).toEqual(["confused"]);
    expect(backport.requests).toEqual([]);
    expect(start).not.toHaveBeenCalled();
  });

  it("/driftback plan on a revert pull request plans the marker's workspace, though it changes only a drift record", async () => {
    const record = ".driftback/drift/prod/0123456789abcdef.md";
    const plan = JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", change: { actions: ["update"], before: { ingress: "0.0.0.0/0" }, after: { ingress: "10.0.0.0/8" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }] });
    const sha = repo.commit({ "infra/prod/main.tf": 'resource "aws_security_group" "web" {}\n', "infra/prod/plan.json": plan, "infra/prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }), [record]: "# drift record\n" }, PR);
    writerApi(() => pullData({ sha }));
    api.changedFiles(OWNER, REPO, PR, [record]).comments(OWNER, REPO, PR).checkRuns(OWNER, REPO);
    const started = await app();

    // without the marker, a drift record touches no workspace: nothing is planned
    await started.receive("issue_comment", commentEvent("/driftback plan", { id: 31, prBody: "Add a record by hand" }));
    await started.idle();
    expect(started.fake.calls()).toEqual([]);

    await started.receive("issue_comment", commentEvent("/driftback plan", { id: 32 }));
    await started.idle();
    expect(started.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(started.fake.calls()[0]!.cwd).toMatch(/infra\/prod$/);
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: prod"]);
    expect(api.sent("POST", new RegExp(`issues/${PR}/comments$`))[0]!.body.body).toContain('~ ingress = "0.0.0.0/0" -> "10.0.0.0/8"');
    expect(api.sent("POST", /comments\/32\/reactions$/)[0]!.body).toEqual({ content: "eyes" });
  });
});

describeShared("/driftback incident on a backport pull request (probot.receive, nock)", () => {
  it("links a configured Jira issue from a writer: pins it in the marker, reacts 👍 and scans the repository", async () => {
    writerApi(undefined, INCIDENT_CONFIG);
    backport.updatePull(PR);
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("/driftback incident https://acme.atlassian.net/browse/INC-123"));

    const patches = backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`);
    expect(patches).toHaveLength(1);
    expect(parseMarker(patches[0]!.body.body)?.incident).toEqual({ key: "INC-123", source: "jira", url: "https://acme.atlassian.net/browse/INC-123", pinned: true });
    expect(reactions()).toEqual(["+1"]);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![2]).toEqual({ again: true });
  });

  it("reacts 😕 and writes nothing for a target it cannot link", async () => {
    writerApi(undefined, INCIDENT_CONFIG);
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("/driftback incident javascript:alert(1)"));

    expect(backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`)).toEqual([]);
    expect(reactions()).toEqual(["confused"]);
    expect(start).not.toHaveBeenCalled();
  });

  it("reacts 😕 to a user without write access and writes nothing", async () => {
    api.installationToken(42).permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO);
    const { receive, start } = await app();

    await receive("issue_comment", commentEvent("/driftback incident INC-1", { login: "mallory" }));

    expect(backport.sent("PATCH", `/repos/${OWNER}/${REPO}/pulls/${PR}`)).toEqual([]);
    expect(reactions()).toEqual(["confused"]);
    expect(start).not.toHaveBeenCalled();
  });
});
