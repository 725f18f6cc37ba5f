import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { Redis } from "ioredis";

const zip = promisify(gzip);
const unzip = promisify(gunzip);

/**
 * Plan JSON beside the plan job, gzipped under its own key with a TTL: a job's return value is copied into the queue's
 * event stream and the parent's results, so the big text stays out of it. Above `maxBytes` (gzipped) it is not kept.
 */
export class PlanJsonStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxBytes: number,
    private readonly ttlSeconds = 3_600,
  ) {}

  /** The key it was stored under, or `{ dropped: bytes }` when it is too big for Redis. */
  async put(jobId: string, planJson: string): Promise<{ key: string } | { dropped: number }> {
    const zipped = await zip(planJson);
    if (zipped.length > this.maxBytes) return { dropped: zipped.length };
    const key = `${this.prefix}:plan-json:${jobId}`;
    await this.redis.set(key, zipped, "EX", this.ttlSeconds);
    return { key };
  }

  /** The plan JSON, or undefined once it expired. */
  async get(key: string): Promise<string | undefined> {
    const zipped = await this.redis.getBuffer(key);
    return zipped ? (await unzip(zipped)).toString("utf8") : undefined;
  }
}
