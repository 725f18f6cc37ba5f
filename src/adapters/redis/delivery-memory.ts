import type { Redis } from "ioredis";

/**
 * Remembers ids already handled (GitHub delivery ids, incident webhook ids, job keys): webhooks arrive at least once,
 * and with replicas the second copy may reach another process. `firstSeen` answers true exactly once per id.
 */
export interface DeliveryMemory {
  firstSeen(id: string): Promise<boolean>;
}

/** The embedded default: the last `capacity` ids of this process. */
export class InProcessDeliveryMemory implements DeliveryMemory {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  async firstSeen(id: string): Promise<boolean> {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** Shared by every replica: `SET key NX EX`, so of two replicas handed the same delivery exactly one goes on. */
export class RedisDeliveryMemory implements DeliveryMemory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 48 * 3_600,
  ) {}

  async firstSeen(id: string): Promise<boolean> {
    const answer = await this.redis.set(`${this.prefix}:seen:${id}`, "1", "EX", this.ttlSeconds, "NX");
    return answer === "OK";
  }
}
