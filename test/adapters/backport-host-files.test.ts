import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { BackportHostError } from "../../src/ports.js";
import { API, BackportApiMock, botCommit, compareBody } from "../support/github-backport-api.js";

const BOT = "driftback[bot]";
const REPO = { owner: "acme", repo: "infra" };
const BRANCH = "driftback/prod/aws_instance.api";
const BASE_SHA = "a".repeat(40);

let api: BackportApiMock;
let host: OctokitBackportHost;

beforeEach(() => {
  nock.disableNetConnect();
  api = new BackportApiMock(REPO.owner, REPO.repo);
  host = new OctokitBackportHost(new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false } }), { botLogin: BOT });
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const withFiles = (files: object[]) => ({ ...compareBody({ commits: [botCommit(BOT, "1".repeat(40))], mergeBase: BASE_SHA }), files });

describe("the compare's files: what a branch changed, by blob", () => {
  it("lists added, modified and removed files with their blob on the branch, a rename as both", async () => {
    api.compare("main", BRANCH, {
      status: 200,
      body: withFiles([
        { sha: "1".repeat(40), filename: "infra/prod/main.tf", status: "modified", additions: 1, deletions: 1, changes: 2 },
        { sha: "2".repeat(40), filename: ".driftback/drift/prod/0123456789abcdef.md", status: "added", additions: 20, deletions: 0, changes: 20 },
        { sha: "3".repeat(40), filename: "old.tf", status: "removed", additions: 0, deletions: 3, changes: 3 },
        { sha: "4".repeat(40), filename: "new-name.tf", previous_filename: "old-name.tf", status: "renamed", additions: 0, deletions: 0, changes: 0 },
        { sha: "5".repeat(40), filename: "same.tf", status: "unchanged", additions: 0, deletions: 0, changes: 0 },
      ]),
    });
    expect((await host.compareBranch(REPO, "main", BRANCH)).files).toEqual([
      { path: "infra/prod/main.tf", status: "modified", sha: "1".repeat(40) },
      { path: ".driftback/drift/prod/0123456789abcdef.md", status: "added", sha: "2".repeat(40) },
      { path: "old.tf", status: "removed" },
      { path: "old-name.tf", status: "removed" },
      { path: "new-name.tf", status: "added", sha: "4".repeat(40) },
    ]);
  });

  it("vouches for nothing when GitHub's list may be cut at 300 files, or is missing", async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ sha: "1".repeat(40), filename: `f${i}.tf`, status: "added" }));
    api.compare("main", BRANCH, { status: 200, body: withFiles(many) });
    expect((await host.compareBranch(REPO, "main", BRANCH)).files).toBeUndefined();
    const { files: _files, ...without } = withFiles([]);
    api.compare("main", BRANCH, { status: 200, body: without });
    expect(await host.compareBranch(REPO, "main", BRANCH)).not.toHaveProperty("files");
  });
});

describe("removing a stale label", () => {
  it("deletes the label from the pull request, and a label already gone is not an error", async () => {
    const path = `/repos/acme/infra/issues/7/labels/${encodeURIComponent("drift:codify")}`;
    api.scope.delete(path).reply(200, []);
    await host.removeLabel(REPO, 7, "drift:codify");
    api.scope.delete(path).reply(404, { message: "Label does not exist" });
    await expect(host.removeLabel(REPO, 7, "drift:codify")).resolves.toBeUndefined();
    expect(api.scope.isDone()).toBe(true);
  });

  it("says why when GitHub refuses", async () => {
    nock(API).delete(/\/labels\//).reply(403, { message: "Resource not accessible by integration" });
    const error = await host.removeLabel(REPO, 7, "drift:codify").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackportHostError);
    expect((error as BackportHostError).kind).toBe("forbidden");
    expect((error as BackportHostError).reason).toContain("remove label drift:codify from pull request #7");
  });
});
