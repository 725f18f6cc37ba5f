/** What can hand out an installation token: Probot's octokit for one installation. */
export interface InstallationAuth {
  auth(options: { type: "installation" }): Promise<unknown>;
}

/**
 * The installation token for git, fetched per checkout so it is fresh; it only ever lives in the git child's
 * environment.
 */
export function installationToken(octokit: InstallationAuth): () => Promise<string | undefined> {
  return async () => ((await octokit.auth({ type: "installation" })) as { token?: string }).token;
}
