import type { Redis } from "ioredis";

// Drops expired leases (a replica that died holds none for long), then takes one if fewer than `limit` are held.
const ACQUIRE = `
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
if redis.call("ZSCORE", KEYS[1], ARGV[3]) then
  redis.call("ZADD", KEYS[1], ARGV[2], ARGV[3])
  return 1
end
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[4]) then
  redis.call("ZADD", KEYS[1], ARGV[2], ARGV[3])
  redis.call("PEXPIRE", KEYS[1], ARGV[5])
  return 1
end
return 0
`;

/**
 * A counting semaphore across replicas (a sorted set of holders scored by expiry): at most `limit` holders per key.
 * A holder renews its lease while it works; one that dies loses it after `ttlMs`. Used for the per-installation
 * plan limit, so one large organisation cannot take every plan slot.
 */
export class RedisLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const taken = await this.redis.eval(ACQUIRE, 1, this.key(key), now, now + ttlMs, holder, limit, ttlMs * 2);
    return taken === 1;
  }

  /** Extends a lease still held; false when it was lost (expired and taken). */
  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const changed = await this.redis.zadd(this.key(key), "XX", "CH", this.now() + ttlMs, holder);
    return changed === 1 || (await this.redis.zscore(this.key(key), holder)) !== null;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.redis.zrem(this.key(key), holder);
  }

  async holders(key: string): Promise<number> {
    return this.redis.zcount(this.key(key), this.now(), "+inf");
  }

  private key(key: string): string {
    return `${this.prefix}:lease:${key}`;
  }
}
