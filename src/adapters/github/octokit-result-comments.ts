import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../../ports.js";
import type { ResultComments } from "../../usecases/apply-merged-revert.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Result comments on a pull request, over an installation Octokit: only a bot's comment that starts with the marker counts. */
export class OctokitResultComments implements ResultComments {
  constructor(private readonly octokit: Octokit) {}

  async has(repo: RepoRef, number: number, marker: string): Promise<boolean> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: repo.owner, repo: repo.repo, issue_number: number, per_page: 100 });
    return comments.some((c) => c.user?.type === "Bot" && c.body?.startsWith(marker) === true);
  }

  async post(repo: RepoRef, number: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.repo, issue_number: number, body });
  }
}
