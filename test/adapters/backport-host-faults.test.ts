import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { BackportHostError, type BackportHostErrorKind } from "../../src/ports.js";
import { BackportApiMock, githubErrors, failure, type Reply } from "../support/github-backport-api.js";

const CANARY = "ghs_canary0123456789abcdefABCDEF0123456789";
const REPO = { owner: "acme", repo: "infra" };
const BRANCH = "driftback/prod/aws_instance-api";
const NOW = Date.parse("2026-11-01T10:00:00Z");

let api: BackportApiMock;
let host: OctokitBackportHost;

beforeEach(() => {
  nock.disableNetConnect();
  api = new BackportApiMock(REPO.owner, REPO.repo);
  // the canary token goes out with every request; no error may bring it back
  const octokit = new ProbotOctokit({ auth: { token: CANARY }, retry: { enabled: false }, throttle: { enabled: false } });
  host = new OctokitBackportHost(octokit, { botLogin: "driftback[bot]", now: () => NOW });
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("faults: one error kind each, a readable reason, never the token", () => {
  const OPEN = `Could not open the pull request from ${BRANCH} into main`;
  const open = () => host.openPullRequest(REPO, { head: BRANCH, base: "main", title: "Codify drift", body: "body", draft: false });
  const faults: [string, Reply, BackportHostErrorKind, string, number?][] = [
    ["403 secondary rate limit with retry-after", { status: 403, body: githubErrors.secondaryRateLimit, headers: { "retry-after": "30" } }, "rate-limited", `${OPEN}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait 30 s).`, 30],
    ["403 secondary rate limit without retry-after (a minute, per GitHub's docs)", { status: 403, body: githubErrors.secondaryRateLimit }, "rate-limited", `${OPEN}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait 60 s).`, 60],
    // issue 15, 6.8: GitHub's other wordings and a bare retry-after are rate limits too, as the queue's retries read them
    ["403 abuse detection (GitHub's older wording of a secondary limit)", { status: 403, body: { message: "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again." } }, "rate-limited", `${OPEN}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait 60 s).`, 60],
    ["403 whose words say nothing but that carries retry-after", { status: 403, body: { message: "Forbidden" }, headers: { "retry-after": "7" } }, "rate-limited", `${OPEN}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait 7 s).`, 7],
    ["429 with retry-after", { status: 429, body: { message: "Too Many Requests" }, headers: { "retry-after": "12" } }, "rate-limited", `${OPEN}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait 12 s).`, 12],
    ["403 primary rate limit used up", { status: 403, body: { message: "API rate limit exceeded for installation ID 1." }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 600) } }, "rate-limited", `${OPEN}: the app's GitHub API rate limit is used up; driftback tries again on the next scan (it resets in 600 s).`, 600],
    ["403 missing permission", { status: 403, body: githubErrors.notAccessible }, "forbidden", `${OPEN}: the driftback app lacks a permission it needs (GitHub said "Resource not accessible by integration"); grant it Contents, Pull requests and Issues write access.`],
    ["403 branch protection", { status: 403, body: { message: "Protected branch update failed for refs/heads/main." } }, "forbidden", `${OPEN}: a branch protection rule or ruleset blocks it: "Protected branch update failed for refs/heads/main.".`],
    ["403 anything else", { status: 403, body: { message: "Pull request creation is disabled for this repository" } }, "forbidden", `${OPEN}: GitHub refused it (HTTP 403: "Pull request creation is disabled for this repository").`],
    ["401 bad credentials", { status: 401, body: { message: "Bad credentials" } }, "forbidden", `${OPEN}: GitHub did not accept driftback's credentials (HTTP 401).`],
    ["404", { status: 404, body: { message: "Not Found" } }, "not-found", `${OPEN}: GitHub found no such repository, branch or pull request, or the app cannot see it (HTTP 404).`],
    ["500", { status: 500, body: { message: "Server Error" } }, "unavailable", `${OPEN}: GitHub did not answer properly (HTTP 500); driftback tries again on the next scan.`],
    ["502 with an HTML page", { status: 502, body: "<html><body><h1>Unicorn!</h1>\n<script>x</script></body></html>", headers: { "content-type": "text/html" } }, "unavailable", `${OPEN}: GitHub did not answer properly (HTTP 502); driftback tries again on the next scan.`],
    ["500 whose JSON is malformed", { status: 500, body: '{"message": "Server Er', headers: { "content-type": "application/json" } }, "unavailable", `${OPEN}: GitHub did not answer properly (HTTP 500); driftback tries again on the next scan.`],
    ["201 whose JSON is malformed", { status: 201, body: '{"number": 42, "html_url": ', headers: { "content-type": "application/json" } }, "unavailable", `${OPEN}: GitHub's answer could not be read; driftback tries again on the next scan.`],
    ["201 whose JSON lacks the pull request's number", { status: 201, body: { html_url: "https://github.com/acme/infra/pull/1" } }, "unavailable", `${OPEN}: GitHub's answer could not be read; driftback tries again on the next scan.`],
  ];

  it.each(faults)("%s", async (_case, reply, kind, reason, retryAfter) => {
    api.createPull(reply);
    const error = await failure(open());
    expect(error.kind).toBe(kind);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe(reason);
    expect(error.retryAfterSeconds).toBe(retryAfter);
    expect(error.cause).toBeDefined();
    expect(api.requests).toHaveLength(1);
  });

  it("reads a connection that fails outright as GitHub unreachable", async () => {
    api.scope.post("/repos/acme/infra/pulls").replyWithError("socket hang up");
    const error = await failure(open());
    expect(error.kind).toBe("unavailable");
    expect(error.reason).toBe(`${OPEN}: GitHub could not be reached; driftback tries again on the next scan.`);
  });

  it("never puts the token in a reason, a message or the error's own fields, even when GitHub's message echoes it", async () => {
    const echoes: Reply[] = [
      ...faults.map(([, reply]) => reply),
      { status: 422, body: { message: `Validation Failed for token ${CANARY}`, errors: [{ message: `bad credential ${CANARY} at https://x-access-token:${CANARY}@github.com/acme/infra.git` }] } },
      { status: 403, body: { message: `Resource not accessible by integration (Bearer ${CANARY})` } },
    ];
    for (const reply of echoes) api.createPull(reply);
    const errors: BackportHostError[] = [];
    for (const _ of echoes) errors.push(await failure(open()));
    // the canary did go out with every request: the check below is about what comes back
    expect(api.requests.every((r) => r.authorization?.includes(CANARY))).toBe(true);
    for (const error of errors) {
      for (const text of [error.reason, error.message, String(error), JSON.stringify(error)]) expect(text).not.toContain(CANARY);
    }
    expect(errors.at(-2)!.reason).toBe(`${OPEN}: GitHub rejected the request (HTTP 422: "Validation Failed for token ***: bad credential *** at https://***@github.com/acme/infra.git").`);
  });

  it("quotes GitHub's words on one line, without control characters, cut to a readable length", async () => {
    api.createPull({ status: 422, body: { message: `Bad\u001b[31m thing\u202e here ${"x".repeat(400)}\nsecond line` } });
    const error = await failure(open());
    expect(error.reason).toMatch(/^Could not open the pull request from .* into main: GitHub rejected the request \(HTTP 422: "Bad \[31m thing here x+…"\)\.$/);
    expect(error.reason).not.toMatch(/[\u0000-\u001f\u202e]|second line/);
    expect(/"(.*)"\)\.$/.exec(error.reason)![1]!.length).toBe(200);
  });
});
