import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { alignBoxRequests, DASHBOARD_LABEL, DASHBOARD_MARKER, reopenRequests } from "../core/drift/dashboard.js";
import type { ScanService } from "./scan-service.js";

/**
 * A person ticked one or more "open again" boxes on the dashboard issue: scan that repository now
 * with those fingerprints reopened. Edits by bots (driftback's own dashboard writes among them) and
 * edits that tick nothing new are left alone. Editing the issue body already takes write (or triage)
 * access, so no permission call is made. The scan reads the ticks from the body as well, and the
 * dashboard it writes shows the boxes unticked once handled: a repeated delivery changes nothing.
 */
export function onDashboardEdited(scans: ScanService) {
  return async (context: Context<"issues.edited">): Promise<void> => {
    const { issue, changes, repository } = context.payload;
    if (context.isBot || issue.pull_request || !issue.body?.startsWith(DASHBOARD_MARKER)) return;
    if (!issue.labels?.some((label) => label.name === DASHBOARD_LABEL)) return;
    const before = new Set(reopenRequests(changes.body?.from));
    const ticked = reopenRequests(issue.body).filter((fingerprint) => !before.has(fingerprint));
    // an "align all to" box (issue 16 §6): the scan reads the ticked boxes from the body and opens their pull requests
    const alignedBefore = new Set(alignBoxRequests(changes.body?.from).map((b) => `${b.key}:${b.member}`));
    const align = alignBoxRequests(issue.body).filter((b) => !alignedBefore.has(`${b.key}:${b.member}`));
    if (ticked.length === 0 && align.length === 0) return;
    const ref = context.repo();
    const config = await loadRepoConfig(context, ref);
    if (!config?.ok) {
      context.log.warn({ repo: `${ref.owner}/${ref.repo}` }, "dashboard box ticked, but the repository has no valid driftback config: not scanned");
      return;
    }
    const started = scans.start(
      { target: { ...ref, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch }, installationId: context.payload.installation?.id ?? 0, config: config.config },
      context.octokit,
      { reopen: ticked, ...(align.length > 0 ? { again: true } : {}) },
    );
    context.log.info({ repo: `${ref.owner}/${ref.repo}`, reopen: ticked, align: align.length, started }, align.length === 0 ? (started ? "open again: scan started" : "open again: a scan is running, the next one carries it") : started ? "align box ticked: scan started" : "align box ticked: a scan is running, the next one carries it");
  };
}
