import { afterEach, describe, expect, it } from "vitest";
import { RedisRuntime } from "../../../src/adapters/redis/runtime.js";
import type { Config } from "../../../src/config/schema.js";
import { ScanQueue, stopsWriting, type ScanQueueHooks } from "../../../src/handlers/queued/scan-queue.js";
import type { ScannableRepo } from "../../../src/handlers/scan-service.js";
import type { DriftHost } from "../../../src/ports.js";
import { isolatedRedis, redisMissing, redisUrl } from "../../support/redis.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const repo: ScannableRepo = { target: { owner: "Acme", repo: "Infra", cloneUrl: "https://github.com/Acme/Infra.git", defaultBranch: "main" }, installationId: 42, config: { workspaces: [] } as unknown as Config };

describe("a scan that was stopped writes no dashboard", () => {
  it("reads as before, refuses to create or update once the signal aborted", async () => {
    const writes: string[] = [];
    const host: DriftHost = {
      findDashboard: async () => ({ number: 7, body: "old" }),
      createDashboard: async (_r, title) => (writes.push(`create ${title}`), 7),
      updateDashboard: async (_r, n, body) => void writes.push(`update #${n} ${body}`),
    };
    const controller = new AbortController();
    const guarded = stopsWriting(host, controller.signal);
    await guarded.updateDashboard({ owner: "acme", repo: "infra" }, 7, "new");
    controller.abort(new Error("driftback is shutting down"));
    expect(await guarded.findDashboard({ owner: "acme", repo: "infra" }, "m")).toMatchObject({ number: 7 });
    await expect(guarded.updateDashboard({ owner: "acme", repo: "infra" }, 7, "newer")).rejects.toThrow("driftback is shutting down");
    await expect(guarded.createDashboard({ owner: "acme", repo: "infra" }, "Drift dashboard", "b", "driftback")).rejects.toThrow("driftback is shutting down");
    expect(writes).toEqual(["update #7 new"]);
  });
});

describe.skipIf(!redisUrl)(`the scan queue's worker on a real redis-server${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  const runtimes: RedisRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close(1_000)));
  });
  const started = (hooks: Partial<ScanQueueHooks> = {}) => {
    const runtime = new RedisRuntime(isolatedRedis("scanq"), quiet);
    runtimes.push(runtime);
    const authed: number[] = [];
    const queue = new ScanQueue(runtime, quiet, {
      // the scan itself is not what these tests are about: it stops at authentication
      auth: async (id) => {
        authed.push(id);
        throw new Error("installation suspended");
      },
      deps: () => {
        throw new Error("not reached");
      },
      scanned: () => undefined,
      ...hooks,
    });
    queue.start(2);
    return { runtime, queue, authed };
  };

  it("fails another job name on the scan queue at once (the schedule's jobs have their own queue)", async () => {
    const { runtime } = started();
    const unknown = await runtime.queue("scan").add("tick", {});
    await runtime.idle();
    const failed = await runtime.queue("scan").getJob(unknown.id!);
    expect([await failed!.getState(), failed!.attemptsMade, failed!.failedReason]).toEqual(["failed", 1, 'the scan queue runs "scan" jobs, not "tick"']);
  });

  it("turns a scan job without the deduplication id (a job scheduler's) into a request: one deduplicated scan carries its options", async () => {
    const { runtime, authed } = started();
    await runtime.queue("scan").add("scan", { repo, options: { reopen: ["abc"] } });
    await runtime.idle();
    const jobs = await runtime.queue("scan").getJobs(["completed", "failed"]);
    const byDedup = jobs.map((j) => [j.deduplicationId ?? null, j.finishedOn ? (j.failedReason ? "failed" : "completed") : "?"]).sort();
    expect(byDedup).toEqual([[null, "completed"], ["scan/acme/infra", "failed"]]);
    expect(authed).toEqual([42]); // the scan ran (as far as authentication) once
    // the failed scan took the request and let it go with it: nothing left behind in Redis
    expect(await runtime.commands.keys(`${runtime.prefix}:scan-*`)).toEqual([]);
  });

  it("merges requests made while a scan waits into that one scan", async () => {
    const { runtime, queue, authed } = started();
    await runtime.queue("scan").pause(); // nothing runs until all three are in
    await queue.enqueue(repo, {});
    await queue.enqueue({ ...repo, target: { ...repo.target, owner: "acme", repo: "infra" } }, { reopen: ["abc"] });
    await queue.enqueue(repo, { again: true });
    expect(await runtime.queue("scan").getJobCounts("prioritized", "waiting", "paused")).toMatchObject({ paused: 1 });
    expect(await runtime.commands.llen(`${runtime.prefix}:scan-requests:acme/infra`)).toBe(3);
    await runtime.queue("scan").resume();
    await runtime.idle();
    expect(authed).toEqual([42]);
  });
});
