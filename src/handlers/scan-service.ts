import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import type { Probot, ProbotOctokit } from "probot";
import { configReader, loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitBackportHost } from "../adapters/github/octokit-backport-host.js";
import { OctokitDriftHost } from "../adapters/github/octokit-drift-host.js";
import { GitCheckout } from "../adapters/git/checkout.js";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { hclToolchain } from "../adapters/hcl/toolchain.js";
import { windowsEnded } from "../core/drift/break-glass-state.js";
import { sameIncident } from "../core/incidents/touched-repos.js";
import type { BreakGlassDeclaration } from "../core/incidents/types.js";
import type { BackportHost, DriftHost, Logger } from "../ports.js";
import { backportDrift, type BackportDeps } from "../usecases/backport-drift.js";
import { createIncidentSources } from "../adapters/incidents/sources.js";
import { followUpIncidents } from "../usecases/incident-follow-up.js";
import { parityOf } from "../usecases/parity.js";
import { scanAlign } from "../usecases/scan-align.js";
import { mergeAlign } from "./queued/scan-requests.js";
import type { AlignAsk } from "../core/parity/align-command.js";
import { scanRepository, type ScanDeps, type ScanReport } from "../usecases/scan-drift.js";
import type { AppServices } from "./deps.js";
import { queuedWorkspacePlanner, startPlanWorker } from "./queued/plan-queue.js";
import { installationAuth, ScanQueue } from "./queued/scan-queue.js";
import type { ScanRequestOptions } from "./queued/scan-requests.js";
import { sharedWindows } from "./queued/schedule-windows.js";
import { installationToken } from "../adapters/github/installation-token.js";
import type { ScannableRepo } from "./scannable-repo.js";

export type { ScannableRepo } from "./scannable-repo.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Where a dry run's writes go instead of GitHub (adapters/local): the dashboard's, and the backport pull requests'.
 * Each is given the real host to read through.
 */
export interface DryRunRecords {
  dashboard: (reads: DriftHost) => DriftHost;
  pullRequests: (reads: BackportHost) => BackportHost;
}

/** What a scan request queued: an id that the log lines about it carry, and its scope. */
export interface QueuedScan {
  id: string;
  queued: "all installations" | string[];
}

/**
 * Runs drift scans: at most one per repository at a time, all sharing one plan limit. Every
 * trigger (schedule, HTTP, comment) goes through here.
 */
export class ScanService {
  private readonly running = new Set<string>();
  private readonly jobs = new Set<Promise<unknown>>();
  private readonly checkoutLimit = pLimit(4);
  /** Requests for a repository whose scan was running when they came (reopens, switched actions): a scan right after carries them. */
  private readonly pendingReopen = new Map<string, { repo: ScannableRepo; octokit: Octokit; reopen: Set<string>; breakGlass: BreakGlassDeclaration[]; resolvedIncidents: string[]; align: AlignAsk[] }>();
  /**
   * Break-glass declarations per repository, as its last scan in this process wrote them to the dashboard: the
   * scheduler's tick asks which windows ended without reading every dashboard every minute. Empty after a restart until
   * each repository's next scan (at most one schedule period; a window that ended meanwhile is caught by that scan).
   * Unused with Redis: the windows live there (queued/schedule-windows.ts), where every replica's tick reads them.
   */
  private readonly windows = new Map<string, { repo: ScannableRepo; octokit: Octokit; declarations: BreakGlassDeclaration[] }>();
  /** Scan requests still discovering, by scope: a repeated request joins the one in flight. */
  private readonly discovering = new Map<string, QueuedScan>();
  /** The shared "scan" queue when Redis is configured (services.runtime): scans run on whichever replica takes them. */
  private readonly queue: ScanQueue | undefined;

  constructor(
    private readonly probot: Probot,
    private readonly services: AppServices,
  ) {
    this.queue = services.runtime ? this.startQueue(services.runtime) : undefined;
  }

  /**
   * With a runtime: this replica's scan worker (DRIFTBACK_SCAN_CONCURRENCY scans at once, default 4) and plan worker
   * (the scans' workspaces are planned on the shared "plan" queue, under its global and per-installation limits).
   */
  private startQueue(runtime: NonNullable<AppServices["runtime"]>): ScanQueue {
    const auth = installationAuth(this.probot);
    const queue = new ScanQueue(runtime, this.probot.log, {
      auth,
      deps: (octokit, logger) => this.depsFor(octokit, logger),
      planner: (job, repo) => queuedWorkspacePlanner(runtime, this.services, { installationId: repo.installationId, cloneUrl: repo.target.cloneUrl, parent: { id: job.id!, queue: job.queueQualifiedName } }),
      scanned: (key, repo, octokit, report) => this.rememberWindows(key, repo, octokit, report.breakGlass),
    });
    queue.start(Number(process.env.DRIFTBACK_SCAN_CONCURRENCY ?? 4) || 4);
    startPlanWorker(runtime, this.services, auth, { logger: this.probot.log }).catch((error: unknown) => this.probot.log.error({ err: error }, "the plan worker did not start: queued scans wait for their plans"));
    return queue;
  }

  /**
   * Starts a scan in the background; false when one is already running for that repository. Reopen
   * requests, and `again` requests (a person switched a pull request's action after the running scan
   * read it), are not lost: the repository is scanned again for them right after.
   */
  start(repo: ScannableRepo, octokit: Octokit, options: ScanRequestOptions = {}): boolean {
    const key = `${repo.target.owner}/${repo.target.repo}`.toLowerCase();
    if (this.queue) {
      // queued: any replica runs it; "true" only says the request is taken (joined or carried when one is waiting or running)
      const job = this.enqueue(repo, options)
        .catch((error: unknown) => this.probot.log.error({ repo: key, err: error }, "drift scan could not be queued"))
        .finally(() => this.jobs.delete(job));
      this.jobs.add(job);
      return true;
    }
    if (this.running.has(key)) {
      // break-glass declarations are recorded by the scan right after: never lost to a running one
      const before = this.pendingReopen.get(key);
      if (options.reopen?.length || options.again || options.breakGlass?.length || options.resolvedIncidents?.length || options.align?.length) {
        this.pendingReopen.set(key, { repo, octokit, reopen: new Set([...(before?.reopen ?? []), ...(options.reopen ?? [])]), breakGlass: [...(before?.breakGlass ?? []), ...(options.breakGlass ?? [])], resolvedIncidents: [...(before?.resolvedIncidents ?? []), ...(options.resolvedIncidents ?? [])], align: mergeAlign([...(before?.align ?? []), ...(options.align ?? [])]) });
      }
      return false;
    }
    this.running.add(key);
    const job = scanRepository(this.depsFor(octokit, this.probot.log), repo.target, repo.config, { reopen: options.reopen ?? [], ...(options.breakGlass?.length ? { breakGlass: options.breakGlass } : {}), ...(options.resolvedIncidents?.length ? { resolvedIncidents: options.resolvedIncidents } : {}), ...(options.align?.length ? { align: options.align } : {}) })
      .then((report) => this.rememberWindows(key, repo, octokit, report.breakGlass))
      .catch((error: unknown) => this.probot.log.error({ repo: key, err: error }, "drift scan failed"))
      .finally(() => {
        this.running.delete(key);
        this.jobs.delete(job);
        const pending = this.pendingReopen.get(key);
        this.pendingReopen.delete(key);
        if (pending) this.start(pending.repo, pending.octokit, { reopen: [...pending.reopen], breakGlass: pending.breakGlass, resolvedIncidents: pending.resolvedIncidents, align: pending.align });
      });
    this.jobs.add(job);
    return true;
  }

  /**
   * Queues a scan on the shared "scan" queue (Redis configured only): at most one per repository waits or runs across
   * replicas, and this request's options are merged into it or carried to the one right after. Needs no octokit: the
   * worker authenticates as `repo.installationId`.
   */
  async enqueue(repo: ScannableRepo, options: ScanRequestOptions = {}): Promise<void> {
    if (!this.queue) throw new Error("scans are queued only when Redis is configured (REDIS_URL)");
    await this.queue.enqueue(repo, options);
  }

  /**
   * Scans now, in this process, and waits (the Action, CLI-like callers and tests), queue or not. With `dryRun` GitHub
   * is only read: the dashboard and the backport pull requests are recorded there, and no incident is followed up.
   */
  async run(repo: ScannableRepo, octokit: Octokit, options: { reopen?: readonly string[]; align?: readonly AlignAsk[]; dryRun?: DryRunRecords; only?: readonly string[] } = {}): Promise<ScanReport | undefined> {
    const key = `${repo.target.owner}/${repo.target.repo}`.toLowerCase();
    if (this.running.has(key)) return undefined;
    this.running.add(key);
    // counted in idle(): a shutdown (app.close) waits for it, and stops its terraform when the grace is over
    const job = (async () => {
      const report = await scanRepository(this.depsFor(octokit, this.probot.log, options.dryRun), repo.target, repo.config, { reopen: options.reopen ?? [], ...(options.align?.length ? { align: options.align } : {}), ...(options.only ? { only: options.only } : {}) });
      if (!options.dryRun) await this.rememberWindows(key, repo, octokit, report.breakGlass);
      return report;
    })();
    this.jobs.add(job);
    try {
      return await job;
    } finally {
      this.running.delete(key);
      this.jobs.delete(job);
    }
  }

  /**
   * Queues a scan of every installed repository, or of one, and returns at once: discovery walks GitHub
   * (seconds to minutes, or fails when GitHub is unreachable) in the background, and its outcome goes
   * to the log (with the request's id) and the metrics.
   */
  request(filter?: { owner: string; repo: string }): QueuedScan {
    const scope = filter ? `${filter.owner}/${filter.repo}` : undefined;
    const key = scope?.toLowerCase() ?? "*";
    const inFlight = this.discovering.get(key);
    if (inFlight) return inFlight;
    const queued: QueuedScan = { id: randomUUID(), queued: scope ? [scope] : "all installations" };
    this.discovering.set(key, queued);
    const log = this.probot.log;
    const job = this.discover(filter)
      .then((found) => {
        const started: string[] = [];
        const alreadyRunning: string[] = [];
        for (const { repo, octokit } of found) (this.start(repo, octokit) ? started : alreadyRunning).push(`${repo.target.owner}/${repo.target.repo}`);
        if (scope && found.length === 0) {
          this.services.metrics.scanRequestUnmatched();
          log.warn({ requestId: queued.id, repo: scope }, "scan request: the repository is not installed or has no valid driftback config");
        }
        log.info({ requestId: queued.id, started, alreadyRunning }, "scan request: scans started");
      })
      .catch((error: unknown) => log.error({ requestId: queued.id, err: error }, "scan request: discovering the installations failed, nothing was scanned"))
      .finally(() => {
        this.discovering.delete(key);
        this.jobs.delete(job);
      });
    this.jobs.add(job);
    return queued;
  }

  /** Repositories (of those scanned in this process; none with Redis, whose tick reads them there) with a break-glass window that ended in (after, upTo]. */
  windowsEnded(after: number, upTo: number): { repo: ScannableRepo; octokit: Octokit; ended: BreakGlassDeclaration[] }[] {
    return [...this.windows.values()].flatMap(({ repo, octokit, declarations }) => {
      const ended = windowsEnded(declarations, after, upTo);
      return ended.length > 0 ? [{ repo, octokit, ended }] : [];
    });
  }

  /**
   * An incident resolved: scans at once (`again`) every repository whose dashboard records a break-glass declaration
   * for it (key or URL, without case), ending its windows still in force, so its drift gets backport pull requests
   * while the incident is fresh. Returns the repositories asked to scan. Knows the repositories scanned in this
   * process only (with Redis: by any replica); a caller that found repositories itself passes `resolvedIncidents: [key]`
   * to `start`.
   */
  async startForIncident(incident: { key: string; url?: string }): Promise<string[]> {
    const resolvedIncidents = [incident.key, ...(incident.url ? [incident.url] : [])];
    if (this.services.runtime) {
      // queued: the windows every replica's scans recorded in Redis
      const repos = await sharedWindows(this.services.runtime).declaringIncident(incident);
      for (const repo of repos) await this.enqueue(repo, { again: true, resolvedIncidents });
      return repos.map((repo) => `${repo.target.owner}/${repo.target.repo}`);
    }
    const started: string[] = [];
    for (const { repo, octokit, declarations } of this.windows.values()) {
      if (!declarations.some((d) => sameIncident(d.incidentKey, incident))) continue;
      this.start(repo, octokit, { again: true, resolvedIncidents });
      started.push(`${repo.target.owner}/${repo.target.repo}`);
    }
    return started;
  }

  /** What a scan found; with Redis there (any replica's tick reads it), never failing: the next scan writes it again. */
  private async rememberWindows(key: string, repo: ScannableRepo, octokit: Octokit, declarations: BreakGlassDeclaration[]): Promise<void> {
    if (this.services.runtime) {
      try {
        await sharedWindows(this.services.runtime).remember(key, repo, declarations);
      } catch (error) {
        this.probot.log.error({ repo: key, err: { message: error instanceof Error ? error.message : String(error) } }, "break-glass windows could not be recorded in Redis");
      }
      return;
    }
    if (declarations.length > 0) this.windows.set(key, { repo, octokit, declarations });
    else this.windows.delete(key);
  }

  /** Background work of this process settled: scans (in-process), discoveries, queue requests on their way to Redis. */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
    await this.queue?.idle();
  }

  /** Every repository of every installation that has a valid driftback config (paginated); a failed walk is counted. */
  async discover(filter?: { owner: string; repo: string }): Promise<{ repo: ScannableRepo; octokit: Octokit }[]> {
    try {
      return await this.walkInstallations(filter);
    } catch (error) {
      this.services.metrics.scanDiscoveryFailed();
      throw error;
    }
  }

  private async walkInstallations(filter?: { owner: string; repo: string }): Promise<{ repo: ScannableRepo; octokit: Octokit }[]> {
    const appOctokit = await this.probot.auth();
    const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
    const found: { repo: ScannableRepo; octokit: Octokit }[] = [];
    for (const installation of installations) {
      if (filter && installation.account && "login" in installation.account && installation.account.login.toLowerCase() !== filter.owner.toLowerCase()) continue;
      const octokit = await this.probot.auth(installation.id);
      const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      for (const repository of repositories) {
        if (repository.archived || repository.disabled) continue;
        if (filter && repository.name.toLowerCase() !== filter.repo.toLowerCase()) continue;
        const ref = { owner: repository.owner.login, repo: repository.name };
        try {
          const config = await loadRepoConfig(configReader(octokit, ref), ref);
          if (!config) continue; // not configured: not ours to scan
          if (!config.ok) {
            this.probot.log.warn({ repo: `${ref.owner}/${ref.repo}`, issues: config.issues }, "invalid driftback config: repository not scanned");
            continue;
          }
          found.push({ repo: { target: { ...ref, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch }, installationId: installation.id, config: config.config }, octokit });
        } catch (error) {
          this.probot.log.error({ repo: `${ref.owner}/${ref.repo}`, err: error }, "could not read driftback config");
        }
      }
    }
    return found;
  }

  private depsFor(octokit: Octokit, logger: Logger, dryRun?: DryRunRecords): ScanDeps {
    const host = new OctokitDriftHost(octokit, this.services.appId);
    const deps: ScanDeps = {
      host: dryRun ? dryRun.dashboard(host) : host,
      source: new GitCheckout({
        scratchDir: this.services.scratchDir,
        token: installationToken(octokit),
      }),
      terraform: this.services.terraform,
      templates: this.services.templates,
      logger,
      metrics: this.services.metrics,
      planLimit: this.services.scanLimit,
      checkoutLimit: this.checkoutLimit,
      backport: async (input) => backportDrift(await this.backportDeps(octokit, logger), input),
      incidentSources: (config, target) => {
        // secrets and endpoints from the environment only; a source missing one, or outside what the operator allows this owner, is left out with a line
        const built = createIncidentSources(config.incidents, { env: process.env, scope: { owner: target.owner }, githubOctokit: octokit, now: this.services.now });
        if (built.problems.length > 0) logger.warn({ problems: built.problems }, "incident sources left out of correlation");
        return built.sources;
      },
      // the follow-up writes on GitHub incident issues with this installation's token (the incident repository must be in it)
      followUp: async (input) => {
        const sources = input.sources ?? createIncidentSources(input.config.incidents, { env: process.env, scope: { owner: input.repo.owner }, githubOctokit: octokit, now: this.services.now }).sources;
        return followUpIncidents({ sources, templates: this.services.templates, logger }, input);
      },
      // environment parity from the scan's checkout and plans (issue 16): the dashboard's section and the metric
      parity: async (input) => parityOf(await loadHclParser(), input),
      // alignment pull requests (issue 16 §6), through the backport pull requests' GitHub port
      align: async (input) => {
        const botLogin = await this.services.botLogin();
        const host = new OctokitBackportHost(octokit, { botLogin, now: this.services.now });
        return scanAlign({ host, parser: await loadHclParser(), toolchain: hclToolchain, templates: this.services.templates, logger, planLimit: this.services.scanLimit, ...(this.services.scratchDir ? { scratchDir: this.services.scratchDir } : {}) }, input);
      },
      today: () => new Date(this.services.now()).toISOString().slice(0, 10),
      now: this.services.now,
    };
    if (!dryRun) return deps;
    // a dry run writes nothing: pull requests are recorded, incidents are not followed up, nothing is aligned
    const { followUp: _followUp, align: _align, ...reads } = deps;
    return {
      ...reads,
      backport: async (input) => {
        const deps = await this.backportDeps(octokit, logger);
        return backportDrift({ ...deps, host: dryRun.pullRequests(deps.host) }, input);
      },
    };
  }

  /** The backport use case's ports for one installation; asks for the bot login only when a scan gets that far. */
  private async backportDeps(octokit: Octokit, logger: Logger): Promise<BackportDeps> {
    const botLogin = await this.services.botLogin();
    return {
      host: new OctokitBackportHost(octokit, { botLogin, now: this.services.now }),
      terraform: this.services.terraform,
      toolchain: hclToolchain,
      loadParser: loadHclParser,
      templates: this.services.templates,
      logger,
      botLogin,
      // verification plans run after the scan's plans, never inside one of its slots: sharing the limit cannot deadlock
      planLimit: this.services.scanLimit,
      ...(this.services.scratchDir ? { scratchDir: this.services.scratchDir } : {}),
      now: this.services.now,
    };
  }
}
