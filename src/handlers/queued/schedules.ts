/*
 * Drift schedules with replicas (REDIS_URL set): BullMQ job schedulers on the "schedule" queue, so exactly one
 * replica fires each one. Their own queue and worker: a tick or a schedule firing never waits for a scan slot.
 *   - `schedule/<owner>/<repo>` (pattern = drift.schedule, UTC), one per configured repository: its "scheduled" jobs
 *     queue a scan (ScanService.enqueue); they never scan themselves.
 *   - `discover` (hourly), plus "discover" jobs at start-up and on installation events or config pushes (one at a
 *     time): walks the installations, upserts the schedulers of configured repositories, removes the others.
 *   - `tick` (every minute): break-glass windows that ended (read from Redis) → a scan at once; the incident poll.
 *
 * `startWorker` takes this replica's share of the "schedule" queue (a "scheduled" job throws JobReleased to wait for
 * its repository's jitter). ScanService records each queued scan's break-glass windows in Redis (rememberWindows →
 * schedule-windows.ts), where the tick reads them.
 */
import type { Job } from "bullmq";
import { JobReleased, type RedisRuntime } from "../../adapters/redis/runtime.js";
import { nextScanAt } from "../../core/drift/schedule.js";
import type { Logger } from "../../ports.js";
import type { ScannableRepo, ScanService } from "../scan-service.js";
import { sharedWindows, type SharedBreakGlassWindows } from "./schedule-windows.js";

export const SCHEDULE_JOB_NAMES = ["scheduled", "discover", "tick"] as const;
export type ScheduleJobName = (typeof SCHEDULE_JOB_NAMES)[number];

export function isScheduleJob(name: string): name is ScheduleJobName {
  return (SCHEDULE_JOB_NAMES as readonly string[]).includes(name);
}

/** Scheduler ids of repositories start with it; BullMQ ids must not hold ":". */
export const REPO_SCHEDULER_PREFIX = "schedule/";
export const TICK_SCHEDULER_ID = "tick";
export const DISCOVER_SCHEDULER_ID = "discover";

/** `schedule/<owner>/<repo>`, lower-cased: GitHub names are case-insensitive. */
export function repoSchedulerId(ref: { owner: string; repo: string }): string {
  return `${REPO_SCHEDULER_PREFIX}${ref.owner}/${ref.repo}`.toLowerCase();
}

/** What the schedules need of ScanService. */
export interface ScheduleScans {
  discover(): Promise<{ repo: ScannableRepo }[]>;
  enqueue(repo: ScannableRepo, options?: NonNullable<Parameters<ScanService["start"]>[2]>): Promise<void>;
}

export interface QueuedSchedulesOptions {
  runtime: RedisRuntime;
  scans: ScheduleScans;
  /** The incident poll, run by the tick (its state must be shared: RedisIncidentPollState). */
  poller?: { tick(): Promise<string[]> };
  log: Logger;
  now: () => number;
  /** Default one minute (tests shorten it). */
  tickEveryMs?: number;
  /** Default one hour. */
  discoverEveryMs?: number;
  /** The clock job times are read against (BullMQ's: real time, whatever `now` says); tests pin it. */
  clock?: () => number;
}

export interface ScheduledJobData {
  repo: ScannableRepo;
}

export interface DiscoverJobData {
  hourly?: boolean;
}

export interface DiscoveryOutcome {
  upserted: string[];
  unchanged: string[];
  removed: string[];
}

/** Finished schedule jobs are of no interest for long: keep a few for inspection. */
const KEEP = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };

export class QueuedSchedules {
  private readonly windows: SharedBreakGlassWindows;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: QueuedSchedulesOptions) {
    this.windows = sharedWindows(options.runtime);
  }

  private get queue() {
    return this.options.runtime.queue<ScheduledJobData | DiscoverJobData | Record<string, never>>("schedule");
  }

  /**
   * Each replica calls it when it starts: upserts the tick and hourly discovery schedulers (the same ids from every
   * replica: idempotent) and asks for one discovery now.
   */
  async start(): Promise<void> {
    // a missed tick is not retried: the next one, a minute later, covers the same ground
    await this.queue.upsertJobScheduler(TICK_SCHEDULER_ID, { every: this.options.tickEveryMs ?? 60_000 }, { name: "tick", data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } } });
    const hourly: DiscoverJobData = { hourly: true };
    await this.queue.upsertJobScheduler(DISCOVER_SCHEDULER_ID, { every: this.options.discoverEveryMs ?? 3_600_000 }, { name: "discover", data: hourly, opts: KEEP });
    await this.requestDiscovery();
  }

  /** `start`, tried again every `retryMs` until it succeeds or `stop` (Redis may not answer yet when a replica boots). */
  keepStarting(retryMs = 30_000): void {
    const attempt = (): void => {
      this.start().catch((error: unknown) => {
        this.options.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, "drift schedules could not be set up in Redis; trying again");
        if (!this.stopped) this.retry = setTimeout(attempt, retryMs).unref();
      });
    };
    this.stopped = false;
    attempt();
  }

  /** Stops trying to start; the schedulers stay in Redis for the other replicas. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /**
   * A discovery soon (start-up, installation events, a config push, the hourly scheduler): one deduplicated job, so
   * a burst of requests is one walk, a request coming while a walk runs gets exactly one more after it, and two
   * walks never run at once (an older listing could otherwise remove a schedule a newer one just added).
   */
  async requestDiscovery(): Promise<void> {
    await this.queue.add("discover", {}, { ...KEEP, deduplication: { id: "discover", keepLastIfActive: true } });
  }

  /** This replica's worker of the "schedule" queue; the jobs are short (a walk of the installations at most). */
  startWorker(concurrency = 2): void {
    this.options.runtime.work("schedule", (job, signal) => this.process(job, signal), { concurrency });
  }

  /** Runs one job of SCHEDULE_JOB_NAMES. */
  async process(job: Job, _signal?: AbortSignal): Promise<unknown> {
    switch (job.name) {
      case "scheduled":
        return this.scheduled(job as Job<ScheduledJobData>);
      case "discover":
        // the hourly scheduler's jobs carry no deduplication id (BullMQ's templates cannot): they ask for a walk
        return (job.data as DiscoverJobData | undefined)?.hourly ? this.requestDiscovery() : this.discover();
      case "tick":
        return this.tick();
      default:
        throw new Error(`not a schedule job: ${job.name}`);
    }
  }

  /**
   * A repository's schedule fired: queues its scan after the repository's jitter (the job gives itself back until
   * then, so repositories sharing a schedule do not all start at once). Returns whether a scan was queued.
   */
  async scheduled(job: Job<ScheduledJobData>): Promise<boolean> {
    const { repo } = job.data;
    const id = repoSchedulerId(repo.target);
    const firedAt = firedAtOf(job);
    const dueAt = firedAt + scheduleJitterMs(repo.config.drift.schedule, firedAt, `${repo.target.owner}/${repo.target.repo}`);
    const wait = dueAt - (this.options.clock ?? Date.now)();
    if (wait > 1_000) throw new JobReleased(wait);
    if (!(await this.queue.getJobScheduler(id))) {
      this.options.log.info({ repo: id.slice(REPO_SCHEDULER_PREFIX.length) }, "scheduled scan skipped: the repository is no longer scheduled");
      return false;
    }
    await this.options.scans.enqueue(repo, {});
    return true;
  }

  /**
   * Walks the installations and makes the repository schedulers match: one per configured repository with its
   * `drift.schedule` (upserted when the schedule or the config changed), none for the others. A walk that fails
   * changes nothing.
   */
  async discover(): Promise<DiscoveryOutcome> {
    const found = await this.options.scans.discover();
    const wanted = new Map(found.map(({ repo }) => [repoSchedulerId(repo.target), repo]));
    const existing = (await this.queue.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith(REPO_SCHEDULER_PREFIX));
    const byId = new Map(existing.map((s) => [s.key, s]));
    const outcome: DiscoveryOutcome = { upserted: [], unchanged: [], removed: [] };
    for (const [id, repo] of wanted) {
      const data: ScheduledJobData = { repo };
      const current = byId.get(id);
      if (current && current.pattern === repo.config.drift.schedule && current.tz === "UTC" && JSON.stringify(current.template?.data) === JSON.stringify(data)) {
        outcome.unchanged.push(id);
        continue;
      }
      const next = await this.queue.upsertJobScheduler(id, { pattern: repo.config.drift.schedule, tz: "UTC" }, { name: "scheduled", data, opts: KEEP });
      if (next) outcome.upserted.push(id);
      else this.options.log.warn({ repo: id, schedule: repo.config.drift.schedule }, "drift.schedule has no next run: repository not scheduled");
    }
    for (const id of byId.keys()) {
      if (wanted.has(id)) continue;
      await this.queue.removeJobScheduler(id);
      outcome.removed.push(id);
    }
    if (outcome.upserted.length > 0 || outcome.removed.length > 0) this.options.log.info({ ...outcome, unchanged: outcome.unchanged.length }, "drift schedules updated");
    return outcome;
  }

  /**
   * The minute tick, on one replica: repositories whose break-glass window ended since the last tick (on any replica)
   * are scanned at once; then the incident poll. Returns the repositories queued.
   */
  async tick(): Promise<string[]> {
    const now = this.options.now();
    const last = await this.windows.advanceTick(now);
    const queued: string[] = [];
    for (const { repo, ended } of last === undefined ? [] : await this.windows.ended(last, now)) {
      const key = `${repo.target.owner}/${repo.target.repo}`;
      this.options.log.info({ repo: key, incidents: [...new Set(ended.map((d) => d.incidentKey))], workspaces: [...new Set(ended.map((d) => d.workspace))] }, "break-glass window ended: scanning now");
      await this.options.scans.enqueue(repo, { again: true });
      queued.push(key);
    }
    try {
      await this.options.poller?.tick();
    } catch (err) {
      this.options.log.error({ err: { message: (err as Error).message } }, "incident poll failed");
    }
    return queued;
  }
}

/** When a scheduler's job was due: its id ends with the iteration's time (`repeat:<scheduler>:<millis>`). */
function firedAtOf(job: Job): number {
  const millis = Number(job.id?.slice(job.id.lastIndexOf(":") + 1));
  return Number.isFinite(millis) && millis > 0 ? millis : job.timestamp;
}

/**
 * The repository's jitter after a schedule fired at `firedAt`, the same as the in-process schedule's (nextScanAt:
 * derived from the name, at most half the interval and ten minutes). Pure.
 */
export function scheduleJitterMs(schedule: string, firedAt: number, repoKey: string): number {
  const due = nextScanAt(schedule, firedAt - 1, repoKey);
  const jitter = due - firedAt;
  return Number.isFinite(jitter) && jitter >= 0 && jitter <= 10 * 60_000 ? jitter : 0;
}
