import type { ProbotOctokit } from "probot";
import { z } from "zod";
import {
  BackportHostError,
  type BackportCommit,
  type BackportHost,
  type BackportPullRequest,
  type BranchComparison,
  type OpenPullRequest,
  type PullRequestRef,
  type RepoRef,
} from "../../ports.js";
import { BACKPORT_PULL_REQUESTS, CREATE_COMMIT_ON_BRANCH, commitAnswer, pullRequestsAnswer, type PullRequestNode } from "./backport-graphql.js";
import { githubMessage, invalidInput, isRequestError, quote, toBackportHostError, unreadableAnswer } from "./backport-host-errors.js";

/** Probot's installation Octokit, or @octokit/rest's (the CLI): only these parts are used. */
export type BackportOctokit = Pick<InstanceType<typeof ProbotOctokit>, "rest" | "graphql">;

export interface OctokitBackportHostOptions {
  /** The app's bot login, `<app-slug>[bot]`: commits by anyone else make a branch a person's. */
  botLogin: string;
  /** Clock for rate-limit reset times. */
  now?: () => number;
}

/** GitHub's web-flow signs commits made through the API; committer of every createCommitOnBranch commit. */
const WEB_FLOW = "web-flow";
/** A listing that never ends (a cursor GitHub keeps repeating) stops here: 10,000 pull requests. */
const MAX_PAGES = 100;

const refAnswer = z.object({ object: z.object({ sha: z.string().min(1) }) });
/** GitHub documents a compare commit's author and committer as a user, null, or an empty object `{}` (no GitHub account matched): `{}` reads as no login. */
const account = z.object({ login: z.string().optional() }).nullable();
const compareAnswer = z.object({
  ahead_by: z.number(),
  behind_by: z.number(),
  total_commits: z.number(),
  merge_base_commit: z.object({ sha: z.string() }),
  commits: z.array(
    z.object({
      author: account,
      committer: account,
      commit: z.object({ author: z.object({ name: z.string().optional() }).nullable(), verification: z.object({ verified: z.boolean() }).optional() }),
    }),
  ),
  files: z.array(z.object({ filename: z.string(), status: z.string(), sha: z.string().nullable().optional(), previous_filename: z.string().optional() })).optional(),
});
/** GitHub's compare lists at most 300 files: a list that long may be cut, so it vouches for nothing. */
const COMPARE_FILE_LIMIT = 300;
const pullAnswer = z.object({ number: z.number().int(), html_url: z.string() });
const commentAnswer = z.object({ html_url: z.string() });

/** BackportHost over an installation-authenticated Octokit. */
export class OctokitBackportHost implements BackportHost {
  private readonly now: () => number;

  constructor(
    private readonly octokit: BackportOctokit,
    private readonly options: OctokitBackportHostOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async getBranch(repo: RepoRef, branch: string): Promise<{ sha: string } | undefined> {
    const action = `read branch ${branch}`;
    checkBranch(action, branch);
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...repoOf(repo), ref: `heads/${branch}` });
      return { sha: parse(refAnswer, data, action).object.sha };
    } catch (error) {
      if (isRequestError(error) && error.status === 404) return undefined;
      throw toBackportHostError(error, action, this.now);
    }
  }

  async compareBranch(repo: RepoRef, base: string, branch: string): Promise<BranchComparison> {
    const action = `compare branch ${branch} with ${base}`;
    checkBranch(action, branch);
    checkBranch(action, base);
    const data = await this.call(action, async () => (await this.octokit.rest.repos.compareCommitsWithBasehead({ ...repoOf(repo), basehead: `${base}...${branch}` })).data);
    const answer = parse(compareAnswer, data, action);
    const others = answer.commits.filter((c) => !this.isDriftbacks(c));
    // the compare lists at most 250 commits: what it does not show cannot be vouched for
    const complete = answer.commits.length >= answer.total_commits;
    return {
      onlyDriftback: complete && others.length === 0,
      aheadBy: answer.ahead_by,
      behindBy: answer.behind_by,
      mergeBaseSha: answer.merge_base_commit.sha,
      otherAuthors: [...new Set(others.map((c) => c.author?.login ?? c.commit.author?.name ?? "an unknown author"))],
      ...(answer.files && answer.files.length < COMPARE_FILE_LIMIT ? { files: changedFiles(answer.files) } : {}),
    };
  }

  /** Authored by the app's bot and signed by GitHub: a person who borrows the bot's email cannot get GitHub's signature. */
  private isDriftbacks(commit: z.infer<typeof compareAnswer>["commits"][number]): boolean {
    const committer = commit.committer?.login;
    return commit.author?.login === this.options.botLogin && commit.commit.verification?.verified === true && (committer === WEB_FLOW || committer === this.options.botLogin);
  }

  async createBranch(repo: RepoRef, branch: string, sha: string): Promise<void> {
    const action = `create branch ${branch}`;
    checkBranch(action, branch);
    await this.call(action, () => this.octokit.rest.git.createRef({ ...repoOf(repo), ref: `refs/heads/${branch}`, sha }));
  }

  async resetBranch(repo: RepoRef, branch: string, sha: string): Promise<void> {
    const action = `reset branch ${branch}`;
    checkBranch(action, branch);
    await this.call(action, () => this.octokit.rest.git.updateRef({ ...repoOf(repo), ref: `heads/${branch}`, sha, force: true }));
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<void> {
    const action = `delete branch ${branch}`;
    checkBranch(action, branch);
    try {
      await this.octokit.rest.git.deleteRef({ ...repoOf(repo), ref: `heads/${branch}` });
    } catch (error) {
      // 422 "Reference does not exist": deleted already (by a person, or by GitHub on merge)
      if (isRequestError(error) && (error.status === 404 || (error.status === 422 && /reference does not exist/i.test(githubMessage(error.response?.data) ?? "")))) return;
      throw toBackportHostError(error, action, this.now);
    }
  }

  async commitFiles(repo: RepoRef, commit: BackportCommit): Promise<{ oid: string; url: string }> {
    const action = `commit to branch ${commit.branch}`;
    checkBranch(action, commit.branch);
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit.expectedHeadOid)) throw invalidInput(action, `the expected head "${quote(commit.expectedHeadOid)}" is not a full commit SHA`);
    if (!commit.message.headline.trim()) throw invalidInput(action, "the commit message has no headline");
    if (commit.additions.length === 0 && commit.deletions.length === 0) throw invalidInput(action, "there is nothing to commit");
    for (const file of [...commit.additions, ...commit.deletions]) checkPath(action, file.path);
    const input = {
      branch: { repositoryNameWithOwner: `${repo.owner}/${repo.repo}`, branchName: commit.branch },
      expectedHeadOid: commit.expectedHeadOid,
      message: commit.message.body === undefined ? { headline: commit.message.headline } : { headline: commit.message.headline, body: commit.message.body },
      fileChanges: {
        additions: commit.additions.map((file) => ({ path: file.path, contents: base64(file.contents) })),
        deletions: commit.deletions.map((file) => ({ path: file.path })),
      },
    };
    const data = await this.call(action, () => this.octokit.graphql(CREATE_COMMIT_ON_BRANCH, { input }));
    const made = parse(commitAnswer, data, action).createCommitOnBranch?.commit;
    return made ?? (await this.commitFromBranch(repo, commit.branch, commit.expectedHeadOid, action));
  }

  /**
   * createCommitOnBranch may answer without its commit (the schema lets both be null): the branch says what it made,
   * a commit on top of the expected head. Anything else is retried on the next scan.
   */
  private async commitFromBranch(repo: RepoRef, branch: string, expectedHeadOid: string, action: string): Promise<{ oid: string; url: string }> {
    const head = await this.getBranch(repo, branch);
    if (head && head.sha !== expectedHeadOid) {
      const { data } = await this.call(action, () => this.octokit.rest.git.getCommit({ ...repoOf(repo), commit_sha: head.sha }));
      const parents = (data as { parents?: { sha?: unknown }[] }).parents ?? [];
      if (parents.some((p) => p.sha === expectedHeadOid)) return { oid: head.sha, url: `${repo.owner}/${repo.repo}@${head.sha}` };
    }
    throw new BackportHostError("unavailable", `Could not ${action}: GitHub answered without the commit and the branch does not show it; driftback tries again on the next scan.`);
  }

  async findBackportPullRequests(repo: RepoRef, options: { label?: string; branchPrefix?: string } = {}): Promise<BackportPullRequest[]> {
    const label = options.label ?? "drift";
    const prefix = options.branchPrefix ?? "driftback/";
    const action = `list the pull requests labelled ${label}`;
    const found: BackportPullRequest[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const variables: { owner: string; name: string; labels: string[]; after: string | null } = { owner: repo.owner, name: repo.repo, labels: [label], after };
      const data = await this.call(action, () => this.octokit.graphql(BACKPORT_PULL_REQUESTS, variables));
      const answer = parse(pullRequestsAnswer, data, action);
      if (!answer.repository) throw new BackportHostError("not-found", `Could not ${action}: GitHub found no repository ${repo.owner}/${repo.repo}, or the app cannot see it.`);
      const { nodes, pageInfo } = answer.repository.pullRequests;
      for (const node of nodes ?? []) {
        if (node && !node.isCrossRepository && node.headRefName.startsWith(prefix)) found.push(backportPullRequest(node));
      }
      if (!pageInfo.hasNextPage || !pageInfo.endCursor || seen.has(pageInfo.endCursor)) break;
      seen.add(pageInfo.endCursor);
      after = pageInfo.endCursor;
    }
    return found;
  }

  async openPullRequest(repo: RepoRef, request: OpenPullRequest): Promise<PullRequestRef> {
    const action = `open the pull request from ${request.head} into ${request.base}`;
    checkBranch(action, request.head);
    checkBranch(action, request.base);
    if (!request.title.trim()) throw invalidInput(action, "the title is empty");
    try {
      return await this.createPull(repo, request, action);
    } catch (error) {
      const said = isRequestError(error) && error.status === 422 ? (githubMessage(error.response?.data) ?? "") : "";
      if (/pull request already exists/i.test(said)) return this.openPullFrom(repo, request, action);
      // private repositories on some plans have no drafts: a ready pull request beats none
      if (request.draft && /draft pull requests are not supported/i.test(said)) return this.call(action, () => this.createPull(repo, { ...request, draft: false }, action));
      throw toBackportHostError(error, action, this.now);
    }
  }

  private async createPull(repo: RepoRef, request: OpenPullRequest, action: string): Promise<PullRequestRef> {
    const { data } = await this.octokit.rest.pulls.create({ ...repoOf(repo), head: request.head, base: request.base, title: request.title, body: request.body, draft: request.draft });
    const pull = parse(pullAnswer, data, action);
    return { number: pull.number, url: pull.html_url, created: true };
  }

  /** GitHub said a pull request from that branch is open already: that one is ours to keep. */
  private async openPullFrom(repo: RepoRef, request: OpenPullRequest, action: string): Promise<PullRequestRef> {
    const data = await this.call(action, async () => (await this.octokit.rest.pulls.list({ ...repoOf(repo), head: `${repo.owner}:${request.head}`, base: request.base, state: "open", per_page: 10 })).data);
    const pulls = parse(z.array(pullAnswer), data, action);
    const existing = pulls[0];
    if (!existing) throw new BackportHostError("unavailable", `Could not ${action}: GitHub says one is open already but lists none; driftback tries again on the next scan.`);
    return { number: existing.number, url: existing.html_url, created: false };
  }

  async updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void> {
    const fields = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) as typeof update;
    if (Object.keys(fields).length === 0) return; // nothing to change: no write at all
    const action = `update pull request #${number}`;
    await this.call(action, () => this.octokit.rest.pulls.update({ ...repoOf(repo), pull_number: number, ...fields }));
  }

  async addLabels(repo: RepoRef, number: number, labels: readonly string[]): Promise<void> {
    const unique = [...new Set(labels)];
    if (unique.length === 0) return;
    // GitHub creates a label that does not exist yet, in a default colour
    await this.call(`label pull request #${number}`, () => this.octokit.rest.issues.addLabels({ ...repoOf(repo), issue_number: number, labels: unique }));
  }

  async removeLabel(repo: RepoRef, number: number, label: string): Promise<void> {
    try {
      await this.octokit.rest.issues.removeLabel({ ...repoOf(repo), issue_number: number, name: label });
    } catch (error) {
      if (isRequestError(error) && error.status === 404) return; // not on the pull request (any more)
      throw toBackportHostError(error, `remove label ${label} from pull request #${number}`, this.now);
    }
  }

  async requestReviewers(repo: RepoRef, number: number, request: { reviewers: readonly string[]; teamReviewers: readonly string[] }): Promise<string[]> {
    const reviewers = [...new Set(request.reviewers)];
    const teams = [...new Set(request.teamReviewers)];
    if (reviewers.length + teams.length === 0) return [];
    const action = `request reviews on pull request #${number}`;
    const ask = (users: string[], teamSlugs: string[]) =>
      this.octokit.rest.pulls.requestReviewers({ ...repoOf(repo), pull_number: number, ...(users.length > 0 ? { reviewers: users } : {}), ...(teamSlugs.length > 0 ? { team_reviewers: teamSlugs } : {}) });
    const refusal = (error: unknown): string | undefined => (isRequestError(error) && error.status === 422 ? quote(githubMessage(error.response?.data)) ?? "GitHub refused it" : undefined);
    try {
      await ask(reviewers, teams);
      return [];
    } catch (error) {
      if (refusal(error) === undefined) throw toBackportHostError(error, action, this.now);
    }
    // GitHub refuses the whole request for one bad reviewer: ask for each on its own, so the others are still asked
    const warnings: string[] = [];
    const one = async (who: string, users: string[], teamSlugs: string[]) => {
      try {
        await ask(users, teamSlugs);
      } catch (error) {
        const why = refusal(error);
        if (why === undefined) throw toBackportHostError(error, action, this.now);
        warnings.push(`GitHub would not request a review from ${who} on pull request #${number}: ${why}`);
      }
    };
    for (const user of reviewers) await one(user, [user], []);
    for (const team of teams) await one(`team ${team}`, [], [team]);
    return warnings;
  }

  async comment(repo: RepoRef, number: number, body: string): Promise<string> {
    const action = `comment on pull request #${number}`;
    const data = await this.call(action, async () => (await this.octokit.rest.issues.createComment({ ...repoOf(repo), issue_number: number, body })).data);
    return parse(commentAnswer, data, action).html_url;
  }

  async closePullRequest(repo: RepoRef, number: number, comment?: string): Promise<void> {
    if (comment !== undefined) await this.comment(repo, number, comment);
    await this.call(`close pull request #${number}`, () => this.octokit.rest.pulls.update({ ...repoOf(repo), pull_number: number, state: "closed" }));
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toBackportHostError(error, action, this.now);
    }
  }
}

/** Only owner and repo: callers may pass a bigger object whose other fields must not leak into requests. */
const repoOf = (ref: RepoRef): RepoRef => ({ owner: ref.owner, repo: ref.repo });

function parse<T>(schema: z.ZodType<T>, data: unknown, action: string): T {
  const result = schema.safeParse(data);
  if (!result.success) throw unreadableAnswer(action, result.error);
  return result.data;
}

/** The exact bytes, base64: a string is committed as UTF-8 with its line endings (CRLF stays CRLF). */
function base64(contents: string | Uint8Array): string {
  return (typeof contents === "string" ? Buffer.from(contents, "utf8") : Buffer.from(contents)).toString("base64");
}

/** A branch name as git allows it (check-ref-format), without `refs/heads/`. */
function checkBranch(action: string, branch: string): void {
  const bad = !branch || branch.startsWith("refs/") || branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".lock") || branch.includes("..") || branch.includes("//") || branch.includes("@{") || /[\u0000-\u0020\u007f~^:?*[\\]/.test(branch);
  if (bad) throw invalidInput(action, `"${quote(branch) ?? ""}" is not a valid branch name`);
}

/** A path inside the repository: relative, forward slashes, no `..`, no `.git`. */
function checkPath(action: string, file: string): void {
  const parts = file.split("/");
  const bad = !file || file.startsWith("/") || file.includes("\\") || /[\u0000-\u001f\u007f]/.test(file) || parts.some((p) => p === "" || p === "." || p === ".." || p === ".git");
  if (bad) throw invalidInput(action, `"${quote(file) ?? ""}" is not a relative path inside the repository`);
}

/** The compare's files as paths the branch added, modified or removed (a rename is both), each with its blob on the branch. */
function changedFiles(files: NonNullable<z.infer<typeof compareAnswer>["files"]>): NonNullable<BranchComparison["files"]> {
  return files.flatMap((file): NonNullable<BranchComparison["files"]> => {
    const sha = file.sha ?? undefined;
    switch (file.status) {
      case "unchanged":
        return [];
      case "removed":
        return [{ path: file.filename, status: "removed" }];
      case "added":
      case "copied":
        return [{ path: file.filename, status: "added", ...(sha ? { sha } : {}) }];
      case "renamed":
        return [...(file.previous_filename ? [{ path: file.previous_filename, status: "removed" as const }] : []), { path: file.filename, status: "added", ...(sha ? { sha } : {}) }];
      default:
        return [{ path: file.filename, status: "modified", ...(sha ? { sha } : {}) }];
    }
  });
}

function backportPullRequest(node: PullRequestNode): BackportPullRequest {
  const merged = node.merged || node.state === "MERGED";
  const closedBy = node.timelineItems?.nodes?.at(-1)?.actor?.login;
  return {
    number: node.number,
    state: node.state === "OPEN" ? "open" : "closed",
    merged,
    draft: node.isDraft,
    branch: node.headRefName,
    headSha: node.headRefOid,
    baseRef: node.baseRefName,
    title: node.title,
    body: node.body,
    labels: (node.labels?.nodes ?? []).flatMap((l) => (l ? [l.name] : [])),
    url: node.url,
    ...(node.editor?.login ? { bodyEditedBy: node.editor.login } : {}),
    ...(node.state === "CLOSED" && !merged && closedBy ? { closedByLogin: closedBy } : {}),
  };
}
