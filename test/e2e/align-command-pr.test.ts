import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeMarker, MARKER_VERSION, type BackportMarker } from "../../src/core/backport/marker.js";
import { GitHubApiMock } from "../support/github-api.js";
import { startApp } from "../support/probot-app.js";

/** `/driftback align` on one of driftback's backport pull requests (issue 16 §6), the scan stubbed: who may, where the reply goes. */
const OWNER = "acme";
const REPO = "infra";
const BOT = "driftback[bot]";
const PR = 5;
const CONFIG = "workspaces:\n  - name: staging\n    dir: envs/staging\n  - name: prod-eu\n    dir: envs/prod-eu\n";
const COMMAND = "/driftback align modules/service module.shop pool_size to staging";

const marker: BackportMarker = {
  version: MARKER_VERSION,
  key: "prod-eu/module.shop.aws_db_proxy.shop",
  workspace: "prod-eu",
  action: "codify",
  items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "codify", settled: "codify" }],
  digest: "abcdefabcdef",
};
const body = `### Codify drift in \`prod-eu\`\n\n${encodeMarker(marker)}`;

let api: GitHubApiMock;
beforeEach(() => {
  nock.disableNetConnect();
  api = new GitHubApiMock().installationToken(42).permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO).config(OWNER, REPO, CONFIG).comments(OWNER, REPO, PR);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function event(comment: string, options: { id?: number; prBody?: string } = {}) {
  return {
    action: "created",
    issue: { number: PR, title: "Codify drift", state: "open", body: options.prBody ?? body, pull_request: { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${PR}` }, labels: [], user: { login: BOT, type: "Bot" } },
    comment: { id: options.id ?? 61, body: comment, user: { login: "octocat", type: "User" } },
    repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, type: "Organization" }, clone_url: "https://github.com/acme/infra.git", default_branch: "main", private: true },
    sender: { login: "octocat", type: "User" },
    installation: { id: 42 },
  };
}

function pull(author: string) {
  return { number: PR, state: "open", merged: false, draft: false, body, head: { ref: "driftback/prod-eu/module.shop", sha: "c".repeat(40), repo: { full_name: `${OWNER}/${REPO}` } }, base: { ref: "main", sha: "b".repeat(40), repo: { full_name: `${OWNER}/${REPO}` } }, user: { login: author, type: "Bot" } };
}

async function app() {
  const started = await startApp({ botLogin: async () => BOT });
  const start = vi.spyOn(started.driftback.scans(), "start").mockReturnValue(true);
  return { ...started, start };
}

const replies = () => api.sent("POST", new RegExp(`/issues/${PR}/comments$`)).map((r) => String(r.body.body));
const reactions = () => api.sent("POST", /\/issues\/comments\/\d+\/reactions$/).map((r) => r.body.content);

describe("/driftback align on a backport pull request (probot.receive, nock)", () => {
  it("replies on the pull request and starts a scan carrying the request, with the pull request to reply on", async () => {
    api.pullRequest(OWNER, REPO, PR, () => pull(BOT));
    const { receive, start } = await app();
    await receive("issue_comment", event(COMMAND));
    expect(replies()).toEqual([expect.stringMatching(/^🧭 driftback aligns <code>pool_size<\/code> of <code>module\.shop<\/code> in parity group <code>modules\/service<\/code> to the value of <code>staging<\/code> on the next scan of acme\/infra, starting now\./)]);
    expect(reactions()).toEqual(["+1"]);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![2]).toEqual({ again: true, align: [{ group: "modules/service", resource: "module.shop", attribute: "pool_size", to: "staging", reply: { issue: PR } }] });
  });

  it("is confused by a pasted marker on a pull request driftback did not open, and ignores pull requests without one", async () => {
    api.pullRequest(OWNER, REPO, PR, () => pull("mallory"));
    const { receive, start } = await app();
    await receive("issue_comment", event(COMMAND, { id: 62 }));
    await receive("issue_comment", event(COMMAND, { id: 63, prBody: "a pull request of a person" }));
    expect(reactions()).toEqual(["confused"]);
    expect(replies()).toEqual([]);
    expect(start).not.toHaveBeenCalled();
  });
});
