import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { BackportHostError, type BackportHostErrorKind } from "../../src/ports.js";
import { BackportApiMock, botCommit, compareBody, githubErrors, personCommit, pullBody, pullNode, failure, type Reply } from "../support/github-backport-api.js";

const BOT = "driftback[bot]";
const CANARY = "ghs_canary0123456789abcdefABCDEF0123456789";
const REPO = { owner: "acme", repo: "infra" };
const BRANCH = "driftback/prod/aws_instance-api";
const BASE_SHA = "a".repeat(40);
const NOW = Date.parse("2026-11-01T10:00:00Z");

let api: BackportApiMock;
let host: OctokitBackportHost;

beforeEach(() => {
  nock.disableNetConnect();
  api = new BackportApiMock(REPO.owner, REPO.repo);
  // a fresh Octokit per test, retries and throttling off: one request per call, nothing shared between tests
  const octokit = new ProbotOctokit({ auth: { token: CANARY }, retry: { enabled: false }, throttle: { enabled: false } });
  host = new OctokitBackportHost(octokit, { botLogin: BOT, now: () => NOW });
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const decoded = (base64: string) => Buffer.from(base64, "base64");

describe("branches", () => {
  it("reads a branch's tip from git/ref/heads/<branch>", async () => {
    api.branchRef(BRANCH, BASE_SHA);
    await expect(host.getBranch(REPO, BRANCH)).resolves.toEqual({ sha: BASE_SHA });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /repos/acme/infra/git/ref/heads/${BRANCH}`]);
  });

  it("answers undefined for a branch GitHub does not have", async () => {
    api.branchRef(BRANCH, null);
    await expect(host.getBranch(REPO, BRANCH)).resolves.toBeUndefined();
  });

  it("creates a branch as refs/heads/<branch> at the given commit", async () => {
    api.createRef();
    await host.createBranch(REPO, BRANCH, BASE_SHA);
    expect(api.sent("POST", "/repos/acme/infra/git/refs").map((r) => r.body)).toEqual([{ ref: `refs/heads/${BRANCH}`, sha: BASE_SHA }]);
  });

  it("turns 422 Reference already exists into a branch-exists error", async () => {
    api.createRef({ status: 422, body: githubErrors.referenceExists });
    const error = await failure(host.createBranch(REPO, BRANCH, BASE_SHA));
    expect(error.kind).toBe("branch-exists");
    expect(error.reason).toBe(`Could not create branch ${BRANCH}: the branch already exists.`);
  });

  it("force-moves a branch only through PATCH with force: true", async () => {
    api.updateRef(BRANCH);
    await host.resetBranch(REPO, BRANCH, BASE_SHA);
    expect(api.sent("PATCH", `/repos/acme/infra/git/refs/heads/${BRANCH}`).map((r) => r.body)).toEqual([{ sha: BASE_SHA, force: true }]);
  });

  it.each<[string, Reply]>([
    ["deleted", { status: 204 }],
    ["already gone (422 Reference does not exist)", { status: 422, body: githubErrors.referenceMissing }],
    ["already gone (404)", { status: 404, body: { message: "Not Found" } }],
  ])("deletes a branch, and a branch %s is fine", async (_case, reply) => {
    api.deleteRef(BRANCH, reply);
    await expect(host.deleteBranch(REPO, BRANCH)).resolves.toBeUndefined();
    expect(api.sent("DELETE", `/repos/acme/infra/git/refs/heads/${BRANCH}`)).toHaveLength(1);
  });

  it("does not hide a refused delete", async () => {
    api.deleteRef(BRANCH, { status: 403, body: githubErrors.notAccessible });
    expect((await failure(host.deleteBranch(REPO, BRANCH))).kind).toBe("forbidden");
  });

  it.each(["", "refs/heads/x", "a..b", "with space", "ends/", "x.lock", "colon:x", "tilde~1", "new\nline"])("refuses the branch name %j before any request", async (name) => {
    const error = await failure(host.createBranch(REPO, name, BASE_SHA));
    expect(error.kind).toBe("invalid");
    expect(error.reason).toMatch(/is not a valid branch name\.$/);
    expect(error.reason).not.toMatch(/[\n\r]/);
    expect(api.requests).toHaveLength(0);
  });
});

describe("comparing a branch with its base", () => {
  it("sees a branch with only driftback's signed commits as driftback's, with its distance from base", async () => {
    api.compare("main", BRANCH, { status: 200, body: compareBody({ commits: [botCommit(BOT, "1".repeat(40)), botCommit(BOT, "2".repeat(40))], behindBy: 3, mergeBase: BASE_SHA }) });
    await expect(host.compareBranch(REPO, "main", BRANCH)).resolves.toEqual({ onlyDriftback: true, aheadBy: 2, behindBy: 3, mergeBaseSha: BASE_SHA, otherAuthors: [], files: [] });
    expect(api.requests.map((r) => r.path)).toEqual([`/repos/acme/infra/compare/main...${BRANCH}`]);
  });

  it("sees a branch level with its base (created, nothing committed yet) as driftback's", async () => {
    api.compare("main", BRANCH, { status: 200, body: compareBody({ commits: [], mergeBase: BASE_SHA }) });
    expect((await host.compareBranch(REPO, "main", BRANCH)).onlyDriftback).toBe(true);
  });

  it.each([
    ["a person pushed a commit", [botCommit(BOT, "1".repeat(40)), personCommit("alice", "2".repeat(40))], undefined, ["alice"]],
    ["someone pushed under the bot's email as author and committer, unsigned", [{ ...botCommit(BOT, "1".repeat(40)), committer: BOT, verified: false }], undefined, [BOT]],
    ["someone pushed under the bot's email as author only", [{ ...botCommit(BOT, "1".repeat(40)), committer: "mallory", verified: false }], undefined, [BOT]],
    ["a person edited in GitHub's web editor (signed by web-flow, authored by them)", [{ sha: "3".repeat(40), author: "bob", committer: "web-flow", verified: true }], undefined, ["bob"]],
    ["the author's email maps to no GitHub account", [{ sha: "4".repeat(40), author: null, authorName: "CI Runner", committer: null, verified: false }], undefined, ["CI Runner"]],
    ["the compare lists fewer commits than the branch has", [botCommit(BOT, "1".repeat(40))], 300, []],
  ])("does not see a branch as driftback's when %s", async (_case, commits, totalCommits, others) => {
    api.compare("main", BRANCH, { status: 200, body: compareBody({ commits, mergeBase: BASE_SHA, totalCommits }) });
    const comparison = await host.compareBranch(REPO, "main", BRANCH);
    expect(comparison.onlyDriftback).toBe(false);
    expect(comparison.otherAuthors).toEqual(others);
  });
});

describe("commits through createCommitOnBranch", () => {
  const crlf = 'resource "aws_instance" "api" {\r\n  instance_type = "t3.large"\r\n}\r\n';
  const utf8 = "# Drift: aws_instance.api\n\nOwner: Zoë Müller — 東京 ✓\n";
  const binary = Uint8Array.from([0, 255, 13, 10, 128]);

  it("sends the branch, the expected head, the message and the exact bytes of every file, base64", async () => {
    api.commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: { oid: "d".repeat(40), url: "https://github.com/acme/infra/commit/ddd" } } } } });
    const result = await host.commitFiles(REPO, {
      branch: BRANCH,
      expectedHeadOid: BASE_SHA,
      message: { headline: "Codify drift: aws_instance.api instance_type (prod)", body: "Recorded t3.small, live t3.large." },
      additions: [
        { path: "infra/prod/main.tf", contents: crlf },
        { path: ".driftback/drift/prod/abc.md", contents: utf8 },
        { path: "infra/prod/blob.bin", contents: binary },
      ],
      deletions: [{ path: "infra/prod/old.tf" }],
    });
    expect(result).toEqual({ oid: "d".repeat(40), url: "https://github.com/acme/infra/commit/ddd" });

    const [sent] = api.graphql("createCommitOnBranch");
    const input = sent!.body.variables.input;
    expect(input.branch).toEqual({ repositoryNameWithOwner: "acme/infra", branchName: BRANCH });
    expect(input.expectedHeadOid).toBe(BASE_SHA);
    expect(input.message).toEqual({ headline: "Codify drift: aws_instance.api instance_type (prod)", body: "Recorded t3.small, live t3.large." });
    expect(input.fileChanges.additions.map((a: { path: string }) => a.path)).toEqual(["infra/prod/main.tf", ".driftback/drift/prod/abc.md", "infra/prod/blob.bin"]);
    const [tf, record, blob] = input.fileChanges.additions.map((a: { contents: string }) => decoded(a.contents));
    expect(tf.toString("utf8")).toBe(crlf);
    expect(tf.includes(Buffer.from("\r\n"))).toBe(true);
    expect(record.equals(Buffer.from(utf8, "utf8"))).toBe(true);
    expect(record.toString("utf8")).toContain("Zoë Müller — 東京 ✓");
    expect([...blob]).toEqual([...binary]);
    expect(input.fileChanges.deletions).toEqual([{ path: "infra/prod/old.tf" }]);
  });

  it("turns a stale expectedHeadOid (STALE_DATA on a 200) into head-moved with a readable reason", async () => {
    api.commitOnBranch({ status: 200, body: githubErrors.staleHead(BASE_SHA) });
    const error = await failure(host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "x" }, additions: [{ path: "a.tf", contents: "" }], deletions: [] }));
    expect(error.kind).toBe("head-moved");
    expect(error.reason).toBe(`Could not commit to branch ${BRANCH}: the branch moved while driftback was writing (someone pushed to it); nothing was written, and the next scan looks again.`);
    expect((error.cause as { name?: string }).name).toBe("GraphqlResponseError");
  });

  it.each<[string, object, BackportHostErrorKind, RegExp]>([
    ["classic branch protection", githubErrors.graphqlError("BRANCH_PROTECTION_RULE_VIOLATION", "Changes must be made through a pull request."), "forbidden", /a branch protection rule or ruleset blocks it: "Changes must be made through a pull request\."\.$/],
    ["a missing permission", githubErrors.graphqlError("FORBIDDEN", "Resource not accessible by integration"), "forbidden", /lacks a permission it needs/],
    ["a branch that is gone", githubErrors.graphqlError("NOT_FOUND", "Could not resolve to a Ref with the name 'x'."), "not-found", /found no such repository or branch/],
    ["GitHub's own failure", { data: null, errors: [{ message: "Something went wrong while executing your query." }] }, "unavailable", /tries again on the next scan\.$/],
  ])("maps a GraphQL error for %s", async (_case, body, kind, reason) => {
    api.commitOnBranch({ status: 200, body });
    const error = await failure(host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "x" }, additions: [{ path: "a.tf", contents: "" }], deletions: [] }));
    expect(error.kind).toBe(kind);
    expect(error.reason).toMatch(reason);
  });

  it("reads GraphQL's rate limit (RATE_LIMITED on a 200) with the time until the reset", async () => {
    api.commitOnBranch({ status: 200, body: githubErrors.graphqlError("RATE_LIMITED", "API rate limit exceeded for installation ID 1."), headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 90) } });
    const error = await failure(host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "x" }, additions: [{ path: "a.tf", contents: "" }], deletions: [] }));
    expect(error.kind).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(90);
  });

  it.each([
    ["an absolute path", { additions: [{ path: "/etc/passwd", contents: "" }], deletions: [] }, /"\/etc\/passwd" is not a relative path inside the repository\.$/],
    ["a path climbing out", { additions: [{ path: "infra/../../x", contents: "" }], deletions: [] }, /is not a relative path/],
    ["a path into .git", { additions: [], deletions: [{ path: ".git/config" }] }, /is not a relative path/],
    ["nothing at all", { additions: [], deletions: [] }, /there is nothing to commit\.$/],
  ])("refuses %s before any request", async (_case, files, reason) => {
    const error = await failure(host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "x" }, ...files }));
    expect(error.kind).toBe("invalid");
    expect(error.reason).toMatch(reason);
    expect(api.requests).toHaveLength(0);
  });

  it("refuses an expected head that is not a full commit SHA", async () => {
    const error = await failure(host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: "main", message: { headline: "x" }, additions: [{ path: "a.tf", contents: "" }], deletions: [] }));
    expect(error.reason).toBe(`Could not commit to branch ${BRANCH}: the expected head "main" is not a full commit SHA.`);
  });
});

describe("finding driftback's pull requests", () => {
  it("pages through the label's pull requests with the cursor and keeps same-repository heads under the prefix", async () => {
    const first = Array.from({ length: 100 }, (_, i) => pullNode({ number: i + 1, branch: `driftback/prod/r${i + 1}` }));
    first[5] = pullNode({ number: 6, branch: "driftback/prod/from-fork", fork: true });
    first[6] = pullNode({ number: 7, branch: "feature/someone-labelled-it" });
    const second = [
      pullNode({ number: 101, branch: "driftback/prod/merged", state: "MERGED", closedBy: "alice" }),
      pullNode({ number: 102, branch: "driftback/dev/closed", state: "CLOSED", closedBy: "alice", labels: ["drift", "drift:codify"] }),
    ];
    api.pullRequestsPage(first, "Y3Vyc29yOjEwMA==").pullRequestsPage(second);

    const found = await host.findBackportPullRequests(REPO);

    expect(found).toHaveLength(100); // 102 listed, a fork's and a non-driftback branch left out
    expect(found.map((p) => p.number)).not.toContain(6);
    expect(found.map((p) => p.number)).not.toContain(7);
    expect(found.at(-2)).toMatchObject({ number: 101, state: "closed", merged: true });
    expect(found.at(-2)).not.toHaveProperty("closedByLogin");
    expect(found.at(-1)).toEqual({
      number: 102,
      state: "closed",
      merged: false,
      draft: false,
      branch: "driftback/dev/closed",
      headSha: "102".padStart(40, "c"),
      baseRef: "main",
      title: "Codify drift #102",
      body: "<!-- driftback:backport 102 -->",
      labels: ["drift", "drift:codify"],
      url: "https://github.com/acme/infra/pull/102",
      closedByLogin: "alice",
    });
    // measured: 102 labelled pull requests cost 2 requests, whatever else the repository holds
    const listing = api.graphql("pullRequests(");
    expect(listing).toHaveLength(2);
    expect(api.requests).toHaveLength(2);
    expect(listing.map((r) => r.body.variables)).toEqual([
      { owner: "acme", name: "infra", labels: ["drift"], after: null },
      { owner: "acme", name: "infra", labels: ["drift"], after: "Y3Vyc29yOjEwMA==" },
    ]);
  });

  it("stops when GitHub repeats a cursor instead of paging forever", async () => {
    api.pullRequestsPage([pullNode({ number: 1, branch: "driftback/a" })], "same").pullRequestsPage([pullNode({ number: 2, branch: "driftback/b" })], "same");
    expect((await host.findBackportPullRequests(REPO)).map((p) => p.number)).toEqual([1, 2]);
    expect(api.requests).toHaveLength(2);
  });

  it("says the repository was not found when GraphQL answers repository: null", async () => {
    api.graphqlAnswer("pullRequests(", { status: 200, body: { data: { repository: null } } });
    const error = await failure(host.findBackportPullRequests(REPO));
    expect(error.kind).toBe("not-found");
    expect(error.reason).toBe("Could not list the pull requests labelled drift: GitHub found no repository acme/infra, or the app cannot see it.");
  });
});

describe("pull requests", () => {
  const request = { head: BRANCH, base: "main", title: "Codify drift: aws_instance.api instance_type (prod)", body: "## Drift\n\n| attribute | recorded | live |\n|---|---|---|\n<!-- driftback:{\"fingerprints\":[\"abc\"]} -->\n", draft: true };

  it("opens a pull request with exactly the given head, base, title, body and draft flag", async () => {
    api.createPull({ status: 201, body: pullBody("acme", "infra", 42) });
    await expect(host.openPullRequest(REPO, request)).resolves.toEqual({ number: 42, url: "https://github.com/acme/infra/pull/42", created: true });
    expect(api.sent("POST", "/repos/acme/infra/pulls").map((r) => r.body)).toEqual([request]);
  });

  it("returns the pull request already open from that branch instead of failing (422 already exists)", async () => {
    api.createPull({ status: 422, body: githubErrors.pullExists("acme", BRANCH) }).listPulls({ status: 200, body: [pullBody("acme", "infra", 17)] });
    await expect(host.openPullRequest(REPO, request)).resolves.toEqual({ number: 17, url: "https://github.com/acme/infra/pull/17", created: false });
    const [list] = api.sent("GET", "/repos/acme/infra/pulls");
    expect(list!.query).toMatchObject({ head: `acme:${BRANCH}`, base: "main", state: "open" });
    expect(api.requests).toHaveLength(2);
  });

  it("opens a ready pull request where the repository has no drafts", async () => {
    api.createPull({ status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "Draft pull requests are not supported in this repository." }] } }).createPull({ status: 201, body: pullBody("acme", "infra", 43) });
    await expect(host.openPullRequest(REPO, request)).resolves.toMatchObject({ number: 43, created: true });
    expect(api.sent("POST", "/repos/acme/infra/pulls").map((r) => r.body.draft)).toEqual([true, false]);
  });

  it.each<[string, Reply, BackportHostErrorKind, RegExp]>([
    ["a missing permission", { status: 403, body: githubErrors.notAccessible }, "forbidden", /^Could not open the pull request from driftback\/prod\/aws_instance-api into main: the driftback app lacks a permission it needs \(GitHub said "Resource not accessible by integration"\); grant it Contents, Pull requests and Issues write access\.$/],
    ["a ruleset", { status: 422, body: githubErrors.ruleViolation }, "forbidden", /a branch protection rule or ruleset blocks it: "Repository rule violations found"\.$/],
    ["no commits between the branches", { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "No commits between main and driftback/prod/aws_instance-api" }] } }, "invalid", /GitHub rejected the request \(HTTP 422: "Validation Failed: No commits between main and driftback\/prod\/aws_instance-api"\)\.$/],
  ])("reads a refused pull request for %s", async (_case, reply, kind, reason) => {
    api.createPull(reply);
    const error = await failure(host.openPullRequest(REPO, request));
    expect(error.kind).toBe(kind);
    expect(error.reason).toMatch(reason);
    expect(error.status).toBe(reply.status);
  });

  it("updates only the fields given, and sends nothing when none are", async () => {
    api.updatePull(42);
    await host.updatePullRequest(REPO, 42, { body: "new body", title: undefined });
    await host.updatePullRequest(REPO, 42, {});
    expect(api.requests.map((r) => r.body)).toEqual([{ body: "new body" }]);
  });

  it("adds labels once each, and sends nothing for none", async () => {
    api.addLabels(42);
    await host.addLabels(REPO, 42, ["drift", "drift:codify", "drift"]);
    await host.addLabels(REPO, 42, []);
    expect(api.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`)).toEqual(['POST /repos/acme/infra/issues/42/labels {"labels":["drift","drift:codify"]}']);
  });

  it("requests reviewers and teams in one call", async () => {
    api.requestReviewers(42);
    await expect(host.requestReviewers(REPO, 42, { reviewers: ["alice"], teamReviewers: ["platform"] })).resolves.toEqual([]);
    expect(api.requests.map((r) => r.body)).toEqual([{ reviewers: ["alice"], team_reviewers: ["platform"] }]);
  });

  it("still requests the valid reviewers when GitHub refuses one, and warns about that one", async () => {
    api
      .requestReviewers(42, { status: 422, body: githubErrors.notCollaborator("acme", "infra") })
      .requestReviewers(42)
      .requestReviewers(42, { status: 422, body: githubErrors.notCollaborator("acme", "infra") })
      .requestReviewers(42);
    const warnings = await host.requestReviewers(REPO, 42, { reviewers: ["alice", "outsider"], teamReviewers: ["platform"] });
    expect(warnings).toEqual([
      "GitHub would not request a review from outsider on pull request #42: Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/infra repository.",
    ]);
    expect(api.requests.map((r) => r.body)).toEqual([{ reviewers: ["alice", "outsider"], team_reviewers: ["platform"] }, { reviewers: ["alice"] }, { reviewers: ["outsider"] }, { team_reviewers: ["platform"] }]);
  });

  it("does not turn a rate limit on reviewers into a warning", async () => {
    api.requestReviewers(42, { status: 429, body: { message: "too many" }, headers: { "retry-after": "5" } });
    expect((await failure(host.requestReviewers(REPO, 42, { reviewers: ["alice"], teamReviewers: [] }))).kind).toBe("rate-limited");
  });

  it("comments with the body given and returns the comment's URL", async () => {
    api.createComment(42);
    await expect(host.comment(REPO, 42, "Resolved outside this PR.")).resolves.toBe("https://github.com/acme/infra/pull/42#issuecomment-901");
    expect(api.sent("POST", "/repos/acme/infra/issues/42/comments").map((r) => r.body)).toEqual([{ body: "Resolved outside this PR." }]);
  });

  it("closes with the comment first, so the comment is there when people are notified", async () => {
    api.createComment(42).updatePull(42);
    await host.closePullRequest(REPO, 42, "The drift is gone: resolved outside this pull request.");
    expect(api.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`)).toEqual([
      'POST /repos/acme/infra/issues/42/comments {"body":"The drift is gone: resolved outside this pull request."}',
      'PATCH /repos/acme/infra/pulls/42 {"state":"closed"}',
    ]);
  });
});

describe("request budget", () => {
  it("opens one new codify pull request in five requests, reads included (the issue's goal: at most 5)", async () => {
    api
      .pullRequestsPage([])
      .createRef()
      .commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: { oid: "d".repeat(40), url: "https://github.com/acme/infra/commit/ddd" } } } } })
      .createPull({ status: 201, body: pullBody("acme", "infra", 42) })
      .addLabels(42);
    expect(await host.findBackportPullRequests(REPO)).toEqual([]);
    await host.createBranch(REPO, BRANCH, BASE_SHA);
    await host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "Codify drift" }, additions: [{ path: "main.tf", contents: "x\n" }], deletions: [] });
    const pr = await host.openPullRequest(REPO, { head: BRANCH, base: "main", title: "Codify drift", body: "body", draft: false });
    await host.addLabels(REPO, pr.number, ["drift", "drift:codify"]);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /graphql", "POST /repos/acme/infra/git/refs", "POST /graphql", "POST /repos/acme/infra/pulls", "POST /repos/acme/infra/issues/42/labels"]);
  });
});
