import type { Job } from "bullmq";
import { Cron } from "croner";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobReleased, RedisRuntime } from "../../../src/adapters/redis/runtime.js";
import { validateConfig } from "../../../src/config/validate.js";
import type { BreakGlassDeclaration } from "../../../src/core/incidents/types.js";
import type { ScannableRepo } from "../../../src/handlers/scan-service.js";
import { pushChangesConfig } from "../../../src/handlers/queued/schedule-push.js";
import { RedisIncidentPollState } from "../../../src/handlers/queued/schedule-poll-state.js";
import { sharedWindows } from "../../../src/handlers/queued/schedule-windows.js";
import { isScheduleJob, QueuedSchedules, repoSchedulerId, scheduleJitterMs, type ScheduleScans } from "../../../src/handlers/queued/schedules.js";
import { nextScanAt } from "../../../src/core/drift/schedule.js";
import { isolatedRedis, redisMissing, redisUrl, runtimesClosedAfterEach } from "../../support/redis.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

function scannable(owner: string, name: string, schedule: string): ScannableRepo {
  const result = validateConfig({ workspaces: [{ name: "prod", dir: "prod" }], drift: { schedule } });
  if (!result.ok) throw new Error("fixture config is invalid");
  return { target: { owner, repo: name, cloneUrl: `file:///${name}`, defaultBranch: "main" }, installationId: 7, config: result.config };
}

/** What discovery finds (mutable between walks) and every scan queued, per replica. */
function stubScans(found: () => ScannableRepo[]) {
  const enqueued: { repo: string; options: object }[] = [];
  const scans: ScheduleScans = {
    discover: async () => found().map((repo) => ({ repo })),
    enqueue: async (repo, options = {}) => {
      enqueued.push({ repo: `${repo.target.owner}/${repo.target.repo}`, options });
    },
  };
  return { scans, enqueued };
}

describe("pushChangesConfig", () => {
  const push = (ref: string, files: string[], field: "added" | "modified" | "removed" = "modified") => ({ ref, repository: { default_branch: "main" }, commits: [{ [field]: files }] });

  it("is true for a config file changed on the default branch only", () => {
    expect(pushChangesConfig(push("refs/heads/main", [".github/driftback.yml"]))).toBe(true);
    expect(pushChangesConfig(push("refs/heads/main", [".github/driftback.yml"], "removed"))).toBe(true);
    expect(pushChangesConfig(push("refs/heads/main", ["atlantis.yaml"], "added"))).toBe(true);
    expect(pushChangesConfig(push("refs/heads/feature", [".github/driftback.yml"]))).toBe(false);
    expect(pushChangesConfig(push("refs/heads/main", ["prod/main.tf"]))).toBe(false);
    expect(pushChangesConfig(push("refs/tags/main", [".github/driftback.yml"]))).toBe(false);
  });
});

describe("scheduleJitterMs", () => {
  it("is the in-process schedule's jitter: nextScanAt's delay after the run that fired", () => {
    const firedAt = Date.parse("2026-11-23T10:00:00Z");
    for (const key of ["acme/infra", "acme/web", "other/x"]) {
      const jitter = scheduleJitterMs("0 * * * *", firedAt, key);
      expect(jitter).toBe(nextScanAt("0 * * * *", firedAt - 60_000, key) - firedAt);
      expect(jitter).toBeGreaterThanOrEqual(0);
      expect(jitter).toBeLessThanOrEqual(10 * 60_000);
    }
    expect(new Set(["a/1", "a/2", "a/3", "a/4"].map((key) => scheduleJitterMs("0 * * * *", firedAt, key))).size).toBeGreaterThan(1);
  });
});

describe.skipIf(!redisUrl)(`queued drift schedules on a real redis-server${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  const runtime = runtimesClosedAfterEach();

  it("two replicas discovering: one scheduler per configured repository with its pattern; a changed schedule is updated, a removed repository's scheduler is gone", async () => {
    const settings = isolatedRedis("sched");
    let found = [scannable("acme", "infra", "0 * * * *"), scannable("Acme", "Web", "15 3 * * *")];
    const [a, b] = [runtime(settings), runtime(settings)];
    const replicaA = new QueuedSchedules({ runtime: a, scans: stubScans(() => found).scans, log: quiet, now: Date.now });
    const replicaB = new QueuedSchedules({ runtime: b, scans: stubScans(() => found).scans, log: quiet, now: Date.now });
    await replicaA.start(); // the tick and hourly discovery schedulers: discovery must leave them alone
    await replicaB.start();

    expect(await replicaA.discover()).toEqual({ upserted: ["schedule/acme/infra", "schedule/acme/web"], unchanged: [], removed: [] });
    expect(await replicaB.discover()).toEqual({ upserted: [], unchanged: ["schedule/acme/infra", "schedule/acme/web"], removed: [] });
    const schedulers = async () => Object.fromEntries((await a.queue("schedule").getJobSchedulers(0, -1)).map((s) => [s.key, { pattern: s.pattern ?? null, every: s.every ?? null, tz: s.tz ?? null }]));
    expect(await schedulers()).toEqual({
      "schedule/acme/infra": { pattern: "0 * * * *", every: null, tz: "UTC" },
      "schedule/acme/web": { pattern: "15 3 * * *", every: null, tz: "UTC" },
      tick: { pattern: null, every: 60_000, tz: null },
      discover: { pattern: null, every: 3_600_000, tz: null },
    });
    const web = await b.queue("schedule").getJobScheduler("schedule/acme/web");
    expect(web?.template?.data).toMatchObject({ repo: { target: { owner: "Acme", repo: "Web" }, installationId: 7 } });

    found = [scannable("Acme", "Web", "30 2 * * *")]; // infra uninstalled (or unconfigured), web's schedule changed
    expect(await replicaB.discover()).toEqual({ upserted: ["schedule/acme/web"], unchanged: [], removed: ["schedule/acme/infra"] });
    expect(await schedulers()).toMatchObject({ "schedule/acme/web": { pattern: "30 2 * * *" } });
    expect(Object.keys(await schedulers()).sort()).toEqual(["discover", "schedule/acme/web", "tick"]);
    // the next iteration of each scheduler waits as one delayed job: none left behind by the removed or changed ones
    const delayed = (await a.queue("schedule").getDelayed()).map((job) => job.id!).filter((id) => id.startsWith("repeat:schedule/"));
    const nextRun = new Cron("30 2 * * *", { paused: true, timezone: "UTC" }).nextRun()!.getTime();
    expect(delayed).toEqual([`repeat:schedule/acme/web:${nextRun}`]);
  });

  it("discovery requests from both replicas are one walk while it waits, and exactly one more when they come while it runs", async () => {
    const settings = isolatedRedis("sched");
    const [a, b] = [runtime(settings), runtime(settings)];
    let walks = 0;
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const scans: ScheduleScans = {
      discover: async () => {
        walks += 1;
        if (walks === 1) await blocked;
        return [];
      },
      enqueue: async () => {},
    };
    const [replicaA, replicaB] = [a, b].map((r) => new QueuedSchedules({ runtime: r, scans, log: quiet, now: Date.now }));
    for (const replica of [replicaA, replicaB, replicaA]) await replica!.requestDiscovery(); // a burst, before any worker runs
    expect(await a.queue("schedule").getJobCountByTypes("waiting")).toBe(1);
    b.work("schedule", (job, signal) => replicaB!.process(job, signal));
    await vi.waitFor(() => expect(walks).toBe(1));
    for (const replica of [replicaB, replicaA, replicaB]) await replica!.requestDiscovery(); // while the walk runs
    release();
    await b.idle();
    expect(walks).toBe(2);
  });

  it("a failed walk changes nothing", async () => {
    const settings = isolatedRedis("sched");
    const r = runtime(settings);
    let fail = false;
    const scans: ScheduleScans = { discover: async () => (fail ? Promise.reject(new Error("GitHub 502")) : [{ repo: scannable("acme", "infra", "0 * * * *") }]), enqueue: async () => {} };
    const schedules = new QueuedSchedules({ runtime: r, scans, log: quiet, now: Date.now });
    await schedules.discover();
    fail = true;
    await expect(schedules.discover()).rejects.toThrow("GitHub 502");
    expect((await r.queue("schedule").getJobSchedulers(0, -1)).map((s) => s.key)).toEqual(["schedule/acme/infra"]);
  });

  it("a scheduled job queues its repository's scan after the jitter, and none once the repository is no longer scheduled", async () => {
    const settings = isolatedRedis("sched");
    const r = runtime(settings);
    const repo = scannable("acme", "infra", "0 * * * *");
    const { scans, enqueued } = stubScans(() => [repo]);
    const firedAt = Date.parse("2026-11-23T10:00:00Z");
    let clock = firedAt;
    const schedules = new QueuedSchedules({ runtime: r, scans, log: quiet, now: Date.now, clock: () => clock });
    await schedules.discover();
    const job = (at: number) => ({ name: "scheduled", id: `repeat:${repoSchedulerId(repo.target)}:${at}`, data: { repo }, timestamp: at }) as unknown as Job;
    const jitter = scheduleJitterMs("0 * * * *", firedAt, "acme/infra");
    expect(jitter).toBeGreaterThan(1_000); // the fixture's name has a jitter worth waiting for

    // the repository's jitter has not passed yet: the job is given back until then, nothing queued
    const released = await schedules.process(job(firedAt)).catch((error: unknown) => error);
    expect(released).toBeInstanceOf(JobReleased);
    expect((released as JobReleased).delayMs).toBe(jitter);
    expect(enqueued).toEqual([]);

    clock = firedAt + jitter; // the released job comes back
    expect(await schedules.process(job(firedAt))).toBe(true);
    expect(enqueued).toEqual([{ repo: "acme/infra", options: {} }]);

    await r.queue("schedule").removeJobScheduler(repoSchedulerId(repo.target));
    expect(await schedules.process(job(firedAt))).toBe(false);
    expect(enqueued).toHaveLength(1);
  });

  it("the tick runs once per period across two replicas", async () => {
    const settings = isolatedRedis("sched");
    const ticks: { replica: string; id: string }[] = [];
    for (const name of ["a", "b"]) {
      const r = runtime(settings);
      const schedules = new QueuedSchedules({ runtime: r, scans: stubScans(() => []).scans, log: quiet, now: Date.now, tickEveryMs: 200 });
      r.work("schedule", async (job, signal) => {
        if (job.name === "tick") ticks.push({ replica: name, id: job.id! });
        return isScheduleJob(job.name) ? schedules.process(job, signal) : undefined;
      }, { concurrency: 4 });
      await schedules.start(); // both replicas: the same scheduler, upserted twice
    }
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(6), { timeout: 10_000, interval: 50 });
    const iterations = ticks.map((t) => Number(t.id.slice(t.id.lastIndexOf(":") + 1)));
    expect(new Set(iterations).size).toBe(iterations.length); // no period ran twice
    const sorted = [...iterations].sort((x, y) => x - y);
    // consecutive periods, 200 ms apart: the second replica's upsert neither doubled nor shifted the schedule
    expect(sorted.slice(1).map((at, i) => at - sorted[i]!)).toEqual(sorted.slice(1).map(() => 200));
    expect((await runtime(settings).queue("schedule").getJobSchedulers(0, -1)).filter((s) => s.key === "tick")).toHaveLength(1);
  });

  it("the tick runs while every scan slot is taken by a long scan: the schedule has its own queue and worker", async () => {
    const r = runtime(isolatedRedis("sched"));
    let releaseScan!: () => void;
    const scanning = new Promise<void>((resolve) => (releaseScan = resolve));
    r.work("scan", async () => scanning, { concurrency: 1 });
    await r.queue("scan").add("scan", {});
    const ticked: string[] = [];
    const schedules = new QueuedSchedules({ runtime: r, scans: stubScans(() => []).scans, log: quiet, now: Date.now, tickEveryMs: 200 });
    const tick = schedules.tick.bind(schedules);
    schedules.tick = async () => (ticked.push("tick"), tick());
    schedules.startWorker();
    await schedules.start();
    await vi.waitFor(() => expect(ticked.length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 });
    expect(await r.queue("scan").getJobCountByTypes("active")).toBe(1); // the scan still holds its only slot
    releaseScan();
  });

  it("a window recorded on replica A ends on a tick of replica B, which queues the scan once; an incident's resolution reads the same windows", async () => {
    const settings = isolatedRedis("sched");
    const [a, b] = [runtime(settings), runtime(settings)];
    const repo = scannable("acme", "infra", "0 0 * * *");
    const declaration: BreakGlassDeclaration = { workspace: "prod", incidentKey: "acme/incidents#42", from: "2026-11-23T02:00:00.000Z", until: "2026-11-23T04:00:00.000Z", by: "alice" };
    await sharedWindows(a).remember("acme/infra", repo, [declaration]); // what A's scan records (ScanService.rememberWindows)
    let now = Date.parse("2026-11-23T03:59:00Z");
    const onB = stubScans(() => []);
    const replicaB = new QueuedSchedules({ runtime: b, scans: onB.scans, log: quiet, now: () => now });
    expect(await replicaB.tick()).toEqual([]); // the first tick only marks the time
    now = Date.parse("2026-11-23T04:00:00Z");
    expect(await replicaB.tick()).toEqual(["acme/infra"]);
    expect(onB.enqueued).toEqual([{ repo: "acme/infra", options: { again: true } }]);
    // a tick on A a minute later: the window ended before the last tick (B's), not again
    const replicaA = new QueuedSchedules({ runtime: a, scans: stubScans(() => []).scans, log: quiet, now: () => now + 60_000 });
    expect(await replicaA.tick()).toEqual([]);

    expect((await sharedWindows(b).declaringIncident({ key: "ACME/incidents#42" })).map((r) => r.target.repo)).toEqual(["infra"]);
    expect(await sharedWindows(b).declaringIncident({ key: "acme/incidents#43" })).toEqual([]);
    await sharedWindows(a).remember("acme/infra", repo, []); // a later scan found no declaration left
    expect(await sharedWindows(b).all()).toEqual([]);
  });

  it("the incident poll's memory is shared: a resolved incident is reconciled once whichever replica polls", async () => {
    const settings = isolatedRedis("sched");
    const [a, b] = [runtime(settings), runtime(settings)];
    const [stateA, stateB] = [new RedisIncidentPollState(a.commands, a.prefix), new RedisIncidentPollState(b.commands, b.prefix)];
    const identity = 'pagerduty:{"service":"X"}';
    expect(await stateB.lastPoll(identity)).toBeUndefined();
    await stateA.polled(identity, 1_000);
    expect(await stateB.lastPoll(identity)).toBe(1_000);
    expect(await stateA.firstSeen(identity, "INC-1")).toBe(true);
    expect(await stateB.firstSeen(identity, "INC-1")).toBe(false);
    expect(await stateB.firstSeen("jira:{}", "INC-1")).toBe(true); // per source
  });
});
