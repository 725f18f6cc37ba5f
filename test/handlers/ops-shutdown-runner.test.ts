import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RedisRuntime } from "../../src/adapters/redis/runtime.js";
import { ShutdownAwareRunner, ShuttingDown, shutdownGraceMs } from "../../src/adapters/shutdown.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import type { PlanOutcome, PlanRequest, TerraformRunner } from "../../src/ports.js";
import { fakeTerraformEnv, fakeWorkspace, isAlive } from "../support/fake-terraform.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";

const EMPTY_PLAN = JSON.stringify({ format_version: "1.2", resource_changes: [] });
const request = (dir: string): PlanRequest => ({ dir, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 60_000, lockTimeout: "0s" });

/** A runner whose plans end only when their signal aborts (reporting "cancelled", as TerraformCli does). */
class SignalledRunner implements TerraformRunner {
  seen: (AbortSignal | undefined)[] = [];
  plan(req: PlanRequest): Promise<PlanOutcome> {
    this.seen.push(req.signal);
    return new Promise((resolve) => req.signal?.addEventListener("abort", () => resolve({ ok: false, stage: "plan", message: "cancelled", output: "", timedOut: false, cancelled: true }), { once: true }));
  }
}

describe("DRIFTBACK_SHUTDOWN_GRACE_SECONDS", () => {
  it("defaults to 25 s (below Kubernetes' 30 s terminationGracePeriodSeconds) and takes seconds, fractions included", () => {
    expect(shutdownGraceMs({})).toBe(25_000);
    expect(shutdownGraceMs({ DRIFTBACK_SHUTDOWN_GRACE_SECONDS: " 10 " })).toBe(10_000);
    expect(shutdownGraceMs({ DRIFTBACK_SHUTDOWN_GRACE_SECONDS: "0.5" })).toBe(500);
    expect(shutdownGraceMs({ DRIFTBACK_SHUTDOWN_GRACE_SECONDS: "0" })).toBe(0);
  });

  it.each(["-1", "25s", "abc", "7200"])("refuses %j, naming the variable and what it takes", (value) => {
    expect(() => shutdownGraceMs({ DRIFTBACK_SHUTDOWN_GRACE_SECONDS: value })).toThrow(/^DRIFTBACK_SHUTDOWN_GRACE_SECONDS ".*" is not usable: a number of seconds from 0 to 3600/);
  });
});

describe("ShutdownAwareRunner", () => {
  it("a plan stopped by the shutdown ends in ShuttingDown (interrupted, not failed); one stopped by its own signal stays a cancelled outcome", async () => {
    const shutdown = new AbortController();
    const inner = new SignalledRunner();
    const runner = new ShutdownAwareRunner(inner, shutdown.signal);
    const own = new AbortController();
    const superseded = runner.plan({ ...request("/a"), signal: own.signal });
    own.abort();
    expect(await superseded).toMatchObject({ ok: false, cancelled: true });
    const running = runner.plan(request("/b"));
    shutdown.abort();
    await expect(running).rejects.toBeInstanceOf(ShuttingDown);
    // after the shutdown nothing new starts
    await expect(runner.plan(request("/c"))).rejects.toBeInstanceOf(ShuttingDown);
    expect(inner.seen).toHaveLength(2);
  });

  it("kills the real terraform's whole process group when the shutdown aborts, and settled() waits until it is gone", async () => {
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "ops-runner-"));
    const shutdown = new AbortController();
    const runner = new ShutdownAwareRunner(new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 }), shutdown.signal);
    const plan = runner.plan(request(fakeWorkspace(EMPTY_PLAN, { hang: ["plan"] })));
    plan.catch(() => {});
    const pids = await pidsOf(fake.pidFile);
    expect(pids.every(isAlive)).toBe(true);
    shutdown.abort();
    await runner.settled();
    expect(pids.filter(isAlive)).toEqual([]);
    await expect(plan).rejects.toBeInstanceOf(ShuttingDown);
  });
});

describe.skipIf(!redisUrl)(`a queued plan interrupted by the shutdown${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  const runtimes: RedisRuntime[] = [];
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close(500)));
  });

  it("goes back to the queue without spending an attempt, its terraform gone, and another replica runs it", async () => {
    const settings = isolatedRedis("ops-stop");
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "ops-runner-"));
    const shutdown = new AbortController();
    const runner = new ShutdownAwareRunner(new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 }), shutdown.signal);
    const stopping = new RedisRuntime(settings, quiet);
    // the processor does not even pass the job's signal: the process-wide shutdown signal stops its terraform
    stopping.work<{ dir: string }, string>("plan", async (job) => {
      const outcome = await runner.plan(request(job.data.dir));
      return outcome.ok ? "planned" : "failed";
    });
    const job = await stopping.queue("plan").add("plan", { dir: fakeWorkspace(EMPTY_PLAN, { hang: ["plan"] }) });
    const pids = await pidsOf(fake.pidFile);

    // what DriftbackApp.close does: the grace period runs out while terraform still plans
    const grace = 300;
    setTimeout(() => shutdown.abort(), grace);
    await stopping.close(grace);
    await runner.settled();
    expect(pids.filter(isAlive)).toEqual([]);
    const other = new RedisRuntime(settings, quiet);
    runtimes.push(other);
    const released = await other.queue("plan").getJob(job.id!);
    expect(["waiting", "delayed"]).toContain(await released!.getState());
    expect(released!.attemptsMade).toBe(0);

    other.work<{ dir: string }, string>("plan", async () => "planned elsewhere");
    await other.idle();
    const done = await other.queue("plan").getJob(job.id!);
    expect(await done!.getState()).toBe("completed");
    expect(done!.returnvalue).toBe("planned elsewhere");
    expect(done!.attemptsMade).toBe(1); // the completed run only: the interrupted one did not count
  });
});

/** The fake terraform's hanging plan writes its pid and its grandchild's. */
async function pidsOf(pidFile: string): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(pidFile)) {
      const pids = readFileSync(pidFile, "utf8").trim().split("\n").filter(Boolean).map(Number);
      if (pids.length >= 2) return pids;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the fake terraform did not start planning in 10 s");
}
