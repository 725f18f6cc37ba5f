import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitResultComments } from "../adapters/github/octokit-result-comments.js";
import { GitCheckout } from "../adapters/git/checkout.js";
import { parseMarker } from "../core/backport/marker.js";
import type { ApplyRequest, ApplyOutcome } from "../ports.js";
import { applyMergedRevert, type ApplyMergedDeps } from "../usecases/apply-merged-revert.js";
import { isBackportPull } from "./backport-command.js";
import type { AppServices, InstallationScope } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";
import { installationOf } from "./pull-request.js";
import { enqueueApply } from "./queued/backport-queue.js";
import { installationToken } from "../adapters/github/installation-token.js";

/**
 * A merged backport pull request that reverts drift, in a repository with `apply.on_merge: true`: plan
 * the merge commit, apply it when it changes exactly what the pull request showed, comment the result.
 * Runs in the background (the webhook is answered at once), or on the shared "backport" queue with replicas (one job
 * per merge commit, applied at most once); a redelivery of the same event is dropped.
 */
export function onBackportMerged(services: AppServices, runs: PreviewRuns) {
  return async (context: Context<"pull_request.closed">): Promise<void> => {
    const pr = context.payload.pull_request;
    const mergeSha = pr.merge_commit_sha;
    const marker = parseMarker(pr.body);
    // checked before any API call: other pull requests, and codify ones, never get further
    if (!pr.merged || !mergeSha || !marker?.items.some((item) => item.settled === "revert")) return;
    if (!isBackportPull(pr, await services.botLogin())) return;
    const repo = context.repo();
    const config = await loadRepoConfig(context, repo);
    if (!config?.ok || !config.config.apply.on_merge) return; // the team's pipeline applies
    const apply = applierOf(services, context.log, pr.number);
    if (!apply) return;
    if (!(await services.deliveries.firstSeen(`apply/${context.id}`))) return; // GitHub delivers at least once
    const input = { repo, number: pr.number, cloneUrl: pr.base.repo.clone_url, mergeSha };
    const installationId = installationOf(context);
    if (services.runtime && installationId !== undefined) {
      await enqueueApply(services.runtime, { ...input, installationId, body: pr.body ?? "" }, context.log);
      return;
    }
    runs.start(`${repo.owner}/${repo.repo}#${pr.number}/apply`, mergeSha, async (signal) => {
      await applyMergedRevert(applyDeps(context, services, apply), { ...input, marker, config: config.config, signal });
    });
  };
}

/** The runner's apply, or undefined (and a warning) when this terraform runner cannot apply. */
export function applierOf(services: AppServices, log: InstallationScope["log"], pr: number): ((request: ApplyRequest) => Promise<ApplyOutcome>) | undefined {
  const terraform = services.terraform;
  if (terraform.apply) return terraform.apply.bind(terraform);
  log.warn({ pr }, "apply.on_merge: this terraform runner cannot apply; nothing applied");
  return undefined;
}

/** The use case's ports, authenticated as the installation (a webhook's Context, or a queue worker's). */
export function applyDeps(scope: InstallationScope, services: AppServices, apply: ApplyMergedDeps["terraform"]["apply"]): ApplyMergedDeps {
  const { octokit } = scope;
  return {
    source: new GitCheckout({
      scratchDir: services.scratchDir,
      token: installationToken(octokit),
    }),
    terraform: { plan: services.terraform.plan.bind(services.terraform), apply },
    comments: new OctokitResultComments(octokit, services.appId),
    templates: services.templates,
    logger: scope.log,
    planLimit: services.scanLimit,
  };
}
