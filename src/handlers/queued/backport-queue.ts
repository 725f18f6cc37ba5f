import type { Redis } from "ioredis";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import type { Logger, RepoRef } from "../../ports.js";
import { pullKey } from "./preview-head.js";

/** A "backport" job's data: a merged revert pull request to apply (plain JSON; the worker authenticates itself). */
export interface ApplyJobData {
  installationId: number;
  repo: RepoRef;
  number: number;
  cloneUrl: string;
  mergeSha: string;
  /** The pull request's body: its marker says what the pull request showed, the only changes ever applied. */
  body: string;
}

/** One job per merge commit: duplicate deliveries to several replicas add the same id, and BullMQ keeps one. */
export function applyJobId(data: Pick<ApplyJobData, "repo" | "number" | "mergeSha">): string {
  return `apply/${pullKey({ ...data.repo, number: data.number })}/${data.mergeSha}`;
}

export async function enqueueApply(runtime: RedisRuntime, data: ApplyJobData, log: Logger): Promise<void> {
  const jobId = applyJobId(data);
  await runtime.queue<ApplyJobData>("backport").add("apply", data, { jobId });
  log.info({ job: jobId }, "apply on merge queued");
}

/**
 * Which merge commits an apply already began for, across replicas and attempts: a job retried, released or taken
 * over after its apply started must never apply again (it cannot know how the first one ended).
 */
export class ApplyClaims {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 30 * 86_400,
  ) {}

  /** True exactly once per job id. */
  async claim(jobId: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:apply-began:${jobId}`, String(Date.now()), "EX", this.ttlSeconds, "NX")) === "OK";
  }
}
