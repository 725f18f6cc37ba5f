import type { DriftbackOptions } from "../../src/index.js";
import type { FakeCall } from "./fake-terraform.js";
import { startApp } from "./probot-app.js";
import { isolatedRedis } from "./redis.js";

export type Replica = Awaited<ReturnType<typeof startApp>>;

/**
 * `count` driftback instances (each its own Probot, fake terraform and scratch dir) sharing one Redis under a prefix of
 * their own: replicas behind a load balancer. Lock and stall detection are short so a killed replica's job is taken
 * over within a few seconds.
 */
export async function startReplicas(count: number, overrides: DriftbackOptions = {}, label = "replicas"): Promise<Replica[]> {
  const redis = isolatedRedis(label);
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i++) replicas.push(await startApp({ redis, queueWorker: { lockDuration: 1_000, stalledInterval: 500 }, ...overrides }));
  return replicas;
}

/** Every terraform call any of the replicas made. */
export function allCalls(replicas: Replica[]): FakeCall[] {
  return replicas.flatMap((r) => r.fake.calls());
}

/** The queues shared by all are empty and each replica's in-process work is done. */
export async function idleAll(replicas: Replica[]): Promise<void> {
  for (const replica of replicas) await replica.idle();
}

export async function closeAll(replicas: Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.driftback.close(1_000)));
}
