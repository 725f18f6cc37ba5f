import type { RecordedDashboard } from "../adapters/local/dry-run-drift-host.js";
import type { RecordedPullRequest } from "../adapters/local/dry-run-backport-host.js";
import type { ScanReport } from "../usecases/scan-drift.js";

/** A pull request in the `pull-requests` output: one driftback keeps open, or (dry run) one it would open. */
export interface ActionPullRequest {
  status: "open" | "merged" | "would-open";
  number?: number;
  url?: string;
  action?: "codify" | "revert";
  title?: string;
  branch?: string;
  /** How many drift items it carries. */
  drift: number;
  /** The incident it is linked to (from the configured sources), when one is. */
  incident?: { key: string; source: string; url?: string };
}

export interface ActionWorkspaceRow {
  workspace: string;
  ok: boolean;
  real: number;
  noise: number;
  unapplied: number;
  error?: string;
}

/** What a scheduled run reports: the outputs and the job summary are made from it. Pure. */
export interface ActionScanSummary {
  repo: string;
  dryRun: boolean;
  /** Real drift: actionable and deleted items (not noise, not unapplied code), as `--detailed-exitcode` counts it. */
  driftCount: number;
  failedWorkspaces: number;
  workspaces: ActionWorkspaceRow[];
  pullRequests: ActionPullRequest[];
  dashboard?: { number?: number; action: string };
  /** Drift that got no pull request, with why (over max_open, a failed verification, a rule...). */
  withoutPullRequest: { reason: string; drift: number }[];
}

export function summarizeScan(repo: string, report: ScanReport, dryRun?: { pullRequests: RecordedPullRequest[]; dashboards: RecordedDashboard[] }): ActionScanSummary {
  const real = report.items.filter((i) => i.class === "actionable" || i.class === "deleted");
  const workspaces = report.scans.map((scan): ActionWorkspaceRow =>
    scan.ok
      ? { workspace: scan.workspace, ok: true, real: scan.items.length, noise: scan.noise, unapplied: scan.unapplied }
      : { workspace: scan.workspace, ok: false, real: 0, noise: 0, unapplied: 0, error: scan.error },
  );
  const statuses = Object.values(report.backport?.drift ?? {});
  const byNumber = new Map<number, ActionPullRequest>();
  const without = new Map<string, number>();
  for (const status of statuses) {
    if (status.status === "open" || status.status === "merged") {
      const known = byNumber.get(status.pr);
      byNumber.set(status.pr, { status: status.status, number: status.pr, url: status.url, action: status.action, drift: (known?.drift ?? 0) + 1 });
    } else if (status.status === "waiting" || status.status === "failed" || status.status === "none") {
      without.set(status.reason, (without.get(status.reason) ?? 0) + 1);
    }
  }
  for (const link of report.backport?.incidents ?? []) {
    const pr = byNumber.get(link.pr);
    if (pr) pr.incident = { key: link.key, source: link.source, ...(link.url ? { url: link.url } : {}) };
  }
  const sorted = [...byNumber.values()].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
  // a dry run's new pull requests have numbers and links the recording host made up: shown as the title and branch it
  // would open; one GitHub already has keeps its own
  const pullRequests = dryRun
    ? sorted.map((pr): ActionPullRequest => {
        const recorded = dryRun.pullRequests.find((r) => r.number === pr.number);
        if (recorded?.existing) return pr;
        const { number: _number, url: _url, ...rest } = pr;
        return { ...rest, status: "would-open", ...(recorded ? { title: recorded.title, branch: recorded.branch } : {}) };
      })
    : sorted;
  const lastDashboard = dryRun?.dashboards.at(-1);
  const dashboard = dryRun ? (lastDashboard ? { action: lastDashboard.action === "create" ? "would be created" : "would be updated" } : undefined) : report.dashboard ? { number: report.dashboard.number, action: report.dashboard.action } : undefined;
  return {
    repo,
    dryRun: Boolean(dryRun),
    driftCount: real.length,
    failedWorkspaces: workspaces.filter((w) => !w.ok).length,
    workspaces,
    pullRequests,
    ...(dashboard ? { dashboard } : {}),
    withoutPullRequest: [...without].map(([reason, drift]) => ({ reason, drift })),
  };
}

/** The `pull-requests` output: JSON, the fields a later step can use. */
export function pullRequestsOutput(summary: ActionScanSummary): string {
  return JSON.stringify(summary.pullRequests);
}
