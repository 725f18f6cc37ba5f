import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../../ports.js";
import type { ResultComments } from "../../usecases/apply-merged-revert.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Result comments on a pull request, over an installation Octokit: only this App's own comment that
 * starts with the marker counts (GitHub names the App in `performed_via_github_app`), so another bot's
 * comment, such as a workflow's github-actions[bot] echoing the marker, cannot stop an apply.
 */
export class OctokitResultComments implements ResultComments {
  constructor(
    private readonly octokit: Octokit,
    /** This App's id; without it any bot's comment counts (as before). */
    private readonly appId?: number,
  ) {}

  async has(repo: RepoRef, number: number, marker: string): Promise<boolean> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: repo.owner, repo: repo.repo, issue_number: number, per_page: 100 });
    return comments.some((c) => c.user?.type === "Bot" && (this.appId === undefined || c.performed_via_github_app?.id === this.appId) && c.body?.startsWith(marker) === true);
  }

  async post(repo: RepoRef, number: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.repo, issue_number: number, body });
  }
}
