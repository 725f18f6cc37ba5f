import type { Context } from "probot";
import { loadRepoConfig, type ConfigReader } from "../adapters/github/config-source.js";
import { OctokitGitHost, pullRequestInfo } from "../adapters/github/octokit-git-host.js";
import type { ConfigResult } from "../config/validate.js";
import { parseMarker } from "../core/backport/marker.js";
import type { PullRequestInfo } from "../ports.js";
import { CONFIG_CHECK_NAME, previewPlan, type PreviewOutcome } from "../usecases/preview-plan.js";
import { previewDeps, type AppServices, type InstallationScope } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";
import { enqueuePreview, type PreviewTarget } from "./queued/preview-queue.js";

export const PULL_REQUEST_EVENTS = ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review"] as const;

/** A webhook's Context, or what a queue worker builds from `probot.auth` (configReader and a child logger). */
export type PreviewScope = InstallationScope & ConfigReader;

/** A pull request opened or pushed to: plan it in the background (or queue it, with replicas), answer the webhook at once. */
export function onPullRequest(services: AppServices, runs: PreviewRuns) {
  return async (context: Context<"pull_request">): Promise<void> => {
    const repo = context.repo();
    const pr = pullRequestInfo(repo, context.payload.pull_request);
    if (pr.state !== "open") return;
    if (!(await services.deliveries.firstSeen(`preview/${context.id}`))) return; // GitHub delivers at least once
    await startPreview(context, services, runs, { pr, body: context.payload.pull_request.body, trigger: "event" }, installationOf(context));
  };
}

/** In this process (PreviewRuns: a newer head aborts the older run), or on the shared "preview" queue with a runtime. */
export async function startPreview(context: Context, services: AppServices, runs: PreviewRuns, request: PreviewTarget, installationId: number | undefined): Promise<void> {
  if (services.runtime) {
    if (installationId === undefined) return context.log.warn({ pr: request.pr.number }, "plan preview not queued: the event names no installation");
    return enqueuePreview(services.runtime, { ...request, installationId }, context.log);
  }
  runs.start(`${request.pr.owner}/${request.pr.repo}#${request.pr.number}`, request.pr.headSha, async (signal) => {
    await planPreview(context, services, { ...request, signal });
  });
}

/** Reads the config (no driftback.yml and no atlantis.yaml: not ours to plan), then plans the pull request's head. */
export async function planPreview(scope: PreviewScope, services: AppServices, request: PreviewTarget & { signal?: AbortSignal }): Promise<PreviewOutcome | undefined> {
  const { pr } = request;
  const config = await loadConfigOrReport(scope, services, pr);
  if (!config) return undefined;
  // a backport pull request's marker names its workspace: a revert changes only its drift record
  const backport = parseMarker(request.body);
  return previewPlan(previewDeps(scope, services), { pr, config, trigger: request.trigger, signal: request.signal, workspaces: backport ? [backport.workspace] : undefined });
}

/**
 * Reads the config; when GitHub itself fails (not the file's content), the pull request still
 * hears about it through a failing config check run instead of silence.
 */
export async function loadConfigOrReport(context: ConfigReader, services: AppServices, pr: PullRequestInfo): Promise<ConfigResult | null> {
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

/** The installation a webhook came through (every App delivery names one; some payload types do not say so). */
export function installationOf(context: Context): number | undefined {
  return (context.payload as { installation?: { id?: number } }).installation?.id;
}
