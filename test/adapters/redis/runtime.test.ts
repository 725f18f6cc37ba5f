import { afterEach, describe, expect, it } from "vitest";
import { RedisRuntime, JobReleased } from "../../../src/adapters/redis/runtime.js";
import { isolatedRedis, redisMissing, redisUrl, runtimesClosedAfterEach } from "../../support/redis.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe.skipIf(!redisUrl)(`RedisRuntime on a real redis-server${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  const runtime = runtimesClosedAfterEach();

  it("runs a job once, even when the same job id is added by two replicas", async () => {
    const settings = isolatedRedis("rt");
    const [a, b] = [runtime(settings), runtime(settings)];
    const ran: string[] = [];
    for (const [name, r] of [["a", a], ["b", b]] as const) r.work<{ n: number }, number>("scan", async (job) => (ran.push(`${name}:${job.data.n}`), job.data.n * 2));
    await a.queue("scan").add("scan", { n: 1 }, { jobId: "same" });
    await b.queue("scan").add("scan", { n: 1 }, { jobId: "same" });
    await a.idle();
    expect(ran).toHaveLength(1);
    expect((await b.queue("scan").getJob("same"))?.returnvalue).toBe(2);
  });

  it("fails a job at once on a non-transient error and retries a transient one", async () => {
    const r = runtime();
    const attempts = { "bad-config": 0, flaky: 0 };
    r.work<{ kind: "bad-config" | "flaky" }, string>("plan", async (job) => {
      attempts[job.data.kind] += 1;
      if (job.data.kind === "bad-config") throw new Error("invalid driftback config");
      if (attempts.flaky < 3) throw Object.assign(new Error("GitHub 502"), { status: 502 });
      return "ok";
    });
    const bad = await r.queue("plan").add("plan", { kind: "bad-config" }, { backoff: { type: "fixed", delay: 10 } });
    await r.idle();
    expect(await (await r.queue("plan").getJob(bad.id!))?.getState()).toBe("failed");
    expect(attempts["bad-config"]).toBe(1);
    const flaky = await r.queue("plan").add("plan", { kind: "flaky" }, { backoff: { type: "fixed", delay: 10 } });
    await r.idle();
    const done = await r.queue("plan").getJob(flaky.id!);
    expect(await done?.getState()).toBe("completed");
    expect(attempts.flaky).toBe(3);
  });

  it("a transient failure is retried no sooner than GitHub's retry-after", async () => {
    const r = runtime();
    let calls = 0;
    r.work<object, string>("preview", async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error("You have exceeded a secondary rate limit"), { status: 403, response: { headers: { "retry-after": "60" } } });
      return "ok";
    });
    const job = await r.queue("preview").add("p", {}, { backoff: { type: "github-aware", delay: 10 } });
    for (let i = 0; i < 100 && (await (await r.queue("preview").getJob(job.id!))?.getState()) !== "delayed"; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const waiting = await r.queue("preview").getJob(job.id!);
    expect(await waiting?.getState()).toBe("delayed");
    expect(waiting!.delay).toBeGreaterThanOrEqual(59_000);
    expect(calls).toBe(1);
    await waiting!.remove();
  });

  it("a released job goes back to the queue without spending an attempt", async () => {
    const r = runtime();
    let calls = 0;
    r.work<object, string>("backport", async () => {
      calls += 1;
      if (calls === 1) throw new JobReleased(10);
      return "done";
    });
    const job = await r.queue("backport").add("b", {});
    await r.idle();
    const done = await r.queue("backport").getJob(job.id!);
    expect(done?.returnvalue).toBe("done");
    expect(calls).toBe(2);
  });

  it("a killed replica's job is taken over by another once its lock lapses", async () => {
    const settings = isolatedRedis("rt");
    const fast = { lockDuration: 1_000, stalledInterval: 500 };
    const a = runtime(settings, fast);
    const b = runtime(settings, fast);
    let startedOnA!: () => void;
    const aStarted = new Promise<void>((resolve) => (startedOnA = resolve));
    a.work<object, string>("scan", async (_job, signal) => {
      startedOnA();
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      return "a";
    });
    await a.queue("scan").add("s", {}, { jobId: "take-over" });
    await aStarted;
    await a.kill();
    b.work<object, string>("scan", async () => "b");
    await b.idle();
    expect((await b.queue("scan").getJob("take-over"))?.returnvalue).toBe("b");
  });

  it("answers ping and counts", async () => {
    const r = runtime();
    expect(await r.ping()).toBe(true);
    await r.queue("preview").add("p", {}, { delay: 60_000 });
    expect((await r.counts()).preview.delayed).toBe(1);
  });
});
