import { DelayedError, type Job, type JobsOptions, Queue, QueueEvents, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../ports.js";
import { connectRedis, type RedisSettings } from "./connection.js";
import { RedisDeliveryMemory } from "./delivery-memory.js";
import { RedisLeases } from "./leases.js";
import { forRetry, retryDelayMs } from "./retry.js";
import { ShuttingDown } from "../shutdown.js";

export const QUEUE_NAMES = ["scan", "plan", "preview", "backport", "schedule"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** What the runtime reports per queue (PrometheusMetrics implements it). */
export interface QueueMetrics {
  jobStarted(queue: QueueName, waitedSeconds: number): void;
  jobFinished(queue: QueueName, ranSeconds: number, outcome: "completed" | "failed" | "retried" | "released"): void;
  /** Queue depth read at scrape time (`counts` answers per queue and state). */
  watchQueues?(counts: () => Promise<Record<QueueName, Record<string, number>>>): void;
}

/** The backoff type of driftback's jobs: exponential from `delay`, never sooner than GitHub's retry-after (retryDelayMs). */
export const BACKOFF_TYPE = "github-aware";

/** Retries with exponential backoff (5 s, 10 s, 20 s, …) for transient errors; finished jobs are kept a while for their results. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: BACKOFF_TYPE, delay: 5_000 },
  removeOnComplete: { age: 3_600, count: 5_000 },
  removeOnFail: { age: 7 * 86_400, count: 5_000 },
};

/** The processor of one queue's jobs; `signal` aborts when the replica shuts down past its grace period. */
export type JobProcessor<Data, Result> = (job: Job<Data, Result>, signal: AbortSignal) => Promise<Result>;

/** Thrown by a processor that gave its job back (shutdown, a per-installation limit): it goes back to wait, no attempt spent. */
export class JobReleased extends Error {
  constructor(readonly delayMs = 0) {
    super("job released");
  }
}

/**
 * driftback's queues on one Redis: one place creates every Queue, Worker and QueueEvents (with the prefix), wraps
 * processors (retry policy, metrics, abort on shutdown), and closes them in order.
 */
export class RedisRuntime {
  readonly commands: Redis;
  readonly deliveries: RedisDeliveryMemory;
  readonly leases: RedisLeases;
  private readonly producer: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly events = new Map<QueueName, QueueEvents>();
  private readonly workers = new Set<Worker>();
  /** Connections given to workers and queue events: BullMQ leaves a connection it was handed open, so close() ends them. */
  private readonly borrowed = new Set<Redis>();
  private readonly running = new Map<string, AbortController>();
  private closing = false;
  private killed = false;
  private ended?: Promise<void>;

  constructor(
    readonly settings: RedisSettings,
    private readonly log: Logger,
    private readonly metrics?: QueueMetrics,
    /** Worker settings for every queue (tests shorten the stall detection). */
    private readonly workerDefaults: Partial<WorkerOptions> = {},
  ) {
    this.commands = connectRedis(settings.url, "commands");
    this.producer = connectRedis(settings.url, "producer");
    this.deliveries = new RedisDeliveryMemory(this.commands, settings.prefix);
    this.leases = new RedisLeases(this.commands, settings.prefix);
    metrics?.watchQueues?.(() => this.counts());
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  queue<Data = unknown, Result = unknown>(name: QueueName): Queue<Data, Result> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.settings.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      queue.on("error", (err) => this.log.error({ queue: name, err }, "queue error"));
      this.queues.set(name, queue);
    }
    return queue as unknown as Queue<Data, Result>;
  }

  /** Lazily created; `waitUntilFinished` needs one per queue. */
  async queueEvents(name: QueueName): Promise<QueueEvents> {
    let events = this.events.get(name);
    if (!events) {
      events = new QueueEvents(name, { connection: this.borrow(), prefix: this.settings.prefix });
      events.on("error", (err) => this.log.error({ queue: name, err }, "queue events error"));
      this.events.set(name, events);
      await events.waitUntilReady();
    }
    return events;
  }

  /**
   * Starts taking `name` jobs. The processor's errors go through the retry policy (transient → retried with backoff,
   * the rest fail at once); `JobReleased` puts the job back without spending an attempt.
   */
  work<Data, Result>(name: QueueName, processor: JobProcessor<Data, Result>, options: Partial<WorkerOptions> = {}): Worker<Data, Result> {
    const worker = new Worker<Data, Result>(
      name,
      async (job, token) => {
        const waited = (Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1_000;
        this.metrics?.jobStarted(name, Math.max(0, waited));
        const started = Date.now();
        const controller = new AbortController();
        const runKey = `${name}/${job.id}/${token}`;
        this.running.set(runKey, controller);
        try {
          const result = await processor(job, controller.signal);
          this.metrics?.jobFinished(name, (Date.now() - started) / 1_000, "completed");
          return result;
        } catch (error) {
          if (this.killed) await new Promise(() => {}); // a dead replica says nothing more: its job stalls and is taken over
          // the replica is stopping (its grace is over): the job was interrupted, not failed, and goes back for another one
          if (error instanceof JobReleased || (this.closing && (controller.signal.aborted || error instanceof ShuttingDown))) {
            this.metrics?.jobFinished(name, (Date.now() - started) / 1_000, "released");
            await job.moveToDelayed(Date.now() + (error instanceof JobReleased ? error.delayMs : 0), token);
            throw new DelayedError();
          }
          const policy = forRetry(error);
          const retried = policy.name !== "UnrecoverableError" && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
          this.metrics?.jobFinished(name, (Date.now() - started) / 1_000, retried ? "retried" : "failed");
          throw policy;
        } finally {
          this.running.delete(runKey);
        }
      },
      {
        connection: this.borrow(),
        prefix: this.settings.prefix,
        // a replica that died stops renewing its lock: after this, another replica takes the job over
        stalledInterval: 30_000,
        maxStalledCount: 2,
        settings: { backoffStrategy: (attemptsMade, _type, error, job) => retryDelayMs(attemptsMade, Number((job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 5_000), error) },
        ...this.workerDefaults,
        ...options,
      },
    );
    worker.on("error", (err) => this.log.error({ queue: name, err }, "worker error"));
    this.workers.add(worker);
    return worker;
  }

  private borrow(): Redis {
    const connection = connectRedis(this.settings.url, "worker");
    this.borrowed.add(connection);
    return connection;
  }

  /** Redis answers (readiness). */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    try {
      const answer = await Promise.race([this.commands.ping(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs).unref())]);
      return answer === "PONG";
    } catch {
      return false;
    }
  }

  /** Jobs per state of every queue (the metrics' queue depth; tests' idle). */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const entries = await Promise.all(QUEUE_NAMES.map(async (name) => [name, await this.queue(name).getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children", "failed", "completed")] as const));
    return Object.fromEntries(entries) as Record<QueueName, Record<string, number>>;
  }

  /**
   * Resolves once no queue has work waiting, delayed or running (tests; every replica sees the same queues). The next
   * runs that job schedulers keep waiting are not work in hand.
   */
  async idle(pollMs = 50): Promise<void> {
    // a job moving between states while the queues are read can be missed once: idle only when two reads in a row agree
    let quietReads = 0;
    while (quietReads < 2) {
      quietReads = (await this.busy()) ? 0 : quietReads + 1;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async busy(): Promise<boolean> {
    const counts = await this.counts();
    const busy = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const c = counts[name];
        if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) + (c["waiting-children"] ?? 0) > 0) return true;
        if (!c.delayed) return false;
        // a job scheduler always keeps its next run as a delayed job ("repeat:<scheduler>:<millis>"): not work in hand
        const delayed = await this.queue(name).getDelayed(0, -1);
        return delayed.length === 0 || delayed.some((job) => !job.id?.startsWith("repeat:"));
      }),
    );
    return busy.includes(true);
  }

  /**
   * Stops taking jobs; lets running ones finish within `graceMs`; then aborts the rest (their terraform is killed by
   * the runner's signal) and gives them back to the queue so another replica picks them up; closes every connection.
   */
  close(graceMs = 30_000): Promise<void> {
    this.ended ??= this.closeGracefully(graceMs); // a second SIGTERM, or a test closing a killed replica: one ending
    return this.ended;
  }

  private async closeGracefully(graceMs: number): Promise<void> {
    this.closing = true;
    const workers = [...this.workers];
    await this.settleStart(workers);
    const finished = Promise.all(workers.map((w) => w.close()));
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
    if ((await Promise.race([finished, timer])) === "timeout") {
      for (const controller of this.running.values()) controller.abort(new Error("driftback is shutting down"));
      await finished;
    }
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all([...this.borrowed, this.producer, this.commands].map(quitSoon));
  }

  /**
   * A worker closed while its connection still starts leaves BullMQ's start-up commands to be rejected unhandled
   * ("Connection is closed"): give them a moment (Redis answers in milliseconds; an unreachable one gets 2 s).
   */
  private async settleStart(workers: Worker[]): Promise<void> {
    await Promise.race([Promise.allSettled(workers.map((w) => w.waitUntilReady())), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }

  /** Closes without waiting for anything: what a replica killed mid-job leaves behind (tests of take-over). */
  kill(): Promise<void> {
    this.ended ??= this.die();
    return this.ended;
  }

  private async die(): Promise<void> {
    this.closing = true;
    this.killed = true;
    await this.settleStart([...this.workers]);
    await Promise.all([...this.workers].map((w) => w.close(true)));
    for (const controller of this.running.values()) controller.abort(new Error("killed"));
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all([...this.borrowed, this.producer, this.commands].map(quitSoon));
  }
}

/**
 * QUIT lets replies still in flight arrive (BullMQ may have sent a last command after its close resolved; a plain
 * disconnect rejects it with "Connection is closed", unhandled); a Redis that does not answer is cut off after a second.
 */
async function quitSoon(connection: Redis): Promise<void> {
  const quit = connection.status === "ready" ? connection.quit().catch(() => undefined) : Promise.resolve();
  await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  connection.disconnect();
}
