import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { QueueMetrics, QueueName } from "./redis/runtime.js";

/** The states of `driftback_queue_jobs`, from BullMQ's (a prioritized job is waiting too). */
const QUEUE_STATES: Record<string, string[]> = { waiting: ["waiting", "prioritized"], active: ["active"], delayed: ["delayed"], "waiting-children": ["waiting-children"], failed: ["failed"] };

/** What the use cases report; the Prometheus registry behind it is an adapter detail. */
export interface DriftMetrics {
  scanFinished(repo: string, seconds: number): void;
  scanFailed(repo: string, workspace: string): void;
  planRun(kind: "preview" | "scan", outcome: "ok" | "failed"): void;
  driftItems(repo: string, workspace: string, counts: { class: string; severity: string; count: number }[]): void;
  /** Walking the installations failed (GitHub unreachable, bad credentials): nothing was scanned. */
  scanDiscoveryFailed(): void;
  /** A scan was asked for one repository that is not installed or has no valid config. */
  scanRequestUnmatched(): void;
  /** The last scan's parity differences of a repository, per group and cause (the repository's series are replaced). */
  parityDifferences?(repo: string, counts: readonly { group: string; cause: string; count: number }[]): void;
}

export class PrometheusMetrics implements DriftMetrics, QueueMetrics {
  readonly registry = new Registry();
  private readonly items = new Gauge({ name: "driftback_drift_items", help: "Drift items found by the last scan", labelNames: ["repo", "workspace", "class", "severity"], registers: [this.registry] });
  private readonly duration = new Histogram({ name: "driftback_scan_duration_seconds", help: "Time to scan one repository", labelNames: ["repo"], buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800], registers: [this.registry] });
  private readonly failures = new Counter({ name: "driftback_scan_failures_total", help: "Workspaces whose scan failed", labelNames: ["repo", "workspace"], registers: [this.registry] });
  private readonly plans = new Counter({ name: "driftback_plans_total", help: "Plans run", labelNames: ["kind", "outcome"], registers: [this.registry] });
  private readonly discoveryFailures = new Counter({ name: "driftback_scan_discovery_failures_total", help: "Walks of the installations that failed, so nothing was scanned", registers: [this.registry] });
  private readonly unmatched = new Counter({ name: "driftback_scan_requests_unmatched_total", help: "Scan requests for a repository that is not installed or has no valid config", registers: [this.registry] });
  private readonly parity = new Gauge({ name: "driftback_parity_differences", help: "Differences between workspaces meant to be alike, by the last scan: declared, live by cause (code, drift, unapplied), and version", labelNames: ["repo", "group", "cause"], registers: [this.registry] });
  private readonly parityGroups = new Map<string, Set<string>>();
  private readonly rejected = new Counter({ name: "driftback_http_requests_rejected_total", help: "HTTP requests refused before any handler read their body", labelNames: ["reason"], registers: [this.registry] });

  private readonly queueWait = new Histogram({ name: "driftback_queue_wait_seconds", help: "Time a job waited in its queue, enqueued to started", labelNames: ["queue"], buckets: [0.005, 0.05, 0.5, 1, 5, 15, 60, 300, 1800], registers: [this.registry] });
  private readonly queueRun = new Histogram({ name: "driftback_queue_run_seconds", help: "Time a job ran, started to finished", labelNames: ["queue", "outcome"], buckets: [0.05, 0.5, 1, 5, 15, 60, 300, 1800], registers: [this.registry] });
  private readonly queueFailures = new Counter({ name: "driftback_queue_jobs_failed_total", help: "Jobs that failed for good (retried attempts are not counted)", labelNames: ["queue"], registers: [this.registry] });
  private readonly isolation = new Gauge({ name: "driftback_terraform_isolation", help: "How terraform is isolated from driftback's secrets: 1 for the mode in use (bubblewrap, or none)", labelNames: ["mode"], registers: [this.registry] });
  private queueCounts?: () => Promise<Record<QueueName, Record<string, number>>>;
  private readonly queueJobs = new Gauge({
    name: "driftback_queue_jobs",
    help: "Jobs per queue and state, read from Redis at scrape time (the same for every replica)",
    labelNames: ["queue", "state"],
    registers: [this.registry],
    collect: () => this.collectQueueDepth(),
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  scanFinished(repo: string, seconds: number): void {
    this.duration.observe({ repo }, seconds);
  }

  scanFailed(repo: string, workspace: string): void {
    this.failures.inc({ repo, workspace });
  }

  planRun(kind: "preview" | "scan", outcome: "ok" | "failed"): void {
    this.plans.inc({ kind, outcome });
  }

  jobStarted(queue: QueueName, waitedSeconds: number): void {
    this.queueWait.observe({ queue }, waitedSeconds);
  }

  jobFinished(queue: QueueName, ranSeconds: number, outcome: "completed" | "failed" | "retried" | "released"): void {
    this.queueRun.observe({ queue, outcome }, ranSeconds);
    if (outcome === "failed") this.queueFailures.inc({ queue });
  }

  watchQueues(counts: () => Promise<Record<QueueName, Record<string, number>>>): void {
    this.queueCounts = counts;
  }

  /** A scrape never waits long on Redis: without an answer the series are dropped, not left stale. */
  private async collectQueueDepth(): Promise<void> {
    if (!this.queueCounts) return;
    let counts: Record<QueueName, Record<string, number>>;
    try {
      counts = await Promise.race([this.queueCounts(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1_000).unref())]);
    } catch {
      this.queueJobs.reset();
      return;
    }
    for (const [queue, byState] of Object.entries(counts)) {
      for (const [state, count] of Object.entries(QUEUE_STATES)) this.queueJobs.set({ queue, state }, count.reduce((sum, s) => sum + (byState[s] ?? 0), 0));
    }
  }

  scanDiscoveryFailed(): void {
    this.discoveryFailures.inc();
  }

  scanRequestUnmatched(): void {
    this.unmatched.inc();
  }

  /** Set once at start: the mode terraform runs in (see adapters/terraform/sandbox.ts). */
  terraformIsolation(mode: "bubblewrap" | "none"): void {
    for (const m of ["bubblewrap", "none"]) this.isolation.set({ mode: m }, m === mode ? 1 : 0);
  }

  requestRejected(reason: "body_too_large"): void {
    this.rejected.inc({ reason });
  }

  parityDifferences(repo: string, counts: readonly { group: string; cause: string; count: number }[]): void {
    // a group gone since the last scan drops its series; the others are set afresh
    const groups = new Set(counts.map((c) => c.group));
    for (const old of this.parityGroups.get(repo) ?? []) if (!groups.has(old)) for (const cause of ["declared", "code", "drift", "unapplied", "version"]) this.parity.remove({ repo, group: old, cause });
    this.parityGroups.set(repo, groups);
    for (const c of counts) this.parity.set({ repo, group: c.group, cause: c.cause }, c.count);
  }

  driftItems(repo: string, workspace: string, counts: { class: string; severity: string; count: number }[]): void {
    // a workspace's series are replaced as a whole, so resolved drift drops back to nothing
    for (const cls of ["actionable", "noise", "unapplied", "deleted"]) {
      for (const severity of ["low", "medium", "high", "critical"]) {
        const count = counts.find((c) => c.class === cls && c.severity === severity)?.count ?? 0;
        this.items.set({ repo, workspace, class: cls, severity }, count);
      }
    }
  }
}

export const noMetrics: DriftMetrics = { scanFinished() {}, scanFailed() {}, planRun() {}, driftItems() {}, scanDiscoveryFailed() {}, scanRequestUnmatched() {} };
