import type { RedisSettings } from "../../src/adapters/redis/connection.js";
import type { DriftbackOptions } from "../../src/index.js";
import type { BackportScenario } from "../e2e/backport-harness.js";
import { scanPlanCalls } from "./fake-terraform.js";

/** One driftback replica of a backport scenario: its own Probot, fake terraform and scratch dir, sharing GitHub and Redis. */
export type ScenarioReplica = Awaited<ReturnType<BackportScenario["startApp"]>>;

/** Stall detection shortened so a killed replica's jobs are taken over within about a second and a half. */
export const QUICK_TAKEOVER = { lockDuration: 1_000, stalledInterval: 500 };

/** Starts a replica on `redis` (the same settings for every replica of one test), with no in-process schedule. */
export function startScenarioReplica(scenario: BackportScenario, redis: RedisSettings, overrides: DriftbackOptions = {}): Promise<ScenarioReplica> {
  return scenario.startApp({ redis, queueWorker: QUICK_TAKEOVER, startScheduler: false, ...overrides });
}

/** Scans' plans (not the backport step's verification plans, run in a driftback-verify-* copy) every replica ran. */
export function scanPlans(replicas: readonly ScenarioReplica[]): number {
  return scanPlanCalls(replicas.flatMap((r) => r.fake.calls())).length;
}

/** Waits until `condition` holds (polling), or fails naming `what`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every live replica's queues, scans and requests settled (twice round: one replica's work may queue more). */
export async function settled(replicas: readonly ScenarioReplica[]): Promise<void> {
  for (let round = 0; round < 2; round++) for (const replica of replicas) await replica.idle();
}
