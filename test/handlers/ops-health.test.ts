import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PrometheusMetrics } from "../../src/adapters/metrics.js";
import { RedisRuntime } from "../../src/adapters/redis/runtime.js";
import { startApp } from "../support/probot-app.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";
import { request } from "./http-client.js";
import { freePort } from "../support/free-port.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
type App = Awaited<ReturnType<typeof startApp>>;

const servers: http.Server[] = [];
const apps: App[] = [];
const runtimes: RedisRuntime[] = [];
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** The app's own HTTP handler on a loopback port (what Probot's server mounts beside the webhook route). */
async function serve(handlers: Handler[]): Promise<number> {
  const server = http.createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function app(options: Parameters<typeof startApp>[0]): Promise<App & { port: number }> {
  const started = await startApp(options);
  apps.push(started);
  return { ...started, port: await serve(started.handlers) };
}

/** A loopback port nothing listens on: Redis "down". */
const closedPort = freePort;

const get = (port: number, path: string) => request(port, { method: "GET", path });

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(apps.splice(0).map((a) => a.driftback.close(1_000)));
  await Promise.all(runtimes.splice(0).map((r) => r.close(1_000)));
});

describe("/healthz and /readyz in the embedded mode (no Redis)", () => {
  it("are both 200 while running; /readyz turns 503 with a one-line reason as soon as shutdown starts, /healthz stays 200", async () => {
    const { port, driftback } = await app({ redis: null });
    expect(await get(port, "/healthz")).toMatchObject({ status: 200 });
    const ready = await get(port, "/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: "ready" });
    const closing = driftback.close(1_000);
    const during = await get(port, "/readyz");
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body)).toEqual({ status: "unavailable", reason: "driftback is shutting down: it takes no new work" });
    expect((await get(port, "/healthz")).status).toBe(200);
    await closing;
  });
});

describe("/readyz with Redis configured but unreachable", () => {
  it("answers 503 naming Redis, while /healthz (which never touches Redis) answers 200", async () => {
    const { port } = await app({ redis: { url: `redis://127.0.0.1:${await closedPort()}`, prefix: "dbt-down" } });
    const ready = await get(port, "/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).reason).toMatch(/^Redis does not answer PING/);
    expect(ready.body.trim().split("\n")).toHaveLength(1);
    expect(await get(port, "/healthz")).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
  });
});

describe.skipIf(!redisUrl)(`/readyz and queue metrics on a real redis-server${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  it("is ready while Redis answers PING", async () => {
    const { port } = await app({ redis: isolatedRedis("ops") });
    expect(await get(port, "/readyz")).toMatchObject({ status: 200 });
  });

  it("/metrics shows each queue's depth per state, read at scrape time, and the wait/run histograms and failures of jobs that ran", async () => {
    // a runtime of its own: the app's workers would take these jobs at once
    const metrics = new PrometheusMetrics();
    const runtime = new RedisRuntime(isolatedRedis("ops"), quiet, metrics);
    runtimes.push(runtime);
    await runtime.queue("backport").add("b", {});
    await runtime.queue("backport").add("b", {});
    await runtime.queue("backport").add("b", {}, { delay: 60_000 });
    let text = await metrics.registry.metrics();
    expect(text).toContain('driftback_queue_jobs{queue="backport",state="waiting"} 2');
    expect(text).toContain('driftback_queue_jobs{queue="backport",state="delayed"} 1');
    expect(text).toContain('driftback_queue_jobs{queue="preview",state="active"} 0');

    // one job that completes, one that fails for good (bad config is not retried)
    runtime.work<{ ok: boolean }, string>("preview", async (job) => {
      if (!job.data.ok) throw new Error("invalid driftback config");
      return "done";
    });
    await runtime.queue("preview").add("p", { ok: true });
    await runtime.queue("preview").add("p", { ok: false });
    await until(async () => {
      const counts = await runtime.queue("preview").getJobCounts("completed", "failed");
      return counts.completed === 1 && counts.failed === 1;
    });
    text = await metrics.registry.metrics();
    expect(text).toContain('driftback_queue_jobs{queue="preview",state="failed"} 1');
    expect(text).toContain('driftback_queue_jobs{queue="preview",state="waiting"} 0');
    expect(text).toContain('driftback_queue_wait_seconds_count{queue="preview"} 2');
    expect(text).toContain('driftback_queue_run_seconds_count{queue="preview",outcome="completed"} 1');
    expect(text).toContain('driftback_queue_run_seconds_count{queue="preview",outcome="failed"} 1');
    expect(text).toContain('driftback_queue_jobs_failed_total{queue="preview"} 1');
  });

  it("the app's /metrics reads the depth of the shared queues (what another replica added too)", async () => {
    const settings = isolatedRedis("ops");
    const { port } = await app({ redis: settings });
    const other = new RedisRuntime(settings, quiet); // another replica's producer
    runtimes.push(other);
    await other.queue("scan").add("later", {}, { delay: 60_000 });
    await other.queue("scan").add("later", {}, { delay: 60_000 });
    const answer = await get(port, "/metrics");
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('driftback_queue_jobs{queue="scan",state="delayed"} 2');
  });

  it("a scrape while Redis is gone drops the depth series instead of hanging or showing stale numbers", async () => {
    const { port, driftback } = await app({ redis: isolatedRedis("ops") });
    await driftback.runtime()!.queue("scan").add("later", {}, { delay: 60_000 });
    expect((await get(port, "/metrics")).body).toContain('driftback_queue_jobs{queue="scan",state="delayed"} 1');
    await driftback.close(0); // disconnects from Redis
    const after = await get(port, "/metrics");
    expect(after.status).toBe(200);
    expect(after.body).not.toMatch(/^driftback_queue_jobs\{/m);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("not reached in 10 s");
}
