import type { DashboardIssue, DriftHost, RepoRef } from "../../ports.js";

/** The dashboard a dry run would have written: its body, and whether it would be created or edited. */
export interface RecordedDashboard {
  action: "create" | "update";
  title?: string;
  body: string;
}

/**
 * A DriftHost for a dry run: reads the real dashboard (so the state a scan carries forward is the real one) and
 * records the writes instead of sending them. The Action's `dry-run: true` shows the recorded body in its job summary.
 */
export class DryRunDriftHost implements DriftHost {
  readonly dashboards: RecordedDashboard[] = [];

  constructor(private readonly reads: DriftHost) {}

  findDashboard(repo: RepoRef, marker: string): Promise<DashboardIssue | undefined> {
    return this.reads.findDashboard(repo, marker);
  }

  async dashboardEditedByOthers(repo: RepoRef, issueNumber: number): Promise<boolean> {
    return this.reads.dashboardEditedByOthers ? this.reads.dashboardEditedByOthers(repo, issueNumber) : false;
  }

  async createDashboard(_repo: RepoRef, title: string, body: string): Promise<number> {
    this.dashboards.push({ action: "create", title, body });
    return 0;
  }

  async updateDashboard(_repo: RepoRef, _issueNumber: number, body: string): Promise<void> {
    this.dashboards.push({ action: "update", body });
  }
}
