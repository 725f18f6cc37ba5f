import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { BackportApiMock, failure, pullNode } from "../support/github-backport-api.js";

// issue 15, item 6.7: GitHub's GraphQL schema makes these nullable; a null is an answer, never "could not be read"
const REPO = { owner: "acme", repo: "infra" };
const BRANCH = "driftback/prod/aws_instance-api";
const BASE_SHA = "a".repeat(40);
const MADE = "d".repeat(40);

let api: BackportApiMock;
let host: OctokitBackportHost;

beforeEach(() => {
  nock.disableNetConnect();
  api = new BackportApiMock(REPO.owner, REPO.repo);
  const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false } });
  host = new OctokitBackportHost(octokit, { botLogin: "driftback[bot]", now: () => Date.parse("2026-11-01T10:00:00Z") });
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const commit = () => host.commitFiles(REPO, { branch: BRANCH, expectedHeadOid: BASE_SHA, message: { headline: "Codify drift" }, additions: [{ path: "main.tf", contents: "x" }], deletions: [] });
const getCommit = (sha: string, parents: string[]) => nock("https://api.github.com").get(`/repos/acme/infra/git/commits/${sha}`).reply(200, { sha, parents: parents.map((p) => ({ sha: p })) });

describe("createCommitOnBranch's nullable payload and commit", () => {
  it.each([
    ["a null commit", { createCommitOnBranch: { commit: null } }],
    ["a null payload", { createCommitOnBranch: null }],
  ])("%s: the commit the branch now shows on top of the expected head is the one made", async (_name, data) => {
    api.commitOnBranch({ status: 200, body: { data } });
    api.branchRef(BRANCH, MADE);
    getCommit(MADE, [BASE_SHA]);
    expect((await commit()).oid).toBe(MADE);
  });

  it("a null commit and a branch that did not move: retried on the next scan, with a reason that says so", async () => {
    api.commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: null } } } });
    api.branchRef(BRANCH, BASE_SHA);
    const error = await failure(commit());
    expect(error.kind).toBe("unavailable");
    expect(error.reason).toContain("GitHub answered without the commit");
    expect(error.reason).not.toContain("could not be read");
  });

  it("a null commit and a branch moved by someone else's commit is not taken for driftback's", async () => {
    api.commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: null } } } });
    api.branchRef(BRANCH, MADE);
    getCommit(MADE, ["b".repeat(40)]);
    expect((await failure(commit())).reason).toContain("GitHub answered without the commit");
  });
});

describe("pullRequests' nullable nodes", () => {
  it("a null node list is an empty page", async () => {
    api.graphqlAnswer("pullRequests(", { status: 200, body: { data: { repository: { pullRequests: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: null } } } } });
    expect(await host.findBackportPullRequests(REPO)).toEqual([]);
  });

  it("a pull request whose label and timeline node lists are null reads as unlabelled, closed by nobody known", async () => {
    const node = { ...pullNode({ number: 8, branch: "driftback/prod/y", state: "CLOSED" }), labels: { nodes: null }, timelineItems: { nodes: null } };
    api.pullRequestsPage([node]);
    const [pr] = await host.findBackportPullRequests(REPO);
    expect(pr).toMatchObject({ number: 8, labels: [] });
  });

  it("null nodes among pull requests are skipped", async () => {
    api.pullRequestsPage([null, pullNode({ number: 7, branch: "driftback/prod/x" }), null] as unknown as object[]);
    expect((await host.findBackportPullRequests(REPO)).map((p) => p.number)).toEqual([7]);
  });
});
