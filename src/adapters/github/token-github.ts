import { Octokit } from "@octokit/rest";
import { GITHUB_ACTIONS_BOT_LOGIN } from "../../core/github-actions.js";
import type { RepoRef } from "../../ports.js";
import { isRequestError, toBackportHostError } from "./backport-host-errors.js";
import type { BackportOctokit } from "./octokit-backport-host.js";


/**
 * GitHub through a token from the environment (a personal token, or a workflow's GITHUB_TOKEN),
 * for the CLI outside the App: the reads `driftback backport` needs before the use case runs.
 * Every failure becomes one readable line (BackportHostError's reason); the token is never in it.
 */
export class TokenGitHub {
  readonly octokit: Octokit;

  constructor(token: string, options: { baseUrl?: string } = {}) {
    this.octokit = new Octokit({ auth: token, userAgent: "driftback-cli", ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  }

  /** What OctokitBackportHost needs: @octokit/rest's `rest` and `graphql` are the same calls as Probot's. */
  forBackportHost(): BackportOctokit {
    return this.octokit as unknown as BackportOctokit;
  }

  async defaultBranch(repo: RepoRef): Promise<string> {
    const data = await this.call(`read the repository ${repo.owner}/${repo.repo}`, async () => (await this.octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo })).data);
    return data.default_branch;
  }

  /** The branch's tip, or undefined when there is no such branch. */
  async branchHead(repo: RepoRef, branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (isRequestError(error) && error.status === 404) return undefined;
      throw new Error(cliReason(error, `read branch ${branch} of ${repo.owner}/${repo.repo}`), { cause: error });
    }
  }

  /** Whose token this is: its user's login, or the Actions bot for a workflow's GITHUB_TOKEN (which may not read /user). */
  async login(): Promise<string> {
    try {
      return (await this.octokit.rest.users.getAuthenticated()).data.login;
    } catch (error) {
      if (isRequestError(error) && error.status === 403) return GITHUB_ACTIONS_BOT_LOGIN; // a workflow's GITHUB_TOKEN: GitHub answers `GET /user` with 403 for it
      throw new Error(cliReason(error, "read who GITHUB_TOKEN belongs to"), { cause: error });
    }
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new Error(cliReason(error, action), { cause: error });
    }
  }
}

/** One line for a failed read: a refused token is named, so the user knows which variable to fix. */
function cliReason(error: unknown, action: string): string {
  if (isRequestError(error) && error.status === 401) return `Could not ${action}: GitHub did not accept the token in GITHUB_TOKEN (HTTP 401); check that it is valid and not expired.`;
  return toBackportHostError(error, action).reason;
}
