import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { RedisRuntime } from "../src/adapters/redis/runtime.js";
import type { Config } from "../src/config/schema.js";
import { validateConfig } from "../src/config/validate.js";
import type { PlanJobData, PlanJobResult } from "../src/handlers/queued/plan-job.js";
import { queuedWorkspacePlanner } from "../src/handlers/queued/plan-queue.js";
import type { PlanLimits } from "../src/handlers/queued/plan-limits.js";
import type { ReplicaData } from "./support/queue-replica.js";
import { startRedisServer } from "../test/support/redis-server.js";

const JOBS = 1_000;
const INSTALLATIONS = 10;
/**
 * The fake plan's fixed latency for the speed-up: real plans take seconds, so 100 ms is still a short one. The same
 * passes at 20 ms are printed too: there BullMQ's few ms of CPU per job, on a machine whose CPUs both replicas, the
 * scans' thread and redis-server share, becomes what limits the second replica.
 */
const LATENCY_MS = 100;
const SHORT_LATENCY_MS = 20;
const CONCURRENCY = 8; // DRIFTBACK_PLAN_CONCURRENCY's default
const UNLOADED_JOBS = 200;

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const SHA = "b".repeat(40);

const plan = JSON.stringify({
  format_version: "1.2",
  resource_drift: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small" }, after: { instance_type: "t3.large" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
  resource_changes: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
});

// a thread does not inherit tsx's loader: it registers it, then loads the replica's TypeScript
const REPLICA_BOOT = `(async () => { (await import("tsx/esm/api")).register(); await import(${JSON.stringify(new URL("./support/queue-replica.ts", import.meta.url).href)}); })()`;
const CHECKOUT_ROOT = "/driftback-bench";
const planDir = (data: PlanJobData) => path.join(CHECKOUT_ROOT, path.basename(data.cloneUrl), data.workspace);

function configOf(names: readonly string[]): Config {
  const config = validateConfig({ workspaces: names.map((name) => ({ name, dir: name })), backport: { enabled: false } });
  if (!config.ok) throw new Error("bench config is invalid");
  return config.config;
}

const median = (values: readonly number[]) => quantile(values, 0.5);
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Replicas, each in a thread of its own (its own event loop, its own RedisRuntime) running the real plan worker with a
 * terraform of fixed latency; this thread is the scans' side: it enqueues through the planner and awaits the results.
 */
async function replicas(url: string, count: number, latencyMs = LATENCY_MS) {
  const prefix = `bench-queue-${count}-${Date.now()}`;
  const limits: PlanLimits = { global: 2 * CONCURRENCY, perWorker: CONCURRENCY, perInstallation: 2 * CONCURRENCY };
  const replicaData: ReplicaData = { url, prefix, limits, latencyMs, planJson: plan, checkoutRoot: CHECKOUT_ROOT };
  const threads = await Promise.all(
    Array.from({ length: count }, async () => {
      const thread = new Worker(REPLICA_BOOT, { eval: true, workerData: replicaData });
      await once(thread, "message");
      return thread;
    }),
  );
  const producer = new RedisRuntime({ url, prefix }, quiet);
  await producer.queueEvents("plan");
  const close = async () => {
    const planMs = new Map<string, number>();
    for (const thread of threads) {
      thread.postMessage("close");
      const [answer] = (await once(thread, "message")) as [{ planMs: Record<string, number> }];
      for (const [dir, ms] of Object.entries(answer.planMs)) planMs.set(dir, ms);
      await thread.terminate();
    }
    await producer.close(5_000);
    return planMs;
  };
  return { producer, close };
}

/** JOBS plans at once (INSTALLATIONS scans of JOBS / INSTALLATIONS workspaces each) through `count` replicas. */
async function loadedPass(url: string, count: number, latencyMs = LATENCY_MS) {
  const { producer, close } = await replicas(url, count, latencyMs);
  const perScan = JOBS / INSTALLATIONS;
  const config = configOf(Array.from({ length: perScan }, (_, i) => `ws${i}`));
  const start = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: INSTALLATIONS }, (_, i) =>
      queuedWorkspacePlanner(producer, {}, { installationId: i + 1, cloneUrl: `file:///bench/inst-${i + 1}` })({ target: { owner: "bench", repo: `repo-${i + 1}`, cloneUrl: "", defaultBranch: "main" }, sha: SHA, config, planJson: false }),
    ),
  );
  const wallMs = performance.now() - start;
  const planned = outcomes.flat().filter((o) => o.result.ok).length;
  const jobs = await producer.queue<PlanJobData, PlanJobResult>("plan").getJobs(["completed"], 0, -1);
  const planMs = await close();
  // per job inside the worker: from taken to finished, beyond the plan's own time
  const workerSide = jobs.map((job) => job.finishedOn! - job.processedOn! - planMs.get(planDir(job.data))!);
  return { wallMs, planned, workerSide, slotOverheadMs: (wallMs * count * CONCURRENCY) / JOBS - latencyMs };
}

/** One plan at a time through one replica: from the scan's enqueue to its result, beyond the plan's own time. */
async function unloadedPass(url: string) {
  const { producer, close } = await replicas(url, 1);
  const elapsed: number[] = [];
  for (let i = 0; i < UNLOADED_JOBS; i++) {
    const config = configOf([`u${i}`]);
    const start = performance.now();
    const [outcome] = await queuedWorkspacePlanner(producer, {}, { installationId: 1, cloneUrl: "file:///bench/unloaded" })({ target: { owner: "bench", repo: "unloaded", cloneUrl: "", defaultBranch: "main" }, sha: SHA, config, planJson: false });
    if (!outcome?.result.ok) throw new Error("an unloaded plan failed");
    elapsed.push(performance.now() - start);
  }
  const planMs = await close();
  return elapsed.map((ms, i) => ms - planMs.get(path.join(CHECKOUT_ROOT, "unloaded", `u${i}`))!);
}

/** 1,000 workspace plans through the real plan queue on a redis-server of its own: 1 replica, then 2. */
export async function benchQueue(): Promise<void> {
  const server = await startRedisServer();
  if ("missing" in server) {
    console.log(`queue (BullMQ): SKIPPED — ${server.missing}`);
    return;
  }
  try {
    const unloaded = await unloadedPass(server.url);
    const one = await loadedPass(server.url, 1);
    const two = await loadedPass(server.url, 2);
    const speedUp = one.wallMs / two.wallMs;
    const shortOne = await loadedPass(server.url, 1, SHORT_LATENCY_MS);
    const shortTwo = await loadedPass(server.url, 2, SHORT_LATENCY_MS);
    const overhead = median(unloaded);
    const ideal = (workers: number, latencyMs = LATENCY_MS) => (Math.ceil(JOBS / (workers * CONCURRENCY)) * latencyMs) / 1000;
    console.log(`queue (BullMQ on its own redis-server): ${JOBS} workspace plans in ${INSTALLATIONS} scans, fake terraform of fixed latency L=${LATENCY_MS} ms, per-worker concurrency c=${CONCURRENCY}, each worker a thread of its own (a replica), checkout skipped`);
    console.log(`  1 worker                 ${(one.wallMs / 1000).toFixed(2)} s (ideal ceil(N/c)*L = ${ideal(1).toFixed(2)} s), ${one.planned} planned`);
    console.log(`  2 workers                ${(two.wallMs / 1000).toFixed(2)} s (ideal ${ideal(2).toFixed(2)} s), ${two.planned} planned`);
    console.log(`  speed-up 2 vs 1 worker   ${speedUp.toFixed(2)}  (goal >= 1.9) ${speedUp >= 1.9 ? "goal met" : "goal NOT met"}`);
    console.log(`  with L=${SHORT_LATENCY_MS} ms            1 worker ${(shortOne.wallMs / 1000).toFixed(2)} s (ideal ${ideal(1, SHORT_LATENCY_MS).toFixed(2)} s), 2 workers ${(shortTwo.wallMs / 1000).toFixed(2)} s (ideal ${ideal(2, SHORT_LATENCY_MS).toFixed(2)} s): speed-up ${(shortOne.wallMs / shortTwo.wallMs).toFixed(2)} (the queue's CPU per job, not the plans, bounds it)`);
    console.log(`  queue overhead per job, unloaded (${UNLOADED_JOBS} jobs one at a time; enqueue -> result back at the scan, minus the plan's own time)`);
    console.log(`                           median ${overhead.toFixed(2)} ms, p90 ${quantile(unloaded, 0.9).toFixed(2)} ms  (goal <= 5 ms at the median) ${overhead <= 5 ? "goal met" : "goal NOT met"}`);
    const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
    console.log(`  machine                  ${os.cpus().length} CPUs, load average ${load} (the figures are of one run and move with the machine's load)`);
    for (const [label, pass] of [["1 worker", shortOne], ["2 workers", shortTwo]] as const) {
      console.log(`  under load (L=${SHORT_LATENCY_MS} ms), ${label.padEnd(9)}  worker-side (taken -> finished, minus the plan) median ${median(pass.workerSide).toFixed(2)} ms; slot time per job beyond L (wall*slots/N - L) ${pass.slotOverheadMs.toFixed(2)} ms`);
    }
  } finally {
    await server.stop();
  }
}
