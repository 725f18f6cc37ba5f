import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { pullRequestInfo } from "../adapters/github/octokit-git-host.js";
import { previewPlan } from "../usecases/preview-plan.js";
import { previewDeps, type AppServices } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";

export const PULL_REQUEST_EVENTS = ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review"] as const;

/** A pull request opened or pushed to: plan it in the background, answer the webhook at once. */
export function onPullRequest(services: AppServices, runs: PreviewRuns) {
  return async (context: Context<"pull_request">): Promise<void> => {
    const repo = context.repo();
    const pr = pullRequestInfo(repo, context.payload.pull_request);
    if (pr.state !== "open") return;
    runs.start(`${repo.owner}/${repo.repo}#${pr.number}`, pr.headSha, context.id, async (signal) => {
      const config = await loadRepoConfig(context, repo);
      if (!config) return; // no driftback.yml and no atlantis.yaml: not ours to plan
      await previewPlan(previewDeps(context, services), { pr, config, trigger: "event", signal });
    });
  };
}
