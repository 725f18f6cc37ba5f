import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { DashboardIssue, DriftHost, RepoRef } from "../../ports.js";

/** Who opened the dashboard and who last edited its body (REST's issue has no editor). */
export const DASHBOARD_EDITOR = `
query driftbackDashboardEditor($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) { author { login } editor { login } }
  }
}`;

const editorAnswer = z.object({
  repository: z
    .object({ issue: z.object({ author: z.object({ login: z.string() }).nullable(), editor: z.object({ login: z.string() }).nullable() }).nullable() })
    .nullable(),
});

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The dashboard issue over an installation-authenticated Octokit. */
export class OctokitDriftHost implements DriftHost {
  constructor(
    private readonly octokit: Octokit,
    /** This App's id: only an issue it opened (`performed_via_github_app`) is its dashboard; without it any bot's counts. */
    private readonly appId?: number,
  ) {}

  async findDashboard(repo: RepoRef, marker: string): Promise<DashboardIssue | undefined> {
    const issues = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, { owner: repo.owner, repo: repo.repo, state: "open", labels: "driftback", per_page: 100 });
    // a person's (or another bot's) issue with the marker and the label is not driftback's state
    const issue = issues.find((i) => !i.pull_request && i.body?.startsWith(marker) && i.user?.type === "Bot" && (this.appId === undefined || i.performed_via_github_app?.id === this.appId));
    return issue ? { number: issue.number, body: issue.body ?? "" } : undefined;
  }

  async dashboardEditedByOthers(repo: RepoRef, issueNumber: number): Promise<boolean> {
    const answer = editorAnswer.parse(await this.octokit.graphql(DASHBOARD_EDITOR, { owner: repo.owner, name: repo.repo, number: issueNumber }));
    const issue = answer.repository?.issue;
    // an issue GitHub cannot show cannot vouch for its body
    if (!issue) return true;
    return issue.editor !== null && issue.editor.login !== issue.author?.login;
  }

  async createDashboard(repo: RepoRef, title: string, body: string, label: string): Promise<number> {
    await this.ensureLabel(repo, label);
    const { data } = await this.octokit.rest.issues.create({ owner: repo.owner, repo: repo.repo, title, body, labels: [label] });
    return data.number;
  }

  /** The label is how the dashboard is found again: make sure it exists rather than trust it is created on the fly. */
  private async ensureLabel(repo: RepoRef, label: string): Promise<void> {
    try {
      await this.octokit.rest.issues.createLabel({ owner: repo.owner, repo: repo.repo, name: label, color: "5319e7", description: "driftback's drift dashboard" });
    } catch (error) {
      if ((error as { status?: number }).status !== 422) throw error; // 422: it already exists
    }
  }

  async updateDashboard(repo: RepoRef, issueNumber: number, body: string): Promise<void> {
    await this.octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body });
  }
}
