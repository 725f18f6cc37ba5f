import type { Job } from "bullmq";
import type { Probot, ProbotOctokit } from "probot";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import { isTransient } from "../../adapters/redis/retry.js";
import type { DriftHost, Logger } from "../../ports.js";
import { scanRepository, type ScanDeps, type ScanReport, type WorkspacePlanner } from "../../usecases/scan-drift.js";
import type { ScannableRepo } from "../scannable-repo.js";
import { carriesWork, decodeRequests, encodeRequest, mergeRequests, repoKey, scanDeduplicationId, type ScanRequestOptions } from "./scan-requests.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** A "scan" job's data. `options` is what the request that created the job asked, for people reading the queue: the scan takes its requests from the repository's list. */
export interface ScanJobData {
  repo: ScannableRepo;
  options: ScanRequestOptions;
}

/** What a scan job returns (kept a while in Redis with the finished job). */
export type ScanJobResult = { scanned: false } | { scanned: true; requests: number; dashboard?: string; workspaces: number; failed: number };

/** What the queue borrows from ScanService: one way to build a scan's ports, and what to remember after a scan. */
export interface ScanQueueHooks {
  auth: (installationId: number) => Promise<Octokit>;
  deps: (octokit: Octokit, logger: Logger) => ScanDeps;
  /** The shared plan queue's planner for this scan, when there is one; otherwise the scan plans here. */
  planner?: (job: Job<ScanJobData>, repo: ScannableRepo) => WorkspacePlanner | undefined;
  /** Awaited: a job completes once what it records (break-glass windows, read by any replica's tick) is recorded. */
  scanned: (key: string, repo: ScannableRepo, octokit: Octokit, report: ScanReport) => void | Promise<void>;
}

/** Requests older than this are dropped from Redis (a repository never scanned again, a scan job lost). */
const REQUESTS_TTL_SECONDS = 7 * 86_400;
/** A flood of requests for one repository keeps its newest ones: each one scan answers them all anyway. */
const MAX_REQUESTS = 1_000;

/**
 * Moves a repository's waiting requests to its job's own list and returns all that job has taken so far (a retried or
 * taken-over job keeps what its earlier attempts took). One script: no request is read twice nor lost between the two.
 */
const TAKE_REQUESTS = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #items do redis.call('RPUSH', KEYS[2], items[i]) end
redis.call('DEL', KEYS[1])
if #items > 0 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return redis.call('LRANGE', KEYS[2], 0, -1)
`;

/**
 * Drift scans through the BullMQ "scan" queue, shared by every replica: at most one scan per repository waiting or
 * running (BullMQ deduplication on `scan/<owner>/<repo>`), and no request lost, merged into the next scan instead.
 *
 * How (a request = push to `<prefix>:scan-requests:<repo>`, then add a deduplicated job; a job takes the list when it
 * starts and scans only if it took something):
 * - no job waiting or running: the add creates one; it takes this request (and any other) when it starts.
 * - a job waiting (or delayed for a retry, or given back): the add is dropped; that job takes the list when it runs
 *   (again, for a retry), so it carries this request.
 * - a job running: it may have taken the list before this push. A request that carries work (reopen, again,
 *   break-glass, resolved incidents) adds with `keepLastIfActive`: BullMQ keeps one "next" job and creates it in the
 *   same script that finishes the running one (completed or failed), so it cannot be lost to a replica dying between
 *   the two; the next job takes the request. A plain request starts no scan, as in-process (the running one is as
 *   fresh); its entry waits in the list for the repository's next scan, which it costs nothing.
 * - the push landed before the running job took the list, but the add after: the next job finds the list empty and
 *   does not scan (the running one carried it).
 * - a job taken over after its replica died, or retried after a transient error: it takes what its earlier attempts
 *   took (kept in `<prefix>:scan-taken:<jobId>` until it finishes) plus anything new.
 * - belt and braces: when a scan job finishes, requests that carry work still waiting in the list (a replica died
 *   between its push and its add) get a job.
 */
export class ScanQueue {
  /** Follow-up adds after a job finished, so `idle()` waits for them. */
  private readonly followUps = new Set<Promise<unknown>>();

  constructor(
    private readonly runtime: RedisRuntime,
    private readonly log: Logger,
    private readonly hooks: ScanQueueHooks,
  ) {}

  private requestsKey(key: string): string {
    return `${this.runtime.prefix}:scan-requests:${key}`;
  }

  private takenKey(jobId: string): string {
    return `${this.runtime.prefix}:scan-taken:${jobId}`;
  }

  /** Queues a scan of `repo` (or joins the one waiting, or is carried by the next one). */
  async enqueue(repo: ScannableRepo, options: ScanRequestOptions = {}): Promise<void> {
    const key = repoKey(repo);
    const list = this.requestsKey(key);
    // pushed before the add: whichever job takes the list next carries it
    const pushed = await this.runtime.commands.multi().rpush(list, encodeRequest({ repo, options })).ltrim(list, -MAX_REQUESTS, -1).expire(list, REQUESTS_TTL_SECONDS).exec();
    const failed = pushed?.find(([error]) => error)?.[0];
    if (!pushed || failed) throw failed ?? new Error("the scan request was not stored in Redis");
    await this.add(repo, options, carriesWork(options));
  }

  private async add(repo: ScannableRepo, options: ScanRequestOptions, keepLastIfActive: boolean): Promise<void> {
    const deduplication = { id: scanDeduplicationId(repo), ...(keepLastIfActive ? { keepLastIfActive: true } : {}) };
    await this.runtime.queue<ScanJobData>("scan").add("scan", { repo, options }, { deduplication });
  }

  /** Starts this replica's worker; DRIFTBACK_SCAN_CONCURRENCY scans at once (default 4). */
  start(concurrency: number): void {
    const worker = this.runtime.work<ScanJobData, unknown>("scan", (job, signal) => this.process(job, signal), { concurrency });
    const finished = (job: Job<ScanJobData> | undefined) => {
      if (job?.name !== "scan" || !job.deduplicationId) return;
      const followUp = this.followUp(job.data.repo)
        .catch((error: unknown) => this.log.warn({ repo: repoKey(job.data.repo), err: { message: (error as Error).message } }, "could not check for scan requests left after a scan"))
        .finally(() => this.followUps.delete(followUp));
      this.followUps.add(followUp);
    };
    worker.on("completed", (job) => finished(job));
    worker.on("failed", (job) => finished(job));
  }

  async idle(): Promise<void> {
    while (this.followUps.size > 0) await Promise.allSettled([...this.followUps]);
  }

  private async process(job: Job<ScanJobData>, signal: AbortSignal): Promise<unknown> {
    if (job.name !== "scan") throw new Error(`the scan queue runs "scan" jobs, not "${job.name}"`);
    // a "scan" job without the deduplication id (a job scheduler's, say) is a request: it goes through the one path
    if (!job.deduplicationId) {
      await this.enqueue(job.data.repo, job.data.options ?? {});
      return { scanned: false };
    }
    return this.scan(job, signal);
  }

  private async scan(job: Job<ScanJobData>, signal: AbortSignal): Promise<ScanJobResult> {
    const key = repoKey(job.data.repo);
    const takenKey = this.takenKey(job.id!);
    const taken = decodeRequests((await this.runtime.commands.eval(TAKE_REQUESTS, 2, this.requestsKey(key), takenKey, REQUESTS_TTL_SECONDS)) as string[]);
    if (taken.length === 0) {
      this.log.debug({ repo: key, job: job.id }, "drift scan not needed: an earlier scan carried every request");
      return { scanned: false };
    }
    const merged = mergeRequests(taken);
    const log = childOf(this.log, { scanJob: job.id });
    log.info({ repo: key, requests: merged.requests, attempt: job.attemptsMade + 1 }, "drift scan started");
    try {
      const octokit = await this.hooks.auth(merged.repo.installationId);
      const deps = this.hooks.deps(octokit, log);
      const planner = this.hooks.planner?.(job, merged.repo);
      const report = await scanRepository({ ...deps, host: stopsWriting(deps.host, signal), ...(planner ? { planWorkspaces: planner } : {}) }, merged.repo.target, merged.repo.config, {
        reopen: merged.reopen,
        ...(merged.breakGlass.length ? { breakGlass: merged.breakGlass } : {}),
        ...(merged.resolvedIncidents.length ? { resolvedIncidents: merged.resolvedIncidents } : {}),
        ...(merged.align.length ? { align: merged.align } : {}),
        signal,
      });
      await this.hooks.scanned(key, merged.repo, octokit, report);
      await this.runtime.commands.del(takenKey);
      return { scanned: true, requests: merged.requests, ...(report.dashboard ? { dashboard: report.dashboard.action } : {}), workspaces: report.scans.length, failed: report.scans.filter((s) => !s.ok).length };
    } catch (error) {
      if (signal.aborted) {
        log.warn({ repo: key, job: job.id }, "drift scan stopped: this replica is shutting down, the job goes back to the queue");
        throw error;
      }
      log.error({ repo: key, job: job.id, err: error }, "drift scan failed");
      // the last attempt: its requests go with it (another scan would fail the same way; the next request scans afresh)
      const last = !isTransient(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) await this.runtime.commands.del(takenKey).catch(() => undefined);
      throw error;
    }
  }

  /** Requests that carry work still in the list after a scan finished: a job for them (joins one already there). */
  private async followUp(repo: ScannableRepo): Promise<void> {
    const left = decodeRequests(await this.runtime.commands.lrange(this.requestsKey(repoKey(repo)), 0, -1)).filter((r) => carriesWork(r.options));
    const newest = left.at(-1);
    if (newest) await this.add(newest.repo, {}, true);
  }
}

/** The dashboard is written only by a scan still wanted: one aborted (shutdown, a killed replica) writes nothing. */
export function stopsWriting(host: DriftHost, signal: AbortSignal): DriftHost {
  const check = () => {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("the scan was stopped");
  };
  return {
    findDashboard: (repo, marker) => host.findDashboard(repo, marker),
    createDashboard: async (repo, title, body, label) => {
      check();
      return host.createDashboard(repo, title, body, label);
    },
    updateDashboard: async (repo, number, body) => {
      check();
      return host.updateDashboard(repo, number, body);
    },
  };
}

function childOf(log: Logger, bindings: object): Logger {
  const child = (log as Logger & { child?: (bindings: object) => Logger }).child;
  return typeof child === "function" ? child.call(log, bindings) : log;
}

/** The worker's authentication: an installation's Octokit from the App's credentials. */
export function installationAuth(probot: Probot): (installationId: number) => Promise<Octokit> {
  return (installationId) => probot.auth(installationId) as Promise<Octokit>;
}
