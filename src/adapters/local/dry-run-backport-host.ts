import { createHash } from "node:crypto";
import {
  BackportHostError,
  type BackportCommit,
  type BackportFile,
  type BackportHost,
  type BackportPullRequest,
  type BranchComparison,
  type OpenPullRequest,
  type PullRequestRef,
  type RepoRef,
} from "../../ports.js";

/** A pull request the use case would have opened, as it last left it. */
export interface RecordedPullRequest {
  number: number;
  url: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  comments: string[];
  /** One GitHub has (read through `reads`): its number and link are real, and the writes recorded are edits of it. */
  existing?: boolean;
}

/** One write the use case sent, in order (what a real run would have sent to GitHub). */
export type RecordedWrite =
  | { kind: "create-branch"; branch: string; sha: string }
  | { kind: "reset-branch"; branch: string; sha: string }
  | { kind: "delete-branch"; branch: string }
  | { kind: "commit"; branch: string; headline: string; files: string[]; deletions: string[] }
  | { kind: "open-pull-request"; number: number; branch: string }
  | { kind: "update-pull-request"; number: number; fields: string[] }
  | { kind: "add-labels"; number: number; labels: string[] }
  | { kind: "request-reviewers"; number: number; reviewers: string[]; teamReviewers: string[] }
  | { kind: "comment"; number: number }
  | { kind: "close-pull-request"; number: number };

interface RecordedBranch {
  sha: string;
  /** What the branch's commits wrote, path -> contents (null: deleted), in commit order. */
  files: Map<string, BackportFile["contents"] | null>;
  commits: number;
  /** A branch GitHub has (read through `reads`), not yet written by this run: its comparison is GitHub's. */
  existing?: boolean;
}

/**
 * A BackportHost for `--dry-run`: every write is recorded instead of sent and answered with made-up numbers. The
 * CLI builds its output from these records, so it shows exactly what the use case would send. Without `reads` the
 * repository has no driftback pull requests or branches yet (the CLI); with it (the Action's dry run) GitHub's own
 * pull requests and branches are read through it, so drift that has a pull request keeps it instead of a new one.
 */
export class DryRunBackportHost implements BackportHost {
  readonly writes: RecordedWrite[] = [];
  private readonly branches = new Map<string, RecordedBranch>();
  private readonly pulls = new Map<number, RecordedPullRequest>();
  private nextNumber = 1;

  constructor(private readonly reads?: Pick<BackportHost, "findBackportPullRequests" | "getBranch" | "compareBranch">) {}

  /** The pull requests the run would have opened, in the order it opened them. */
  pullRequests(): RecordedPullRequest[] {
    return [...this.pulls.values()].map((pr) => ({ ...pr, labels: [...pr.labels], reviewers: [...pr.reviewers], teamReviewers: [...pr.teamReviewers], comments: [...pr.comments] }));
  }

  /** What a branch's commits wrote: path -> contents, or null for a deleted file. */
  branchFiles(branch: string): Map<string, BackportFile["contents"] | null> {
    return new Map(this.branches.get(branch)?.files ?? []);
  }

  async getBranch(repo: RepoRef, branch: string): Promise<{ sha: string } | undefined> {
    const found = this.branches.get(branch) ?? (await this.readBranch(repo, branch));
    return found ? { sha: found.sha } : undefined;
  }

  async compareBranch(repo: RepoRef, base: string, branch: string): Promise<BranchComparison> {
    const known = this.branches.get(branch);
    // a branch GitHub has and this run has not written: GitHub's comparison
    if (this.reads && (!known || (known.existing && known.commits === 0))) return this.reads.compareBranch(repo, base, branch);
    const found = this.requireBranch(branch, `compare branch ${branch} with ${base}`);
    return { onlyDriftback: true, aheadBy: found.commits, behindBy: 0, mergeBaseSha: found.sha, otherAuthors: [] };
  }

  /** A branch GitHub has, remembered as this run's starting point for it (undefined when there is none, or no reads). */
  private async readBranch(repo: RepoRef, branch: string): Promise<RecordedBranch | undefined> {
    const real = this.reads ? await this.reads.getBranch(repo, branch) : undefined;
    if (!real) return undefined;
    const found: RecordedBranch = { sha: real.sha, files: new Map(), commits: 0, existing: true };
    this.branches.set(branch, found);
    return found;
  }

  async createBranch(repo: RepoRef, branch: string, sha: string): Promise<void> {
    if (this.branches.has(branch) || (await this.readBranch(repo, branch))) throw new BackportHostError("branch-exists", `could not create branch ${branch}: it already exists`, { status: 422 });
    this.branches.set(branch, { sha, files: new Map(), commits: 0 });
    this.writes.push({ kind: "create-branch", branch, sha });
  }

  async resetBranch(_repo: RepoRef, branch: string, sha: string): Promise<void> {
    // moved to another branch's tip (a rebuilt work branch): it now holds that branch's commits; else the base's
    const source = [...this.branches.values()].find((b) => b.sha === sha && b.commits > 0);
    this.branches.set(branch, { sha, files: new Map(source?.files ?? []), commits: source?.commits ?? 0 });
    this.writes.push({ kind: "reset-branch", branch, sha });
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<void> {
    if (!this.branches.has(branch)) await this.readBranch(repo, branch);
    if (!this.branches.delete(branch)) return;
    this.writes.push({ kind: "delete-branch", branch });
  }

  async commitFiles(_repo: RepoRef, commit: BackportCommit): Promise<{ oid: string; url: string }> {
    const found = this.requireBranch(commit.branch, `commit to branch ${commit.branch}`);
    if (found.sha !== commit.expectedHeadOid) {
      throw new BackportHostError("head-moved", `could not commit to branch ${commit.branch}: it is no longer at ${commit.expectedHeadOid.slice(0, 7)}`);
    }
    for (const file of commit.additions) found.files.set(file.path, file.contents);
    for (const file of commit.deletions) found.files.set(file.path, null);
    found.sha = fakeSha(`${found.sha}:${commit.branch}:${found.commits}`);
    found.commits++;
    this.writes.push({ kind: "commit", branch: commit.branch, headline: commit.message.headline, files: commit.additions.map((f) => f.path), deletions: commit.deletions.map((f) => f.path) });
    return { oid: found.sha, url: `dry-run://commit/${found.sha}` };
  }

  async findBackportPullRequests(repo: RepoRef, options?: { label?: string; branchPrefix?: string }): Promise<BackportPullRequest[]> {
    if (!this.reads) return [];
    const found = await this.reads.findBackportPullRequests(repo, options);
    for (const pr of found) {
      this.pulls.set(pr.number, { number: pr.number, url: pr.url, branch: pr.branch, base: pr.baseRef, title: pr.title, body: pr.body, draft: pr.draft, state: pr.state, labels: [...pr.labels], reviewers: [], teamReviewers: [], comments: [], existing: true });
    }
    // this run's made-up numbers never take a real pull request's
    this.nextNumber = Math.max(this.nextNumber, ...found.map((pr) => pr.number + 1));
    return found;
  }

  async openPullRequest(repo: RepoRef, request: OpenPullRequest): Promise<PullRequestRef> {
    const open = [...this.pulls.values()].find((pr) => pr.branch === request.head && pr.state === "open");
    if (open) return { number: open.number, url: open.url, created: false };
    if (!this.branches.has(request.head)) await this.readBranch(repo, request.head);
    this.requireBranch(request.head, `open a pull request from ${request.head}`);
    const number = this.nextNumber++;
    const url = `dry-run://${repo.owner}/${repo.repo}/pull/${number}`;
    this.pulls.set(number, { number, url, branch: request.head, base: request.base, title: request.title, body: request.body, draft: request.draft, state: "open", labels: [], reviewers: [], teamReviewers: [], comments: [] });
    this.writes.push({ kind: "open-pull-request", number, branch: request.head });
    return { number, url, created: true };
  }

  async updatePullRequest(_repo: RepoRef, number: number, update: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void> {
    const pr = this.requirePull(number);
    Object.assign(pr, Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)));
    this.writes.push({ kind: "update-pull-request", number, fields: Object.keys(update).filter((k) => update[k as keyof typeof update] !== undefined) });
  }

  async addLabels(_repo: RepoRef, number: number, labels: readonly string[]): Promise<void> {
    const pr = this.requirePull(number);
    pr.labels.push(...labels.filter((label) => !pr.labels.includes(label)));
    this.writes.push({ kind: "add-labels", number, labels: [...labels] });
  }

  async requestReviewers(_repo: RepoRef, number: number, request: { reviewers: readonly string[]; teamReviewers: readonly string[] }): Promise<string[]> {
    const pr = this.requirePull(number);
    pr.reviewers.push(...request.reviewers);
    pr.teamReviewers.push(...request.teamReviewers);
    this.writes.push({ kind: "request-reviewers", number, reviewers: [...request.reviewers], teamReviewers: [...request.teamReviewers] });
    return [];
  }

  async comment(_repo: RepoRef, number: number, body: string): Promise<string> {
    const pr = this.requirePull(number);
    pr.comments.push(body);
    this.writes.push({ kind: "comment", number });
    return `${pr.url}#comment-${pr.comments.length}`;
  }

  async closePullRequest(repo: RepoRef, number: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(repo, number, comment);
    this.requirePull(number).state = "closed";
    this.writes.push({ kind: "close-pull-request", number });
  }

  private requireBranch(branch: string, action: string): RecordedBranch {
    const found = this.branches.get(branch);
    if (!found) throw new BackportHostError("not-found", `could not ${action}: there is no branch ${branch}`, { status: 404 });
    return found;
  }

  private requirePull(number: number): RecordedPullRequest {
    const found = this.pulls.get(number);
    if (!found) throw new BackportHostError("not-found", `there is no pull request #${number} in this dry run`, { status: 404 });
    return found;
  }
}

/** A made-up commit id: stable for the same history, so two dry runs print the same thing. */
function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}
