import { describe, expect, it } from "vitest";
import type { DriftItem } from "../../src/core/drift/items.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { BackportHostError } from "../../src/ports.js";
import { API_RECORDED, apiDrift, configOf, goneDrift, memoryLogger, newGitHub, scanOnce, settle, sgDrift, type ResourceDrift } from "../support/backport-world.js";

const world = [apiDrift(), sgDrift(), goneDrift()];
const API = "driftback/prod/aws_instance.api";
const statusOf = (report: { drift: Record<string, unknown> }, items: DriftItem[], address: string) => report.drift[fingerprintOf(items.find((i) => i.address === address && i.class !== "unapplied")!)];

describe("backportDrift: GitHub errors leave a reason on that drift, never stop the others, and retry next scan", () => {
  it.each([
    ["branch protection or a missing permission", "openPullRequest", new BackportHostError("forbidden", "Could not open the pull request: the app lacks the pull_requests: write permission.", { status: 403 })],
    ["a branch GitHub refuses", "createBranch", new BackportHostError("invalid", "Could not create branch driftback/prod/aws_instance.api: GitHub refused it.", { status: 422 })],
    ["GitHub unavailable", "commitFiles", new BackportHostError("unavailable", "Could not commit to branch driftback/prod/aws_instance.api: GitHub answered 502.", { status: 502 })],
  ])("%s on one pull request", async (_name, method, error) => {
    const github = newGitHub();
    github.failNext(method, error);
    const logger = memoryLogger();
    const { report, items } = await scanOnce(github, world, { logger });
    const failed = Object.values(report.drift).filter((s) => (s as { status: string }).status === "failed");
    expect(failed).toEqual([{ status: "failed", reason: error.reason }]);
    expect(Object.values(report.drift).filter((s) => (s as { status: string }).status === "open")).toHaveLength(2);
    expect(report.operations.filter((o) => o.error)).toEqual([expect.objectContaining({ error: error.reason })]);
    expect(logger.lines.filter((l) => l.level === "warn").map((l) => (l.obj as { reason: string }).reason)).toEqual([error.reason]);

    expect(await settle(github, world)).toBe(1);
    expect(github.openPrs()).toHaveLength(3);
    expect(new Set(github.openPrs().map((pr) => pr.branch)).size).toBe(3);
    expect(statusOf((await scanOnce(github, world)).report, items, "aws_instance.api")).toMatchObject({ status: "open" });
  });

  it("stops writing for the rest of the scan after a rate limit, and carries on the next scan", async () => {
    const github = newGitHub();
    github.failNext("createBranch", new BackportHostError("rate-limited", "GitHub's secondary rate limit: driftback waits 60 s.", { retryAfterSeconds: 60 }));
    const { report } = await scanOnce(github, world);
    expect(github.writeCalls().map((c) => c.method)).toEqual(["createBranch"]);
    expect(Object.values(report.drift)).toEqual(Array(3).fill({ status: "failed", reason: "GitHub's secondary rate limit: driftback waits 60 s." }));
    await settle(github, world);
    expect(github.openPrs()).toHaveLength(3);
  });

  it("fails an update when GitHub says the branch moved meanwhile (head-moved), and the next scan makes it", async () => {
    const github = newGitHub();
    await scanOnce(github, world);
    github.failNext("commitFiles", new BackportHostError("head-moved", "Could not commit to branch driftback/prod/aws_instance.api: someone pushed to it meanwhile."));
    const moved = [apiDrift("t3.xlarge"), sgDrift(), goneDrift()];
    const { report, items } = await scanOnce(github, moved);
    expect(statusOf(report, items, "aws_instance.api")).toMatchObject({ status: "failed", reason: expect.stringContaining("someone pushed"), pr: expect.any(Number) });
    expect(await settle(github, moved)).toBe(1);
    expect(github.filesOf(API).get("infra/prod/main.tf")).toContain("t3.xlarge");
  });

  it("writes nothing and fails every drift when driftback's pull requests cannot be listed", async () => {
    const github = newGitHub();
    github.failNext("findBackportPullRequests", new BackportHostError("unavailable", "Could not list the pull requests labelled drift: GitHub answered 503."));
    const { report } = await scanOnce(github, world);
    expect(report.writes).toBe(0);
    expect(new Set(Object.values(report.drift).map((s) => JSON.stringify(s)))).toEqual(new Set([JSON.stringify({ status: "failed", reason: "Could not list the pull requests labelled drift: GitHub answered 503." })]));
  });

  it("leaves a pull request whose branch cannot be compared alone this scan", async () => {
    const github = newGitHub();
    await scanOnce(github, world);
    github.failNext("compareBranch", new BackportHostError("unavailable", "Could not compare branch: GitHub answered 500."));
    const moved = [apiDrift("t3.xlarge"), sgDrift("changed again"), goneDrift()];
    const { report } = await scanOnce(github, moved);
    const failed = Object.values(report.drift).filter((s) => (s as { status: string }).status === "failed");
    expect(failed).toEqual([expect.objectContaining({ reason: "Could not compare branch: GitHub answered 500.", pr: expect.any(Number) })]);
    expect(report.operations.filter((o) => !o.error).map((o) => o.kind)).toEqual(["update", "leave-alone"]);
  });

  it("gives the drift of an unchanged pull request whose branch cannot be compared that reason too", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift()]);
    github.failNext("compareBranch", new BackportHostError("unavailable", "Could not compare branch: GitHub answered 500."));
    const { report, items } = await scanOnce(github, [apiDrift()]);
    expect(report.writes).toBe(0);
    expect(statusOf(report, items, "aws_instance.api")).toEqual({ status: "failed", reason: "Could not compare branch: GitHub answered 500.", pr: 1, url: "https://github.test/acme/infra/pull/1" });
  });

  it("writes nothing once the scan is cancelled, and says the drift waits for the next scan", async () => {
    const github = newGitHub();
    const controller = new AbortController();
    controller.abort();
    const { report } = await scanOnce(github, world, { signal: controller.signal, config: configOf({ backport: { verify: false } }) });
    expect(github.writes).toBe(0);
    expect(new Set(Object.values(report.drift).map((s) => (s as { status: string; reason: string }).reason))).toEqual(new Set(["the scan was cancelled before this pull request was written; retried on the next scan"]));
  });

  it("says a branch someone else made is blocking, and never touches it", async () => {
    const github = newGitHub();
    github.refs.set(API, github.head("main"));
    github.personPushes(API, "notes.txt", "mine\n");
    const head = github.head(API);
    const { report, items } = await scanOnce(github, [apiDrift()]);
    expect(statusOf(report, items, "aws_instance.api")).toEqual({ status: "failed", reason: `the branch ${API} exists with commits by alice; delete or merge it so driftback can use it` });
    expect(github.head(API)).toBe(head);
    expect(github.openPrs()).toEqual([]);
  });
});

describe("backportDrift: a secret never reaches GitHub or the log", () => {
  const PASSWORD = "hunter2-canary-password";
  const KEY = "AKIAIOSFODNN7CANARY1";
  const db: ResourceDrift = {
    address: "aws_db_instance.main",
    recorded: { password: "old-canary-password", engine: "postgres" },
    live: { password: PASSWORD, engine: "postgres" },
    sensitive: { password: true },
  };
  const tagged: ResourceDrift = { address: "aws_instance.api", recorded: API_RECORDED, live: { ...API_RECORDED, tags: { Owner: "alice", Deploy: KEY } } };

  it("keeps a sensitive value and a mask-matched value out of every branch, file, title, body, comment and log line", async () => {
    const github = newGitHub();
    const logger = memoryLogger();
    const config = configOf({ mask: { values: ["CANARY[0-9]"] } });
    await scanOnce(github, [db, tagged], { config, logger });
    // a second scan with changed secrets updates bodies and comments nothing it should not
    await scanOnce(github, [{ ...db, live: { password: `${PASSWORD}-2`, engine: "postgres" } }, tagged], { config, logger });
    await scanOnce(github, [], { config, logger }); // resolved: closing comments
    expect(github.calls.length).toBeGreaterThan(10);
    const everything = JSON.stringify([github.calls, [...github.refs.keys()], [...github.commits.values()].map((c) => [...c.files.values()]), logger.lines]);
    for (const secret of [PASSWORD, `${PASSWORD}-2`, "old-canary-password", KEY]) expect(everything).not.toContain(secret);
    expect(everything).toContain("(sensitive value)");
  });
});
