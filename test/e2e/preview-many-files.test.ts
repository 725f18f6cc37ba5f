import { expect, it } from "vitest";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { useMockedGitHub } from "../support/mocked-github.js";
import { startApp } from "../support/probot-app.js";
import { describeShared } from "../support/shared.js";
import { baseFiles, prPayload, standardApi } from "./preview-fixtures.js";

// issue 15, item 6.9: GitHub lists at most 3,000 files of a pull request, and does not say it stopped
let api: GitHubApiMock;
let repo: TestRepo;

useMockedGitHub((world) => ({ api, repo } = world));

describeShared("a pull request with more files than GitHub lists", () => {
  it("plans every configured workspace when the list stops at 3,000 files, though none listed is terraform", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    const listed = Array.from({ length: 3_000 }, (_, i) => `docs/page-${i}.md`);
    standardApi(api, payload, listed);
    const app = await startApp();

    await app.receive("pull_request", payload);
    await app.idle();

    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name).sort()).toEqual(["driftback: prod", "driftback: staging"]);
    expect(app.fake.calls().filter((c) => c.args[0] === "plan")).toHaveLength(2);
  });

  it("still skips a pull request whose complete list touches no terraform", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    standardApi(api, payload, Array.from({ length: 2_999 }, (_, i) => `docs/page-${i}.md`));
    const app = await startApp();

    await app.receive("pull_request", payload);
    await app.idle();

    expect(app.fake.calls()).toHaveLength(0);
  });
});
