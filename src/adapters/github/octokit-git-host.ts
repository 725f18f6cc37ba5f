import type { ProbotOctokit } from "probot";
import { isRequestError } from "./backport-host-errors.js";
import type { ChangedFiles, CheckRunHandle, CheckRunOutput, GitHost, PullRequestInfo, RepoRef } from "../../ports.js";

/** The most files `GET /repos/{owner}/{repo}/pulls/{pull_number}/files` returns (GitHub's REST docs). */
export const PULL_FILES_LIMIT = 3_000;

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Only owner and repo: callers often pass a whole PullRequestInfo, whose other fields must not leak into requests. */
const repoOf = (ref: RepoRef): RepoRef => ({ owner: ref.owner, repo: ref.repo });

/** GitHost over an installation-authenticated Octokit (Probot's `context.octokit`). */
export class OctokitGitHost implements GitHost {
  constructor(
    private readonly octokit: Octokit,
    /** This app's id, so check runs of other apps with the same name are never touched. */
    private readonly appId?: number,
  ) {}

  async getPullRequest(ref: RepoRef, number: number): Promise<PullRequestInfo> {
    const { data } = await this.octokit.rest.pulls.get({ ...repoOf(ref), pull_number: number });
    return pullRequestInfo(repoOf(ref), data);
  }

  async listChangedFiles(pr: PullRequestInfo): Promise<ChangedFiles> {
    const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 });
    // a rename touches both places: the old path may belong to another workspace
    const names = [...new Set(files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename])))];
    // GitHub lists at most 3,000 files of a pull request, without saying it stopped: a list that long may be cut
    return { files: names, complete: files.length < PULL_FILES_LIMIT };
  }

  async upsertComment(pr: PullRequestInfo, marker: string, body: string, options: { onlyIfExists?: boolean } = {}): Promise<string | undefined> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: pr.owner, repo: pr.repo, issue_number: pr.number, per_page: 100 });
    const existing = comments.find((c) => c.body?.startsWith(marker) && this.isOwnComment(c));
    if (existing) {
      if (existing.body === body) return existing.html_url; // unchanged: no write at all
      const { data } = await this.octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing.id, body });
      return data.html_url;
    }
    if (options.onlyIfExists) return undefined;
    const { data } = await this.octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body });
    return data.html_url;
  }

  /**
   * Written by this App's own bot, `<app-slug>[bot]`: GitHub names the App that made a comment in
   * `performed_via_github_app`. Another bot's comment that starts with the marker (a workflow's
   * `github-actions[bot]`, another App) is never edited; without an app id nothing is ours.
   */
  private isOwnComment(comment: { user?: { type?: string } | null; performed_via_github_app?: { id?: number } | null }): boolean {
    return this.appId !== undefined && comment.user?.type === "Bot" && comment.performed_via_github_app?.id === this.appId;
  }

  async startCheckRun(ref: RepoRef, headSha: string, name: string, output: CheckRunOutput): Promise<CheckRunHandle> {
    try {
      return await this.startOrFindCheckRun(ref, headSha, name, output);
    } catch (error) {
      // only an App may write check runs, and a workflow's token only with `checks: write`: a commit status instead
      if (!isRequestError(error) || error.status !== 403 || !/not accessible by integration/i.test(error.message)) throw error;
      const status = { sha: headSha, context: name };
      await this.octokit.rest.repos.createCommitStatus({ ...repoOf(ref), sha: headSha, context: name, state: "pending", description: statusDescription(output.title) });
      return { id: 0, status };
    }
  }

  private async startOrFindCheckRun(ref: RepoRef, headSha: string, name: string, output: CheckRunOutput): Promise<CheckRunHandle> {
    const { data } = await this.octokit.rest.checks.listForRef({ ...repoOf(ref), ref: headSha, check_name: name, filter: "latest", per_page: 100 });
    const mine = data.check_runs.find((run) => this.appId === undefined || run.app?.id === this.appId);
    if (mine) {
      await this.octokit.rest.checks.update({ ...repoOf(ref), check_run_id: mine.id, status: "in_progress", output });
      return { id: mine.id };
    }
    const created = await this.octokit.rest.checks.create({ ...repoOf(ref), name, head_sha: headSha, status: "in_progress", started_at: new Date().toISOString(), output });
    return { id: created.data.id };
  }

  async completeCheckRun(ref: RepoRef, handle: CheckRunHandle, conclusion: "success" | "failure" | "neutral", output: CheckRunOutput): Promise<void> {
    if (handle.status) {
      // a status has no "neutral": a plan that was not made (a fork, a refusal) does not fail the commit
      await this.octokit.rest.repos.createCommitStatus({ ...repoOf(ref), sha: handle.status.sha, context: handle.status.context, state: conclusion === "failure" ? "failure" : "success", description: statusDescription(output.title) });
      return;
    }
    await this.octokit.rest.checks.update({ ...repoOf(ref), check_run_id: handle.id, status: "completed", conclusion, completed_at: new Date().toISOString(), output });
  }

  async hasWriteAccess(ref: RepoRef, username: string): Promise<boolean> {
    const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...repoOf(ref), username });
    const role = (data as { role_name?: string }).role_name;
    return data.permission === "admin" || data.permission === "write" || role === "maintain";
  }
}

/** GitHub shows (and accepts) a status description of at most 140 characters. */
const STATUS_DESCRIPTION_LIMIT = 140;

function statusDescription(title: string): string {
  return title.length <= STATUS_DESCRIPTION_LIMIT ? title : `${title.slice(0, STATUS_DESCRIPTION_LIMIT - 1)}…`;
}

interface PullRequestData {
  number: number;
  state: string;
  draft?: boolean;
  head: { sha: string; repo: { full_name: string } | null };
  base: { sha?: string; repo: { full_name: string; clone_url: string } };
}

export function pullRequestInfo(ref: RepoRef, data: PullRequestData): PullRequestInfo {
  return {
    ...ref,
    number: data.number,
    headSha: data.head.sha,
    // a deleted fork has no head repo: treat it as untrusted too
    isFork: data.head.repo?.full_name !== data.base.repo.full_name,
    draft: data.draft === true,
    state: data.state === "closed" ? "closed" : "open",
    cloneUrl: data.base.repo.clone_url,
    ...(data.base.sha ? { baseSha: data.base.sha } : {}),
  };
}
