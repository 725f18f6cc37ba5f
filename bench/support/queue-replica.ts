import path from "node:path";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { noMetrics } from "../../src/adapters/metrics.js";
import { RedisRuntime } from "../../src/adapters/redis/runtime.js";
import { startPlanWorker, type CommitCheckout } from "../../src/handlers/queued/plan-queue.js";
import type { PlanLimits } from "../../src/handlers/queued/plan-limits.js";
import type { PlanRequest, TerraformRunner } from "../../src/ports.js";

/** What the bench hands a replica thread. */
export interface ReplicaData {
  url: string;
  prefix: string;
  limits: PlanLimits;
  latencyMs: number;
  planJson: string;
  checkoutRoot: string;
}

// One replica of the bench in a thread of its own (its own event loop, as a separate process would have): the real
// plan worker over its own RedisRuntime, with a terraform whose plans wait a fixed time; on "close" it stops and
// posts how long each plan itself took, by workspace dir.
const data = workerData as ReplicaData;
const planMs: Record<string, number> = {};
const terraform: TerraformRunner = {
  async plan(request: PlanRequest) {
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, data.latencyMs));
    planMs[request.dir] = performance.now() - start;
    return { ok: true, planJson: data.planJson };
  },
};
// the commit is "checked out" at once: the figures are the queue's, not git's
const checkout: CommitCheckout = async (cloneUrl, sha) => ({ dir: path.join(data.checkoutRoot, path.basename(cloneUrl)), sha, cleanup: async () => {} });
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const runtime = new RedisRuntime({ url: data.url, prefix: data.prefix }, quiet);
await startPlanWorker(runtime, { terraform, metrics: noMetrics }, async () => ({ auth: async () => ({}) }), { limits: data.limits, checkout, logger: quiet });
parentPort!.postMessage({ ready: true });
parentPort!.once("message", async () => {
  await runtime.close(5_000);
  parentPort!.postMessage({ planMs });
});
