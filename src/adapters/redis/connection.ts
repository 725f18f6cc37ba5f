import { Redis } from "ioredis";

/** Where the shared queues live; absent = the embedded, in-process default. */
export interface RedisSettings {
  url: string;
  /** Key prefix of every queue and key (several deployments, or tests, can share one Redis). */
  prefix: string;
}

/** REDIS_URL (and DRIFTBACK_REDIS_PREFIX, default "driftback") from the environment; undefined without REDIS_URL. */
export function redisSettings(env: Record<string, string | undefined>): RedisSettings | undefined {
  const url = env.REDIS_URL?.trim();
  if (!url) return undefined;
  const prefix = env.DRIFTBACK_REDIS_PREFIX?.trim() || "driftback";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) throw new Error(`DRIFTBACK_REDIS_PREFIX "${prefix.slice(0, 80)}" is not usable: letters, digits, "_", "." and "-" only, at most 64`);
  return { url: url.includes("://") ? url : `redis://${url}`, prefix };
}

/**
 * One ioredis connection. Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires); a producer fails fast instead (`enableOfflineQueue: false`), so a webhook answered while Redis is down
 * gets an error rather than hanging.
 */
export function connectRedis(url: string, role: "worker" | "producer" | "commands"): Redis {
  const connection = new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 3,
    enableOfflineQueue: role !== "producer",
    lazyConnect: false,
    // the URL may hold a password: ioredis never logs it, and neither do we (errors carry only their message)
    connectionName: `driftback-${role}`,
  });
  connection.on("error", () => {
    // reconnects on its own; readiness (/readyz) and the failing calls report it. An unhandled "error" event would crash.
  });
  return connection;
}
