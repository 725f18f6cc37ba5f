import type { Context } from "probot";
import type { IncidentReconciler } from "./incident-reconcile.js";

/**
 * `issues.closed`: a closed issue is a resolved incident for every repository whose `incidents.github` names that
 * repository and label. The reconcile runs in the background (it walks the installations, cached, and fetches the
 * issue again: a reopen may already have followed).
 */
export function onIncidentIssueClosed(reconciler: IncidentReconciler) {
  return async (context: Context<"issues.closed">): Promise<void> => {
    const { issue, repository } = context.payload;
    if ("pull_request" in issue && issue.pull_request) return;
    const labels = (issue.labels ?? []).map((label) => (typeof label === "string" ? label : label.name));
    if (labels.length === 0) return; // an incident carries its label: an unlabelled issue is never one
    reconciler.reconcileLater("github", `${repository.full_name}#${issue.number}`, { githubOctokit: context.octokit, labels });
  };
}
