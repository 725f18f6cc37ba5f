/**
 * Named nock builders for the GitHub endpoints a backport touches, answering in the shapes GitHub documents.
 * Shapes checked with the search tool before these mocks were written:
 * - REST git refs, docs.github.com/en/rest/git/refs: GET /git/ref/heads/{branch} -> { ref, object: { sha, type } };
 *   POST /git/refs { ref: "refs/heads/...", sha } -> 201, or 422 "Reference already exists"; PATCH /git/refs/heads/{branch}
 *   { sha, force }; DELETE -> 204, or 422 "Reference does not exist" (octokit issue threads, github/lock#48).
 * - REST compare, docs.github.com/en/rest/commits/commits#compare-two-commits: GET /compare/{base}...{head} -> { status,
 *   ahead_by, behind_by, total_commits, merge_base_commit, commits: [{ sha, author: { login } | null, committer, commit:
 *   { author, committer, verification: { verified } } }] }.
 * - REST pulls, docs.github.com/en/rest/pulls/pulls: POST /pulls { head, base, title, body, draft } -> 201 { number, html_url };
 *   a duplicate is 422 { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message:
 *   "A pull request already exists for owner:branch." }] } (google/go-github#1441); GET /pulls?head=owner:branch&state=open;
 *   PATCH /pulls/{n} { title, body, state }.
 * - REST review requests, docs.github.com/en/rest/pulls/review-requests: POST /pulls/{n}/requested_reviewers { reviewers,
 *   team_reviewers }; 422 "Reviews may only be requested from collaborators. ..." (peter-evans/create-pull-request#4138).
 * - REST issue labels and comments, docs.github.com/en/rest/issues/labels and /issues/comments: POST /issues/{n}/labels
 *   { labels }; POST /issues/{n}/comments { body } -> 201 { id, html_url }.
 * - GraphQL createCommitOnBranch, docs.github.com/en/graphql/reference/mutations#createcommitonbranch and
 *   input-objects#createcommitonbranchinput: { branch: { repositoryNameWithOwner, branchName }, expectedHeadOid, message:
 *   { headline, body }, fileChanges: { additions: [{ path, contents: Base64String }], deletions: [{ path }] } }. A stale
 *   expectedHeadOid answers HTTP 200 with data.createCommitOnBranch null and errors [{ type: "STALE_DATA", path:
 *   ["createCommitOnBranch"], message: "Expected branch to point to \"<oid>\" but it did not.  Pull and try again." }];
 *   classic branch protection answers type BRANCH_PROTECTION_RULE_VIOLATION (Thinkmill/keystatic#1598).
 * - GraphQL Repository.pullRequests(labels:, states:, first:, after:) { pageInfo { hasNextPage endCursor } nodes { ... } }.
 * - Rate limits, docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api and @octokit/plugin-throttling:
 *   a secondary limit is 403 or 429 saying "secondary rate limit", sometimes with retry-after; the primary one is 403 with
 *   x-ratelimit-remaining 0 and x-ratelimit-reset (epoch seconds); GraphQL's is type RATE_LIMITED on a 200.
 */
import nock from "nock";
import { expect } from "vitest";
import { BackportHostError } from "../../src/ports.js";

export const API = "https://api.github.com";

export interface SentRequest {
  method: string;
  /** Decoded: octokit sends `heads%2Fdriftback%2F...`. */
  path: string;
  query: Record<string, string>;
  body: any;
  authorization?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One answer per builder call: nock fails a request nobody prepared, so every call a test does not expect shows. */
export class BackportApiMock {
  readonly requests: SentRequest[] = [];
  readonly scope = nock(API);

  constructor(
    readonly owner = "acme",
    readonly repo = "infra",
  ) {
    this.scope.on("request", (req: { method: string; url: string; headers: Headers | Record<string, string> }, _interceptor: unknown, body: string) => {
      const url = new URL(req.url);
      // fetch requests carry a Headers object
      const authorization = req.headers instanceof Headers ? req.headers.get("authorization") : req.headers.authorization;
      this.requests.push({
        method: req.method,
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        body: body ? safeJson(body) : undefined,
        authorization: authorization ?? undefined,
      });
    });
  }

  get repoPath(): string {
    return `/repos/${this.owner}/${this.repo}`;
  }

  /** Requests sent to a path (decoded, without the query), in order. */
  sent(method: string, path: string): SentRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  /** GraphQL requests whose document names this operation. */
  graphql(operation: string): SentRequest[] {
    return this.requests.filter((r) => r.path === "/graphql" && typeof r.body?.query === "string" && r.body.query.includes(operation));
  }

  private on(method: string, path: string) {
    return this.scope.intercept((uri: string) => decodeURIComponent(uri.split("?")[0]!) === path, method);
  }

  private answer(interceptor: nock.Interceptor, reply: Reply) {
    interceptor.reply(reply.status, reply.body === undefined ? "" : (reply.body as nock.Body), { "content-type": "application/json; charset=utf-8", ...reply.headers });
    return this;
  }

  branchRef(branch: string, sha: string | null) {
    const reply = sha === null ? { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" } } : { status: 200, body: refBody(this.owner, this.repo, branch, sha) };
    return this.answer(this.on("GET", `${this.repoPath}/git/ref/heads/${branch}`), reply);
  }

  createRef(reply: Reply = { status: 201, body: {} }) {
    return this.answer(this.on("POST", `${this.repoPath}/git/refs`), reply);
  }

  updateRef(branch: string, reply: Reply = { status: 200, body: {} }) {
    return this.answer(this.on("PATCH", `${this.repoPath}/git/refs/heads/${branch}`), reply);
  }

  deleteRef(branch: string, reply: Reply = { status: 204 }) {
    return this.answer(this.on("DELETE", `${this.repoPath}/git/refs/heads/${branch}`), reply);
  }

  compare(base: string, branch: string, reply: Reply) {
    return this.answer(this.on("GET", `${this.repoPath}/compare/${base}...${branch}`), reply);
  }

  /** The createCommitOnBranch mutation, however many times it is prepared. */
  commitOnBranch(reply: Reply) {
    return this.answer(this.scope.post("/graphql", (body: { query?: string }) => Boolean(body.query?.includes("createCommitOnBranch"))), reply);
  }

  /** One page of the labelled pull request listing; prepare pages in the order they are asked for. */
  pullRequestsPage(nodes: object[], endCursor: string | null = null) {
    const body = { data: { repository: { pullRequests: { pageInfo: { hasNextPage: endCursor !== null, endCursor }, nodes } } } };
    return this.answer(this.scope.post("/graphql", (b: { query?: string }) => Boolean(b.query?.includes("pullRequests("))), { status: 200, body });
  }

  graphqlAnswer(operation: string, reply: Reply) {
    return this.answer(this.scope.post("/graphql", (b: { query?: string }) => Boolean(b.query?.includes(operation))), reply);
  }

  createPull(reply: Reply) {
    return this.answer(this.on("POST", `${this.repoPath}/pulls`), reply);
  }

  listPulls(reply: Reply) {
    return this.answer(this.on("GET", `${this.repoPath}/pulls`), reply);
  }

  updatePull(number: number, reply: Reply = { status: 200, body: pullBody(this.owner, this.repo, number) }) {
    return this.answer(this.on("PATCH", `${this.repoPath}/pulls/${number}`), reply);
  }

  addLabels(number: number, reply: Reply = { status: 200, body: [] }) {
    return this.answer(this.on("POST", `${this.repoPath}/issues/${number}/labels`), reply);
  }

  requestReviewers(number: number, reply: Reply = { status: 201, body: pullBody(this.owner, this.repo, number) }) {
    return this.answer(this.on("POST", `${this.repoPath}/pulls/${number}/requested_reviewers`), reply);
  }

  createComment(number: number, reply: Reply = { status: 201, body: { id: 901, html_url: `https://github.com/${this.owner}/${this.repo}/pull/${number}#issuecomment-901` } }) {
    return this.answer(this.on("POST", `${this.repoPath}/issues/${number}/comments`), reply);
  }
}

export function refBody(owner: string, repo: string, branch: string, sha: string) {
  return { ref: `refs/heads/${branch}`, node_id: "REF_kwDO", url: `${API}/repos/${owner}/${repo}/git/refs/heads/${branch}`, object: { sha, type: "commit", url: `${API}/repos/${owner}/${repo}/git/commits/${sha}` } };
}

export interface CompareCommit {
  sha: string;
  /** The GitHub account the author email maps to; null when it maps to none. */
  author: string | null;
  authorName?: string;
  committer: string | null;
  verified: boolean;
}

/** A commit made through createCommitOnBranch: authored by the app's bot, committed and signed by GitHub (web-flow). */
export const botCommit = (bot: string, sha: string): CompareCommit => ({ sha, author: bot, committer: "web-flow", verified: true });

/** A commit a person pushed from their machine. */
export const personCommit = (login: string, sha: string): CompareCommit => ({ sha, author: login, committer: login, verified: false });

export function compareBody(options: { commits: CompareCommit[]; behindBy?: number; mergeBase: string; totalCommits?: number }) {
  const aheadBy = options.totalCommits ?? options.commits.length;
  const behindBy = options.behindBy ?? 0;
  const user = (login: string | null) => (login === null ? null : { login, id: login.length, type: login.endsWith("[bot]") ? "Bot" : "User" });
  return {
    url: `${API}/repos/acme/infra/compare/main...branch`,
    status: behindBy > 0 ? "diverged" : aheadBy > 0 ? "ahead" : "identical",
    ahead_by: aheadBy,
    behind_by: behindBy,
    total_commits: aheadBy,
    base_commit: { sha: "b".repeat(40) },
    merge_base_commit: { sha: options.mergeBase },
    commits: options.commits.map((c) => ({
      sha: c.sha,
      author: user(c.author),
      committer: user(c.committer),
      commit: {
        author: { name: c.authorName ?? c.author ?? "someone", email: "someone@example.com", date: "2026-11-01T10:00:00Z" },
        committer: { name: c.committer === "web-flow" ? "GitHub" : (c.committer ?? "someone"), email: "noreply@github.com", date: "2026-11-01T10:00:00Z" },
        message: "commit",
        verification: { verified: c.verified, reason: c.verified ? "valid" : "unsigned", signature: null, payload: null },
      },
      parents: [],
    })),
    files: [],
  };
}

export function pullBody(owner: string, repo: string, number: number) {
  return { number, state: "open", html_url: `https://github.com/${owner}/${repo}/pull/${number}`, draft: false };
}

export interface PullNodeOptions {
  number: number;
  branch: string;
  state?: "OPEN" | "CLOSED" | "MERGED";
  fork?: boolean;
  labels?: string[];
  closedBy?: string;
  body?: string;
}

/** One node of the GraphQL pull request listing. */
export function pullNode(o: PullNodeOptions) {
  const state = o.state ?? "OPEN";
  return {
    number: o.number,
    state,
    merged: state === "MERGED",
    isDraft: false,
    isCrossRepository: o.fork ?? false,
    headRefName: o.branch,
    headRefOid: `${o.number}`.padStart(40, "c"),
    baseRefName: "main",
    title: `Codify drift #${o.number}`,
    body: o.body ?? `<!-- driftback:backport ${o.number} -->`,
    url: `https://github.com/acme/infra/pull/${o.number}`,
    labels: { nodes: (o.labels ?? ["drift"]).map((name) => ({ name })) },
    timelineItems: { nodes: state === "OPEN" ? [] : [{ actor: { login: o.closedBy ?? "driftback[bot]" } }] },
  };
}

export const githubErrors = {
  notAccessible: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", status: "403" },
  ruleViolation: { message: "Repository rule violations found\n\nChanges must be made through a pull request.\n\n", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference", status: "422" },
  referenceExists: { message: "Reference already exists", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" },
  referenceMissing: { message: "Reference does not exist", documentation_url: "https://docs.github.com/rest/git/refs#delete-a-reference", status: "422" },
  secondaryRateLimit: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", status: "403" },
  pullExists: (owner: string, branch: string) => ({ message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${branch}.` }], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", status: "422" }),
  notCollaborator: (owner: string, repo: string) => ({ message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner}/${repo} repository.`, documentation_url: "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request", status: "422" }),
  staleHead: (oid: string) => ({ data: { createCommitOnBranch: null }, errors: [{ type: "STALE_DATA", path: ["createCommitOnBranch"], locations: [{ line: 3, column: 3 }], message: `Expected branch to point to "${oid}" but it did not.  Pull and try again.` }] }),
  graphqlError: (type: string, message: string) => ({ data: { createCommitOnBranch: null }, errors: [{ type, path: ["createCommitOnBranch"], locations: [{ line: 3, column: 3 }], message }] }),
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs a host call that must fail and returns its BackportHostError. */
export async function failure(call: Promise<unknown>): Promise<BackportHostError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackportHostError);
  return error as BackportHostError;
}
