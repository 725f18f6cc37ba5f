import { randomUUID } from "node:crypto";
import type { Job, Queue, QueueEvents, Worker, WorkerOptions } from "bullmq";
import { isTransient } from "../../adapters/redis/retry.js";
import { GitCheckout } from "../../adapters/git/checkout.js";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import { JobReleased } from "../../adapters/redis/runtime.js";
import { itemsForStorage, planForStorage } from "../../core/plan/stored-plan.js";
import { Masker } from "../../core/render/mask.js";
import type { Checkout, Logger } from "../../ports.js";
import { scanWorkspace, type WorkspaceOutcome, type WorkspacePlanner } from "../../usecases/scan-drift.js";
import type { AppServices } from "../deps.js";
import { failedPlan, planJobId, type PlanJobData, type PlanJobResult } from "./plan-job.js";
import { PlanJsonStore } from "./plan-json-store.js";
import { planLimits, type PlanLimits } from "./plan-limits.js";
import { installationToken, type InstallationAuth } from "../../adapters/github/installation-token.js";


/** Checks out one commit (GitCheckout by default; the benchmark swaps in a prepared tree). */
export type CommitCheckout = (cloneUrl: string, sha: string, token: () => Promise<string | undefined>, signal: AbortSignal) => Promise<Checkout>;

export interface PlanQueueOptions {
  /** The limits; read from the environment (planLimits) when absent. */
  limits?: PlanLimits;
  logger?: Logger;
  /** How long a job of an installation at its limit waits before it is tried again. */
  releaseDelayMs?: number;
  /** The per-installation lease's lifetime (renewed at a third of it while the plan runs). */
  leaseTtlMs?: number;
  /** Plan JSON bigger than this (gzipped) is not passed back through Redis. */
  maxPlanJsonBytes?: number;
  checkout?: CommitCheckout;
  /** Worker settings (tests shorten stall detection). */
  worker?: Partial<WorkerOptions>;
}

export const MAX_PLAN_JSON_BYTES = 16 * 1024 * 1024;
const PLANNED_TTL_SECONDS = 3_600;

type PlanServices = Pick<AppServices, "terraform" | "metrics" | "scratchDir">;

/**
 * Plans a scan's workspaces on the "plan" queue: one job per workspace (children of the scan job when `parent` is
 * given), awaited for their outcomes. Ids are deterministic per scan run and commit, so a scan taken over by another
 * replica finds the jobs it added before instead of planning again.
 */
export function queuedWorkspacePlanner(runtime: RedisRuntime, _services: unknown, options: { installationId: number; cloneUrl: string; parent?: { id: string; queue: string }; run?: string }): WorkspacePlanner {
  return async ({ target, sha, config, planJson, signal }) => {
    const queue = runtime.queue<PlanJobData, PlanJobResult>("plan");
    const events = await runtime.queueEvents("plan");
    queue.setMaxListeners(0); // every job awaited listens for the queue closing: a scan awaits one per workspace
    const store = new PlanJsonStore(runtime.commands, runtime.prefix, MAX_PLAN_JSON_BYTES);
    const masker = new Masker(config.mask);
    const run = options.parent?.id ?? options.run;
    return Promise.all(
      config.workspaces.map(async (workspace): Promise<WorkspaceOutcome> => {
        const jobId = planJobId(options.installationId, target.owner, target.repo, sha, workspace.name, run);
        // the config with this workspace only: a job carries what its plan needs, not every workspace of the repository
        const data: PlanJobData = { installationId: options.installationId, cloneUrl: options.cloneUrl, owner: target.owner, repo: target.repo, sha, config: { ...config, workspaces: [workspace] }, workspace: workspace.name, planJson };
        try {
          // looked up first: re-adding a child that failed would put it back among the parent's pending dependencies (BullMQ 5.81)
          const job =
            (await queue.getJob(jobId)) ??
            (await queue.add("plan", data, { jobId, ...(options.parent ? { parent: options.parent, ignoreDependencyOnFailure: true } : {}) }));
          const finished = (await untilAborted(finishedResult(queue, job, events), signal)) as PlanJobResult;
          const text = finished.planJsonKey && planJson ? await store.get(finished.planJsonKey) : undefined;
          return { result: finished.result, items: finished.items, ...(text !== undefined ? { planJson: text } : {}) };
        } catch (error) {
          if (signal?.aborted) throw error;
          return failedPlan(workspace.name, `plan job failed: ${firstLine(masker.scrubText((error as Error).message))}`);
        }
      }),
    );
  };
}

/**
 * Takes "plan" jobs: waits for a slot of the job's installation (or gives the job back), checks out the commit with
 * the installation's token, plans the workspace exactly as a local scan does, cleans up, and returns the outcome.
 * Sets the queue's global concurrency (every replica sets the same value).
 */
export async function startPlanWorker(runtime: RedisRuntime, services: PlanServices, auth: (installationId: number) => Promise<InstallationAuth>, options: PlanQueueOptions = {}): Promise<Worker<PlanJobData, PlanJobResult>> {
  const limits = options.limits ?? planLimits(process.env);
  const log = options.logger ?? stderrLogger;
  const leaseTtlMs = options.leaseTtlMs ?? 60_000;
  const releaseDelayMs = options.releaseDelayMs ?? 2_000;
  const store = new PlanJsonStore(runtime.commands, runtime.prefix, options.maxPlanJsonBytes ?? MAX_PLAN_JSON_BYTES, PLANNED_TTL_SECONDS);
  const checkout = options.checkout ?? defaultCheckout(services.scratchDir);
  await runtime.queue("plan").setGlobalConcurrency(limits.global);

  const plan = async (job: Job<PlanJobData, PlanJobResult>, signal: AbortSignal): Promise<PlanJobResult> => {
    const { installationId, cloneUrl, sha, config } = job.data;
    const workspace = config.workspaces.find((w) => w.name === job.data.workspace);
    if (!workspace) throw new Error(`workspace "${job.data.workspace.slice(0, 80)}" is not in the job's config`);
    const token = async () => installationToken(await auth(installationId))();
    let tree: Checkout;
    try {
      tree = await checkout(cloneUrl, sha, token, signal);
    } catch (error) {
      // the cause is kept: a transient one (GitHub 5xx while getting the token) is retried
      throw new Error(`could not fetch ${sha.slice(0, 12)}: ${firstLine(new Masker(config.mask).scrubText((error as Error).message))}`, { cause: error });
    }
    let outcome: WorkspaceOutcome;
    try {
      outcome = await scanWorkspace(services, config, workspace, tree.dir, new Masker(config.mask), signal);
    } finally {
      await tree.cleanup();
    }
    // a plan cut short by shutdown is no outcome: thrown, so the runtime gives the job back for another replica
    if (signal.aborted) throw new Error("driftback is shutting down");
    // a state lock held by someone else (a pipeline applying right now) passes: retried with backoff while attempts remain
    if (!outcome.result.ok && isTransient(new Error(outcome.result.error ?? "")) && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      throw new Error(`the state is locked, trying again later: ${firstLine(outcome.result.error ?? "")}`);
    }
    // the result rests in Redis too: sensitive drift leaves its values behind (issue 15, 4.3)
    const result: PlanJobResult = { result: outcome.result, items: itemsForStorage(outcome.items) };
    if (job.data.planJson && outcome.planJson !== undefined) {
      // only what the backport step reads, sensitive values replaced: it rests in Redis for an hour (issue 15, 4.3)
      const kept = await store.put(job.id!, planForStorage(outcome.planJson, new Masker(config.mask)));
      if ("key" in kept) result.planJsonKey = kept.key;
      else log.warn({ repo: `${job.data.owner}/${job.data.repo}`, workspace: workspace.name, gzippedBytes: kept.dropped }, "plan JSON too big to pass between replicas: the backport step gets no revert excerpts for this workspace");
    }
    return result;
  };

  return runtime.work<PlanJobData, PlanJobResult>(
    "plan",
    async (job, signal) => {
      const key = `plan/installation/${job.data.installationId}`;
      const holder = `${job.id}#${randomUUID()}`;
      if (!(await runtime.leases.acquire(key, holder, limits.perInstallation, leaseTtlMs))) throw new JobReleased(releaseDelayMs);
      const renewal = setInterval(() => {
        runtime.leases.renew(key, holder, leaseTtlMs).then(
          (kept) => kept || log.warn({ installation: job.data.installationId, job: job.id }, "plan lease lost: the installation may briefly run one plan more than its limit"),
          (error: Error) => log.warn({ err: { message: error.message } }, "could not renew a plan lease"),
        );
      }, leaseTtlMs / 3);
      renewal.unref();
      try {
        return await plan(job, signal);
      } finally {
        clearInterval(renewal);
        await runtime.leases.release(key, holder).catch(() => {}); // it expires on its own
      }
    },
    { concurrency: limits.perWorker, ...options.worker },
  );
}

function defaultCheckout(scratchDir: string | undefined): CommitCheckout {
  return (cloneUrl, sha, token, signal) => new GitCheckout({ token, ...(scratchDir ? { scratchDir } : {}) }).checkoutCommit(cloneUrl, sha, signal);
}

/**
 * A job's return value once it finished: from the queue's events, and also read from the job itself every few seconds
 * (events published while this replica's connection was reconnecting are not replayed). A failed job throws its reason.
 */
async function finishedResult<Data, Result>(queue: Queue<Data, Result>, job: Job<Data, Result>, events: QueueEvents, pollMs = 5_000): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const polled = new Promise<Result>((resolve, reject) => {
    const poll = async () => {
      const current = await queue.getJob(job.id!).catch(() => undefined);
      const state = await current?.getState().catch(() => "unknown");
      if (state === "completed") return resolve(current!.returnvalue);
      if (state === "failed") return reject(new Error(current!.failedReason));
      timer = setTimeout(() => void poll(), pollMs);
      timer.unref();
    };
    timer = setTimeout(() => void poll(), pollMs);
    timer.unref();
  });
  try {
    return await Promise.race([job.waitUntilFinished(events) as Promise<Result>, polled]);
  } finally {
    clearTimeout(timer);
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 300);
}

/** Without a logger, warnings and errors still reach stderr (one JSON line each). */
const stderrLogger: Logger = {
  info() {},
  debug() {},
  warn: (obj, msg) => console.error(JSON.stringify({ level: "warn", ...obj, msg })),
  error: (obj, msg) => console.error(JSON.stringify({ level: "error", ...obj, msg })),
};
