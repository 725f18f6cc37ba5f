import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { RedisSettings } from "../../src/adapters/redis/connection.js";

/** The run's real redis-server (test/support/redis-setup.ts), or undefined where it is not installed (outside CI). */
export const redisUrl: string | undefined = inject("redisUrl") || undefined;
export const redisMissing = inject("redisMissing");

/** Settings with a prefix of its own, so tests sharing the one Redis never see each other's queues. */
export function isolatedRedis(label = "t"): RedisSettings {
  if (!redisUrl) throw new Error(`no redis: ${redisMissing}`);
  return { url: redisUrl, prefix: `dbt-${label}-${randomUUID().slice(0, 8)}` };
}
