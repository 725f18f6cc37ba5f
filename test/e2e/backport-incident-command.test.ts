import nock from "nock";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { encodeMarker, parseMarker, MARKER_VERSION, type BackportMarker } from "../../src/core/backport/marker.js";
import { BackportApiMock } from "../support/github-backport-api.js";
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
const CONFIG = "workspaces:\n  - name: prod\n    dir: infra/prod\nincidents:\n  jira: { site: acme.atlassian.net, jql: \"project = INC\" }\n";

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

function writerApi(pull: () => object = () => pullData()) {
  api.installationToken(42).permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO).config(OWNER, REPO, CONFIG).pullRequest(OWNER, REPO, PR, pull);
}

const reactions = () => api.sent("POST", /\/issues\/comments\/\d+\/reactions$/).map((r) => r.body.content);

describeShared("/driftback incident on a backport pull request (probot.receive, nock)", () => {
  it("links a configured Jira issue from a writer: pins it in the marker, reacts 👍 and scans the repository", async () => {
    writerApi();
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
    writerApi();
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
