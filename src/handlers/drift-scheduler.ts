import { Cron } from "croner";
import type { ProbotOctokit } from "probot";
import { nextScanAt } from "../core/drift/schedule.js";
import type { Logger } from "../ports.js";
import type { ScannableRepo, ScanService } from "./scan-service.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

const REDISCOVER_MS = 60 * 60_000;

/** The in-process schedule: a one-minute tick that starts the scans whose time (plus jitter) has come. */
export class DriftScheduler {
  private repos: { repo: ScannableRepo; octokit: Octokit }[] = [];
  private readonly due = new Map<string, number>();
  private discoveredAt = Number.NEGATIVE_INFINITY;
  private lastTick?: number;
  private cron?: Cron;

  constructor(
    private readonly scans: ScanService,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.cron = new Cron("* * * * *", { protect: true, timezone: "UTC" }, async () => {
      try {
        await this.tick();
      } catch (err) {
        this.log.error({ err }, "drift schedule tick failed");
      }
    });
  }

  stop(): void {
    this.cron?.stop();
  }

  /** Installations or their repositories changed: walk them again on the next tick. */
  rediscover(): void {
    this.discoveredAt = Number.NEGATIVE_INFINITY;
  }

  /** One tick: rediscover hourly, start what is due, plan each repository's next run. Returns the repos started. */
  async tick(): Promise<string[]> {
    const now = this.now();
    if (now - this.discoveredAt >= REDISCOVER_MS) {
      this.repos = await this.scans.discover();
      this.discoveredAt = now;
    }
    const started: string[] = [];
    // 1. A break-glass window ended since the last tick: scan that repository at once, so its drift gets pull requests.
    for (const { repo, octokit, ended } of this.lastTick === undefined ? [] : this.scans.windowsEnded(this.lastTick, now)) {
      const key = `${repo.target.owner}/${repo.target.repo}`;
      this.log.info({ repo: key, incidents: [...new Set(ended.map((d) => d.incidentKey))], workspaces: [...new Set(ended.map((d) => d.workspace))] }, "break-glass window ended: scanning now");
      this.scans.start(repo, octokit, { again: true });
      started.push(key);
    }
    this.lastTick = now;
    // 2. Scheduled scans.
    for (const { repo, octokit } of this.repos) {
      const key = `${repo.target.owner}/${repo.target.repo}`;
      const due = this.due.get(key);
      if (due === undefined) {
        this.due.set(key, nextScanAt(repo.config.drift.schedule, now, key));
        continue;
      }
      if (now < due) continue;
      if (this.scans.start(repo, octokit) && !started.includes(key)) started.push(key);
      this.due.set(key, nextScanAt(repo.config.drift.schedule, now, key));
    }
    return started;
  }
}
