import { randomUUID } from "node:crypto";
import type { WorkerOptions } from "bullmq";
import { afterEach, inject } from "vitest";
import { RedisRuntime } from "../../src/adapters/redis/runtime.js";
import type { RedisSettings } from "../../src/adapters/redis/connection.js";

/** The run's real redis-server (test/support/redis-setup.ts), or undefined where it is not installed (outside CI). */
export const redisUrl: string | undefined = inject("redisUrl") || undefined;
export const redisMissing = inject("redisMissing");

/** Settings with a prefix of its own, so tests sharing the one Redis never see each other's queues. */
export function isolatedRedis(label = "t"): RedisSettings {
  if (!redisUrl) throw new Error(`no redis: ${redisMissing}`);
  return { url: redisUrl, prefix: `dbt-${label}-${randomUUID().slice(0, 8)}` };
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** A factory of RedisRuntimes (quiet log) that the calling suite closes after each test; call it inside `describe`. */
export function runtimesClosedAfterEach(): (settings?: RedisSettings, workerDefaults?: Partial<WorkerOptions>) => RedisRuntime {
  const runtimes: RedisRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close(1_000)));
  });
  return (settings = isolatedRedis("rt"), workerDefaults = {}) => {
    const runtime = new RedisRuntime(settings, quiet, undefined, workerDefaults);
    runtimes.push(runtime);
    return runtime;
  };
}
