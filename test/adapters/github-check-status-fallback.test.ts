import { describe, expect, it } from "vitest";
import { OctokitGitHost } from "../../src/adapters/github/octokit-git-host.js";

/** A 403 on check runs: only GitHub's "Resource not accessible by integration" (a token without `checks: write`) means commit statuses. */
function host(checksError: Error) {
  const statuses: object[] = [];
  const octokit = {
    rest: {
      checks: { listForRef: async () => Promise.reject(checksError) },
      repos: { createCommitStatus: async (params: object) => void statuses.push(params) },
    },
  };
  return { host: new OctokitGitHost(octokit as never, 15368), statuses };
}

/** A 403 as Octokit throws it (its RequestError: name HttpError, the status, GitHub's message). */
const forbidden = (message: string) => Object.assign(new Error(message), { name: "HttpError", status: 403, response: { status: 403, headers: {}, data: { message } } });

describe("check runs, or commit statuses when the token may not write them", () => {
  it("falls back to a pending, then a finished commit status of the same name", async () => {
    const { host: github, statuses } = host(forbidden("Resource not accessible by integration"));
    const handle = await github.startCheckRun({ owner: "o", repo: "r" }, "abc", "driftback: prod", { title: "Planning", summary: "" });
    await github.completeCheckRun({ owner: "o", repo: "r" }, handle, "neutral", { title: "x".repeat(200), summary: "" });
    expect(statuses).toEqual([
      { owner: "o", repo: "r", sha: "abc", context: "driftback: prod", state: "pending", description: "Planning" },
      { owner: "o", repo: "r", sha: "abc", context: "driftback: prod", state: "success", description: `${"x".repeat(139)}…` },
    ]);
  });

  it("lets any other 403 through (a rate limit whose retries ran out is not a missing permission)", async () => {
    const { host: github, statuses } = host(forbidden("You have exceeded a secondary rate limit"));
    await expect(github.startCheckRun({ owner: "o", repo: "r" }, "abc", "driftback: prod", { title: "Planning", summary: "" })).rejects.toThrow("secondary rate limit");
    expect(statuses).toEqual([]);
  });
});
