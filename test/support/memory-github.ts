import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BackportHostError, type BackportCommit, type BackportHost, type BackportPullRequest, type BranchComparison, type OpenPullRequest, type PullRequestRef, type RepoRef } from "../../src/ports.js";

type Author = "driftback" | string;

interface Commit {
  sha: string;
  /** First parent first; a merge commit has two. */
  parents: string[];
  author: Author;
  files: Map<string, string>;
}

export interface MemoryPullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  branch: string;
  base: string;
  /** The head the pull request had when its branch was last seen (GitHub keeps it after the branch is deleted). */
  headSha: string;
  title: string;
  body: string;
  labels: string[];
  comments: string[];
  reviewers: string[];
  closedByLogin?: string;
}

/** One call the host received: method and arguments, in order (reads too). */
export interface HostCall {
  method: string;
  args: unknown[];
}

/** Thrown after the allowed number of writes: the process died between two steps. */
export class Crash extends Error {}

export const BOT = "driftback[bot]";
const WRITES = new Set(["createBranch", "resetBranch", "deleteBranch", "commitFiles", "openPullRequest", "updatePullRequest", "addLabels", "removeLabel", "requestReviewers", "comment", "closePullRequest"]);

/**
 * GitHub in memory as a BackportHost: commits with whole file snapshots, branches, pull requests,
 * labels and comments, a compare that lists blob SHAs like GitHub's, and GitHub's habit of marking
 * an open pull request merged once its head is in its base. Every call is logged; writes can be
 * made to crash after a count, or to fail with a BackportHostError.
 */
export class MemoryGitHub implements BackportHost {
  readonly commits = new Map<string, Commit>();
  readonly refs = new Map<string, string>();
  readonly prs = new Map<number, MemoryPullRequest>();
  readonly calls: HostCall[] = [];
  writes = 0;
  private crashAfter = Infinity;
  private failures: { method: string; error: BackportHostError; times: number }[] = [];
  private nextNumber = 1;
  private counter = 0;

  constructor(
    files: Record<string, string>,
    readonly defaultBranch = "main",
  ) {
    this.refs.set(defaultBranch, this.makeCommit([], "alice", new Map(Object.entries(files))).sha);
  }

  // ---- test controls -------------------------------------------------------------------------

  crashAfterWrites(count: number): void {
    this.crashAfter = this.writes + count;
  }
  noCrash(): void {
    this.crashAfter = Infinity;
  }
  /** The next `times` calls of `method` fail with this error (before writing anything). */
  failNext(method: string, error: BackportHostError, times = 1): void {
    this.failures.push({ method, error, times });
  }
  writeCalls(): HostCall[] {
    return this.calls.filter((c) => WRITES.has(c.method));
  }
  openPrs(): MemoryPullRequest[] {
    return [...this.prs.values()].filter((p) => p.state === "open");
  }
  head(branch: string): string {
    return this.refs.get(branch)!;
  }
  /** A branch's files as its tip has them. */
  filesOf(branch: string): Map<string, string> {
    return this.commits.get(this.refs.get(branch)!)!.files;
  }
  /** Commits on the branch since it left the default branch, oldest first. */
  commitsOn(branch: string): Commit[] {
    const base = this.ancestors(this.refs.get(this.defaultBranch)!);
    const out: Commit[] = [];
    for (let sha: string | undefined = this.refs.get(branch); sha && !base.has(sha); sha = this.commits.get(sha)!.parents[0]) out.unshift(this.commits.get(sha)!);
    return out;
  }
  /** The default branch's tree written to a fresh directory: the scan's checkout. */
  checkout(): { dir: string; sha: string } {
    const sha = this.refs.get(this.defaultBranch)!;
    const dir = mkdtempSync(path.join(os.tmpdir(), "memory-checkout-"));
    for (const [file, text] of this.commits.get(sha)!.files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return { dir, sha };
  }

  // ---- people --------------------------------------------------------------------------------

  personCloses(number: number, login = "alice"): void {
    Object.assign(this.prs.get(number)!, { state: "closed", closedByLogin: login });
  }
  /** Merges the pull request's changes into the default branch (a merge commit by a person). */
  personMerges(number: number): void {
    const pr = this.prs.get(number)!;
    const files = new Map(this.filesOf(this.defaultBranch));
    for (const [file, text] of this.filesOf(pr.branch)) files.set(file, text);
    const merge = this.makeCommit([this.refs.get(this.defaultBranch)!, this.refs.get(pr.branch)!], "alice", files);
    this.refs.set(this.defaultBranch, merge.sha);
    Object.assign(pr, { state: "closed", merged: true });
  }
  personPushes(branch: string, file: string, text: string): void {
    const files = new Map(this.filesOf(branch));
    files.set(file, text);
    this.refs.set(branch, this.makeCommit([this.refs.get(branch)!], "alice", files).sha);
    this.syncHeads();
  }
  baseMoves(file: string, text: string): void {
    this.personPushes(this.defaultBranch, file, text);
  }
  /** A person (or anything with write access) rewrites the pull request's body. */
  personEditsBody(number: number, body: string): void {
    this.prs.get(number)!.body = body;
  }
  /** What `/driftback ignore` does: the person's login in the marker, then the app closes it. */
  personIgnores(number: number, login = "alice"): void {
    const pr = this.prs.get(number)!;
    pr.body = pr.body.replace(/(<!-- driftback:backport \{)/, `$1"ignoredBy":${JSON.stringify(login)},`);
    Object.assign(pr, { state: "closed", closedByLogin: BOT });
  }

  // ---- BackportHost --------------------------------------------------------------------------

  async getBranch(_repo: RepoRef, branch: string) {
    this.log("getBranch", [branch]);
    const sha = this.refs.get(branch);
    return sha ? { sha } : undefined;
  }

  async compareBranch(_repo: RepoRef, base: string, branch: string): Promise<BranchComparison> {
    this.log("compareBranch", [base, branch]);
    const baseSha = this.refs.get(base);
    const headSha = this.refs.get(branch);
    if (!baseSha || !headSha) throw new BackportHostError("not-found", `Could not compare branch ${branch} with ${base}: no such branch.`);
    const inBase = this.ancestors(baseSha);
    const inHead = this.ancestors(headSha);
    const ahead = [...inHead].filter((sha) => !inBase.has(sha)).map((sha) => this.commits.get(sha)!);
    const behind = [...inBase].filter((sha) => !inHead.has(sha)).length;
    let mergeBase = headSha;
    while (!inBase.has(mergeBase)) mergeBase = this.commits.get(mergeBase)!.parents[0]!;
    const before = this.commits.get(mergeBase)!.files;
    const after = this.commits.get(headSha)!.files;
    const files: NonNullable<BranchComparison["files"]> = [];
    for (const [file, text] of after) {
      if (!before.has(file)) files.push({ path: file, status: "added", sha: blob(text) });
      else if (before.get(file) !== text) files.push({ path: file, status: "modified", sha: blob(text) });
    }
    for (const file of before.keys()) if (!after.has(file)) files.push({ path: file, status: "removed" });
    const others = ahead.filter((c) => c.author !== "driftback");
    return { onlyDriftback: others.length === 0, aheadBy: ahead.length, behindBy: behind, mergeBaseSha: mergeBase, otherAuthors: [...new Set(others.map((c) => c.author))], files };
  }

  async createBranch(_repo: RepoRef, branch: string, sha: string): Promise<void> {
    this.write("createBranch", [branch, sha]);
    if (this.refs.has(branch)) throw new BackportHostError("branch-exists", `Could not create branch ${branch}: it exists already.`, { status: 422 });
    if (!this.commits.has(sha)) throw new BackportHostError("invalid", `Could not create branch ${branch}: no commit ${sha}.`, { status: 422 });
    this.refs.set(branch, sha);
  }

  async resetBranch(_repo: RepoRef, branch: string, sha: string): Promise<void> {
    this.write("resetBranch", [branch, sha]);
    if (!this.refs.has(branch)) throw new BackportHostError("not-found", `Could not reset branch ${branch}: no such branch.`, { status: 422 });
    this.refs.set(branch, sha);
    this.syncHeads();
  }

  async deleteBranch(_repo: RepoRef, branch: string): Promise<void> {
    this.write("deleteBranch", [branch]);
    this.refs.delete(branch);
  }

  async commitFiles(_repo: RepoRef, commit: BackportCommit): Promise<{ oid: string; url: string }> {
    this.write("commitFiles", [commit]);
    const head = this.refs.get(commit.branch);
    if (!head) throw new BackportHostError("not-found", `Could not commit to branch ${commit.branch}: no such branch.`);
    if (head !== commit.expectedHeadOid) throw new BackportHostError("head-moved", `Could not commit to branch ${commit.branch}: someone pushed to it meanwhile.`);
    if (commit.additions.length + commit.deletions.length === 0) throw new BackportHostError("invalid", "nothing to commit");
    const files = new Map(this.commits.get(head)!.files);
    for (const file of commit.additions) files.set(file.path, typeof file.contents === "string" ? file.contents : Buffer.from(file.contents).toString("utf8"));
    for (const file of commit.deletions) files.delete(file.path);
    const made = this.makeCommit([head], "driftback", files);
    this.refs.set(commit.branch, made.sha);
    this.syncHeads();
    return { oid: made.sha, url: `https://github.test/acme/infra/commit/${made.sha}` };
  }

  async findBackportPullRequests(_repo: RepoRef, options: { label?: string; branchPrefix?: string } = {}): Promise<BackportPullRequest[]> {
    this.log("findBackportPullRequests", [options]);
    const label = options.label ?? "drift";
    const prefix = options.branchPrefix ?? "driftback/";
    return [...this.prs.values()]
      .filter((pr) => pr.labels.includes(label) && pr.branch.startsWith(prefix))
      .map((pr) => ({
        number: pr.number,
        state: pr.state,
        merged: pr.merged,
        draft: pr.draft,
        branch: pr.branch,
        headSha: this.refs.get(pr.branch) ?? pr.headSha,
        baseRef: pr.base,
        title: pr.title,
        body: pr.body,
        labels: [...pr.labels],
        url: urlOf(pr.number),
        ...(pr.state === "closed" && !pr.merged && pr.closedByLogin ? { closedByLogin: pr.closedByLogin } : {}),
      }));
  }

  async openPullRequest(_repo: RepoRef, request: OpenPullRequest): Promise<PullRequestRef> {
    this.write("openPullRequest", [request]);
    const open = this.openPrs().find((p) => p.branch === request.head);
    if (open) return { number: open.number, url: urlOf(open.number), created: false };
    const head = this.refs.get(request.head);
    if (!head) throw new BackportHostError("invalid", `Could not open the pull request: no branch ${request.head}.`, { status: 422 });
    if (this.ancestors(this.refs.get(request.base)!).has(head)) throw new BackportHostError("invalid", `Could not open the pull request: no commits between ${request.base} and ${request.head}.`, { status: 422 });
    const number = this.nextNumber++;
    this.prs.set(number, { number, state: "open", merged: false, draft: request.draft, branch: request.head, base: request.base, headSha: head, title: request.title, body: request.body, labels: [], comments: [], reviewers: [] });
    return { number, url: urlOf(number), created: true };
  }

  async updatePullRequest(_repo: RepoRef, number: number, update: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void> {
    this.write("updatePullRequest", [number, update]);
    const pr = this.prs.get(number)!;
    if (update.title !== undefined) pr.title = update.title;
    if (update.body !== undefined) pr.body = update.body;
    if (update.state === "closed" && pr.state === "open") Object.assign(pr, { state: "closed", closedByLogin: BOT });
  }

  async addLabels(_repo: RepoRef, number: number, labels: readonly string[]): Promise<void> {
    this.write("addLabels", [number, labels]);
    const pr = this.prs.get(number)!;
    pr.labels = [...new Set([...pr.labels, ...labels])];
  }

  async removeLabel(_repo: RepoRef, number: number, label: string): Promise<void> {
    this.write("removeLabel", [number, label]);
    const pr = this.prs.get(number)!;
    pr.labels = pr.labels.filter((l) => l !== label);
  }

  async requestReviewers(_repo: RepoRef, number: number, request: { reviewers: readonly string[]; teamReviewers: readonly string[] }): Promise<string[]> {
    this.write("requestReviewers", [number, request]);
    this.prs.get(number)!.reviewers.push(...request.reviewers, ...request.teamReviewers.map((t) => `team:${t}`));
    return [];
  }

  async comment(_repo: RepoRef, number: number, body: string): Promise<string> {
    this.write("comment", [number, body]);
    const pr = this.prs.get(number)!;
    pr.comments.push(body);
    return `${urlOf(number)}#comment-${pr.comments.length}`;
  }

  async closePullRequest(_repo: RepoRef, number: number, comment?: string): Promise<void> {
    this.write("closePullRequest", [number, comment]);
    const pr = this.prs.get(number)!;
    if (comment !== undefined) pr.comments.push(comment);
    if (pr.state === "open") Object.assign(pr, { state: "closed", closedByLogin: BOT });
  }

  // ---- internals -----------------------------------------------------------------------------

  private log(method: string, args: unknown[]): void {
    this.calls.push({ method, args: structuredClone(args) });
    const failure = this.failures.find((f) => f.method === method && f.times > 0);
    if (failure) {
      failure.times--;
      throw failure.error;
    }
  }

  private write(method: string, args: unknown[]): void {
    if (this.writes >= this.crashAfter) throw new Crash(`crash before write ${this.writes + 1} (${method})`);
    this.writes++;
    this.log(method, args);
  }

  private makeCommit(parents: string[], author: Author, files: Map<string, string>): Commit {
    const sha = createHash("sha1").update(`commit ${++this.counter} ${parents.join(" ")}`).digest("hex");
    const commit: Commit = { sha, parents, author, files };
    this.commits.set(sha, commit);
    return commit;
  }

  private ancestors(sha: string): Set<string> {
    const out = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const at = queue.pop()!;
      if (out.has(at)) continue;
      out.add(at);
      queue.push(...this.commits.get(at)!.parents);
    }
    return out;
  }

  /** Pull requests follow their branch; one whose head is already in its base is marked merged, as GitHub does. */
  private syncHeads(): void {
    for (const pr of this.openPrs()) {
      const head = this.refs.get(pr.branch);
      if (!head) continue;
      pr.headSha = head;
      if (this.ancestors(this.refs.get(pr.base)!).has(head)) Object.assign(pr, { state: "closed", merged: true });
    }
  }
}

function blob(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function urlOf(number: number): string {
  return `https://github.test/acme/infra/pull/${number}`;
}
