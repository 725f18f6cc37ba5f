import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { BackportApiMock, botCommit, compareBody, personCommit } from "../support/github-backport-api.js";

/**
 * Issue 15 §6.4. GitHub's REST description (@octokit/openapi-types, components.schemas.commit) types a compare
 * commit's `author` and `committer` as `simple-user | empty-object | null`: `{}` when the commit's email matches no
 * GitHub account. Such a commit must read as "an unknown account", never as an unreadable answer.
 */
const BOT = "driftback[bot]";
const REPO = { owner: "acme", repo: "infra" };
const BRANCH = "driftback/prod/aws_instance-api";
const BASE_SHA = "a".repeat(40);

let api: BackportApiMock;
let host: OctokitBackportHost;
beforeEach(() => {
  nock.disableNetConnect();
  api = new BackportApiMock(REPO.owner, REPO.repo);
  host = new OctokitBackportHost(new ProbotOctokit({ auth: { token: "ghs_x" }, retry: { enabled: false }, throttle: { enabled: false } }), { botLogin: BOT, now: () => 0 });
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("compareBranch with a commit whose author or committer is {}", () => {
  it("reads the compare, names the commit by its git author name, and does not count it as driftback's", async () => {
    const body = compareBody({ commits: [botCommit(BOT, "1".repeat(40)), personCommit("ci", "2".repeat(40))], mergeBase: BASE_SHA });
    body.commits[1] = { ...body.commits[1]!, author: {} as never, committer: {} as never, commit: { ...body.commits[1]!.commit, author: { ...body.commits[1]!.commit.author, name: "CI Runner" } } };
    api.compare("main", BRANCH, { status: 200, body });
    const comparison = await host.compareBranch(REPO, "main", BRANCH);
    expect(comparison).toMatchObject({ onlyDriftback: false, aheadBy: 2, otherAuthors: ["CI Runner"] });
  });

  it("a bot commit whose committer is {} is not vouched for (no login, no web-flow)", async () => {
    const body = compareBody({ commits: [botCommit(BOT, "1".repeat(40))], mergeBase: BASE_SHA });
    body.commits[0] = { ...body.commits[0]!, committer: {} as never };
    api.compare("main", BRANCH, { status: 200, body });
    expect((await host.compareBranch(REPO, "main", BRANCH)).onlyDriftback).toBe(false);
  });
});
