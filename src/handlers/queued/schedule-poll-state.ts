import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { SEEN_CAPACITY, type IncidentPollState } from "../incident-poll.js";

/** How long a reconciled incident key is remembered even when fewer than SEEN_CAPACITY came after it. */
const SEEN_TTL_SECONDS = 30 * 86_400;

/**
 * The incident poller's memory in Redis, so the replica running this minute's tick polls from where the previous
 * tick (on any replica) stopped and never reconciles an incident twice. Source identities hold config (never a
 * secret, but long): keys use their hash.
 */
export class RedisIncidentPollState implements IncidentPollState {
  private readonly lastKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.lastKey = `${prefix}:incident-poll:last`;
  }

  async lastPoll(identity: string): Promise<number | undefined> {
    const value = await this.redis.hget(this.lastKey, hashed(identity));
    const parsed = value === null ? Number.NaN : Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }

  async polled(identity: string, at: number): Promise<void> {
    await this.redis.hset(this.lastKey, hashed(identity), String(at));
  }

  async firstSeen(identity: string, key: string): Promise<boolean> {
    const seenKey = `${this.prefix}:incident-poll:seen:${hashed(identity)}`;
    // ZADD NX answers 1 only for a key not there yet: two ticks racing still reconcile it once
    const added = await this.redis.zadd(seenKey, "NX", Date.now(), key);
    if (added === 0) return false;
    await this.redis.multi().zremrangebyrank(seenKey, 0, -SEEN_CAPACITY - 1).expire(seenKey, SEEN_TTL_SECONDS).exec();
    return true;
  }
}

function hashed(identity: string): string {
  return createHash("sha256").update(identity).digest("hex").slice(0, 32);
}
