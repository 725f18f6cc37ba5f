/**
 * A stateful GitHub behind nock for the endpoints backport pull requests use, so multi-scan e2e
 * sequences run against one world that remembers branches, commits, pull requests, labels and
 * comments between scans and across app restarts. Shapes as in github-backport-api.ts (checked
 * against GitHub's docs there). Every request is recorded with its decoded body; a request this
 * world does not know fails the test (nock answers no match).
 *
 * nock 15.0.0 hangs on reply functions that take the request body as an argument (DESIGN.md), so
 * the body comes from the scope's request event, which fires just before the reply function runs.
 */
import { createHash, randomBytes } from "node:crypto";
import nock from "nock";
import { API, botCommit, compareBody, githubErrors, personCommit, type CompareCommit } from "./github-backport-api.js";

export interface WorldRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
  /** GraphQL: the operation's first word after query/mutation. */
  operation?: string;
}

interface Commit {
  oid: string;
  author: "driftback" | "person";
  /** Every file the branch changed since its base, as of this commit (null: removed). */
  files: Map<string, string | null>;
  parent?: string;
}

interface Branch {
  /** The base commit the branch started from. */
  root: string;
  commits: Commit[];
}

export interface WorldPull {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  branch: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  comments: string[];
  closedBy?: string;
}

type Fault = { status: number; body?: unknown; headers?: Record<string, string>; branch?: string };

/** git's blob id for a file's contents: what GitHub's compare reports as `sha`. */
export function blobSha(contents: string): string {
  const bytes = Buffer.from(contents, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export class GitHubBackportWorld {
  readonly requests: WorldRequest[] = [];
  readonly branches = new Map<string, Branch>();
  readonly pulls = new Map<number, WorldPull>();
  /** Where the base branch points now (tests move it with the local repository's commits). */
  baseSha = "0".repeat(40);
  /** Its nock scope: listen to its `request` event to see requests in order with other mocks'. */
  readonly scope = nock(API);
  private nextNumber = 20;
  private readonly faults = new Map<string, Fault[]>();
  private last: WorldRequest | undefined;
  /** Every commit made through the API, with the branch history that led to it. */
  private readonly made = new Map<string, { root: string; history: Commit[] }>();

  constructor(
    readonly owner = "acme",
    readonly repo = "infra",
    readonly bot = "driftback[bot]",
  ) {
    this.scope.on("request", (req: { method: string; url: string }, _interceptor: unknown, body: string) => {
      const url = new URL(req.url);
      const parsed = body ? safeJson(body) : undefined;
      const operation = url.pathname === "/graphql" ? /(?:query|mutation)\s+(\w+)/.exec(String((parsed as { query?: string })?.query ?? ""))?.[1] : undefined;
      this.last = { method: req.method, path: decodeURIComponent(url.pathname), query: Object.fromEntries(url.searchParams), body: parsed, ...(operation ? { operation } : {}) };
      this.requests.push(this.last);
    });
    const mine = (uri: string) => this.handles(decodeURIComponent(uri.split("?")[0]!));
    for (const method of ["GET", "POST", "PATCH", "DELETE"]) {
      this.scope
        .intercept(mine, method)
        .reply(() => this.route())
        .persist();
    }
  }

  private get repoPath(): string {
    return `/repos/${this.owner}/${this.repo}`;
  }

  private handles(path: string): boolean {
    if (path === "/graphql" || path === "/app") return true;
    if (!path.startsWith(`${this.repoPath}/`)) return false;
    const rest = path.slice(this.repoPath.length);
    return /^\/(git\/|compare\/|pulls)/.test(rest) || (/^\/issues\/\d+\/(labels|comments)/.test(rest) && !this.isDashboard(rest));
  }

  /** The dashboard issue (number 7 in GitHubApiMock) is not a pull request: its calls belong to that mock. */
  private isDashboard(rest: string): boolean {
    const number = Number(/^\/issues\/(\d+)/.exec(rest)?.[1]);
    return !this.pulls.has(number) && number < 20;
  }

  /**
   * The next request of this kind (`commit`, `create-branch`, `open-pull`, `update-pull`, `labels`, `list`) gets this
   * answer instead; with `branch`, the next one about that branch.
   */
  failNext(kind: string, fault: Fault, branch?: string): this {
    this.faults.set(kind, [...(this.faults.get(kind) ?? []), { ...fault, ...(branch ? { branch } : {}) }]);
    return this;
  }

  // ---- what people do -------------------------------------------------------------------

  personCloses(number: number, login = "octocat"): void {
    Object.assign(this.pulls.get(number)!, { state: "closed", closedBy: login });
  }

  personMerges(number: number): void {
    Object.assign(this.pulls.get(number)!, { state: "closed", merged: true });
  }

  personPushes(branch: string, path: string, contents: string): void {
    const b = this.branches.get(branch)!;
    const files = new Map(b.commits.at(-1)?.files ?? []);
    files.set(path, contents);
    b.commits.push({ oid: oid(), author: "person", files, parent: this.head(branch) });
  }

  // ---- what tests read ---------------------------------------------------------------------

  head(branch: string): string | undefined {
    const b = this.branches.get(branch);
    return b ? (b.commits.at(-1)?.oid ?? b.root) : undefined;
  }

  /** The files a branch changed since its base. */
  files(branch: string): Map<string, string | null> {
    return new Map(this.branches.get(branch)?.commits.at(-1)?.files ?? []);
  }

  openPulls(): WorldPull[] {
    return [...this.pulls.values()].filter((p) => p.state === "open");
  }

  /** Requests that change something on GitHub (the GraphQL listing is a read sent as POST). */
  writes(): WorldRequest[] {
    return this.requests.filter((r) => r.method !== "GET" && !(r.path === "/graphql" && r.operation !== "driftbackCommit") && r.path !== "/app");
  }

  describeWrites(from = 0): string[] {
    return this.writes()
      .slice(from)
      .map((r) => `${r.method} ${r.path === "/graphql" ? `graphql ${r.operation}` : r.path.slice(this.repoPath.length)}`);
  }

  // ---- the router --------------------------------------------------------------------------

  private route(): [number, unknown, Record<string, string>?] {
    const request = this.last!;
    const { method, path, body } = request;
    const rest = path.startsWith(this.repoPath) ? path.slice(this.repoPath.length) : path;
    const json = (status: number, data: unknown): [number, unknown, Record<string, string>] => [status, data, { "content-type": "application/json; charset=utf-8" }];
    const fault = (kind: string, branch?: string) => {
      const queue = this.faults.get(kind) ?? [];
      const index = queue.findIndex((f) => f.branch === undefined || f.branch === branch);
      if (index === -1) return undefined;
      const [next] = queue.splice(index, 1);
      return [next!.status, next!.body ?? "", { "content-type": "application/json; charset=utf-8", ...next!.headers }] as [number, unknown, Record<string, string>];
    };
    let match: RegExpExecArray | null;

    if (method === "GET" && path === "/app") return json(200, { id: 123, slug: this.bot.replace(/\[bot\]$/, ""), name: "driftback", owner: { login: this.owner } });
    if (path === "/graphql") {
      if (request.operation === "driftbackCommit") return fault("commit", body.variables.input.branch.branchName) ?? json(200, this.commit(body.variables.input));
      return fault("list") ?? json(200, this.listing(body.variables.labels));
    }
    if (method === "POST" && rest === "/git/refs") {
      const fail = fault("create-branch", String(body.ref).replace(/^refs\/heads\//, ""));
      if (fail) return fail;
      const name = String(body.ref).replace(/^refs\/heads\//, "");
      if (this.branches.has(name)) return json(422, githubErrors.referenceExists);
      this.branches.set(name, this.branchAt(body.sha));
      return json(201, { ref: body.ref, object: { sha: body.sha, type: "commit" } });
    }
    if ((match = /^\/git\/ref\/heads\/(.+)$/.exec(rest)) && method === "GET") {
      const sha = this.head(match[1]!);
      return sha ? json(200, { ref: `refs/heads/${match[1]}`, object: { sha, type: "commit" } }) : json(404, { message: "Not Found" });
    }
    if ((match = /^\/git\/refs\/heads\/(.+)$/.exec(rest))) {
      const name = match[1]!;
      if (method === "DELETE") {
        if (!this.branches.delete(name)) return json(422, githubErrors.referenceMissing);
        return [204, ""];
      }
      if (method === "PATCH") {
        if (!this.branches.has(name)) return json(422, githubErrors.referenceMissing);
        this.branches.set(name, this.branchAt(body.sha));
        return json(200, { ref: `refs/heads/${name}`, object: { sha: body.sha, type: "commit" } });
      }
    }
    if ((match = /^\/compare\/(.+)\.\.\.(.+)$/.exec(rest)) && method === "GET") return this.compare(match[2]!, json);
    if (rest === "/pulls" && method === "POST") {
      const fail = fault("open-pull", body.head);
      if (fail) return fail;
      if (!this.branches.has(body.head)) return json(422, { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] });
      if (this.openPulls().some((p) => p.branch === body.head)) return json(422, githubErrors.pullExists(this.owner, body.head));
      const pull: WorldPull = { number: this.nextNumber++, state: "open", merged: false, draft: Boolean(body.draft), branch: body.head, base: body.base, title: body.title, body: body.body ?? "", labels: [], comments: [] };
      this.pulls.set(pull.number, pull);
      return json(201, this.pullJson(pull));
    }
    if (rest === "/pulls" && method === "GET") {
      const head = request.query.head?.split(":")[1];
      return json(200, this.openPulls().filter((p) => !head || p.branch === head).map((p) => this.pullJson(p)));
    }
    if ((match = /^\/pulls\/(\d+)$/.exec(rest)) && method === "PATCH") {
      const pull = this.pulls.get(Number(match[1]));
      if (!pull) return json(404, { message: "Not Found" });
      const fail = fault("update-pull", pull.branch);
      if (fail) return fail;
      if (body.title !== undefined) pull.title = body.title;
      if (body.body !== undefined) pull.body = body.body;
      if (body.state === "closed" && pull.state === "open") Object.assign(pull, { state: "closed", closedBy: this.bot });
      if (body.state === "open" && pull.state === "closed" && !pull.merged) Object.assign(pull, { state: "open", closedBy: undefined });
      return json(200, this.pullJson(pull));
    }
    if ((match = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(rest)) && method === "POST") return json(201, this.pullJson(this.pulls.get(Number(match[1]))!));
    if ((match = /^\/issues\/(\d+)\/labels(?:\/(.+))?$/.exec(rest))) {
      const pull = this.pulls.get(Number(match[1]));
      if (!pull) return json(404, { message: "Not Found" });
      if (method === "POST") {
        const fail = fault("labels", pull.branch);
        if (fail) return fail;
        for (const label of body.labels as string[]) if (!pull.labels.includes(label)) pull.labels.push(label);
        return json(200, pull.labels.map((name) => ({ name })));
      }
      if (method === "DELETE") {
        if (!pull.labels.includes(match[2]!)) return json(404, { message: "Label does not exist" });
        pull.labels = pull.labels.filter((l) => l !== match![2]);
        return json(200, pull.labels.map((name) => ({ name })));
      }
    }
    if ((match = /^\/issues\/(\d+)\/comments$/.exec(rest)) && method === "POST") {
      const pull = this.pulls.get(Number(match[1]));
      if (!pull) return json(404, { message: "Not Found" });
      pull.comments.push(body.body);
      return json(201, { id: 9000 + pull.comments.length, html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pull.number}#issuecomment-${9000 + pull.comments.length}` });
    }
    return json(501, { message: `the test's GitHub world does not know ${method} ${path}` });
  }

  /** A branch pointed at a commit: one of the world's (its history comes along) or a base commit. */
  private branchAt(sha: string): Branch {
    const known = this.made.get(sha);
    return known ? { root: known.root, commits: [...known.history] } : { root: sha, commits: [] };
  }

  private commit(input: { branch: { branchName: string }; expectedHeadOid: string; fileChanges: { additions?: { path: string; contents: string }[]; deletions?: { path: string }[] } }) {
    const name = input.branch.branchName;
    const branch = this.branches.get(name);
    if (!branch) return { data: { createCommitOnBranch: null }, errors: [{ type: "NOT_FOUND", path: ["createCommitOnBranch"], message: `Could not resolve to a ref named 'refs/heads/${name}'.` }] };
    if (this.head(name) !== input.expectedHeadOid) return githubErrors.staleHead(input.expectedHeadOid);
    const files = new Map(branch.commits.at(-1)?.files ?? []);
    for (const file of input.fileChanges.additions ?? []) files.set(file.path, Buffer.from(file.contents, "base64").toString("utf8"));
    for (const file of input.fileChanges.deletions ?? []) files.set(file.path, null);
    const commit: Commit = { oid: oid(), author: "driftback", files, parent: this.head(name) };
    branch.commits.push(commit);
    this.made.set(commit.oid, { root: branch.root, history: [...branch.commits] });
    return { data: { createCommitOnBranch: { commit: { oid: commit.oid, url: `https://github.com/${this.owner}/${this.repo}/commit/${commit.oid}` } } } };
  }

  private compare(name: string, json: (status: number, data: unknown) => [number, unknown, Record<string, string>]): [number, unknown, Record<string, string>?] {
    const branch = this.branches.get(name);
    if (!branch) return json(404, { message: "Not Found" });
    const commits: CompareCommit[] = branch.commits.map((c) => (c.author === "driftback" ? botCommit(this.bot, c.oid) : personCommit("octocat", c.oid)));
    const answer = compareBody({ commits, mergeBase: branch.root, behindBy: branch.root === this.baseSha ? 0 : 1 });
    const files = [...(branch.commits.at(-1)?.files ?? [])].map(([filename, contents]) => (contents === null ? { filename, status: "removed", sha: null } : { filename, status: "modified", sha: blobSha(contents) }));
    return json(200, { ...answer, files });
  }

  private listing(labels: string[] | undefined) {
    const nodes = [...this.pulls.values()]
      .filter((p) => !labels?.length || labels.some((l) => p.labels.includes(l)))
      .sort((a, b) => a.number - b.number)
      .map((p) => ({
        number: p.number,
        state: p.merged ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED",
        merged: p.merged,
        isDraft: p.draft,
        isCrossRepository: false,
        headRefName: p.branch,
        headRefOid: this.head(p.branch) ?? "f".repeat(40),
        baseRefName: p.base,
        title: p.title,
        body: p.body,
        url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`,
        labels: { nodes: p.labels.map((name) => ({ name })) },
        timelineItems: { nodes: p.state === "closed" && !p.merged && p.closedBy ? [{ actor: { login: p.closedBy } }] : [] },
      }));
    return { data: { repository: { pullRequests: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } } };
  }

  private pullJson(p: WorldPull) {
    return { number: p.number, state: p.state, draft: p.draft, merged: p.merged, html_url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`, head: { ref: p.branch }, base: { ref: p.base }, title: p.title, body: p.body, user: { login: this.bot, type: "Bot" } };
  }
}

function oid(): string {
  return randomBytes(20).toString("hex");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
