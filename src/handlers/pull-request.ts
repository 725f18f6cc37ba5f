import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitGitHost, pullRequestInfo } from "../adapters/github/octokit-git-host.js";
import type { ConfigResult } from "../config/validate.js";
import { parseMarker } from "../core/backport/marker.js";
import type { PullRequestInfo } from "../ports.js";
import { CONFIG_CHECK_NAME } from "../usecases/preview-plan.js";
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
      const config = await loadConfigOrReport(context, services, pr);
      if (!config) return; // no driftback.yml and no atlantis.yaml: not ours to plan
      // a backport pull request's marker names its workspace: a revert changes only its drift record
      const backport = parseMarker(context.payload.pull_request.body);
      await previewPlan(previewDeps(context, services), { pr, config, trigger: "event", signal, workspaces: backport ? [backport.workspace] : undefined });
    });
  };
}

/**
 * Reads the config; when GitHub itself fails (not the file's content), the pull request still
 * hears about it through a failing config check run instead of silence.
 */
export async function loadConfigOrReport(context: Context, services: AppServices, pr: PullRequestInfo): Promise<ConfigResult | null> {
  try {
    return await loadRepoConfig(context, pr);
  } catch (error) {
    const github = new OctokitGitHost(context.octokit, services.appId);
    const handle = await github.startCheckRun(pr, pr.headSha, CONFIG_CHECK_NAME, { title: "Reading configuration…", summary: "…" });
    await github.completeCheckRun(pr, handle, "failure", {
      title: "Could not read the configuration",
      summary: services.templates.status.internalError({ message: `reading .github/driftback.yml failed: ${(error as Error).message}` }),
    });
    throw error;
  }
}
