import nock from "nock";
import { afterEach, beforeEach } from "vitest";
import { GitHubApiMock } from "./github-api.js";
import { TestRepo } from "./git-repo.js";

/**
 * The world every pull-request e2e test starts from: no real network, a fresh GitHub API mock and a fresh local
 * repository per test (handed to `use`), and nock cleaned up after it.
 */
export function useMockedGitHub(use: (world: { api: GitHubApiMock; repo: TestRepo }) => void): void {
  beforeEach(() => {
    nock.disableNetConnect();
    use({ api: new GitHubApiMock(), repo: new TestRepo() });
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
}
