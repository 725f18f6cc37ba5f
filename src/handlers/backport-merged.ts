import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitResultComments } from "../adapters/github/octokit-result-comments.js";
import { GitCheckout } from "../adapters/git/checkout.js";
import { parseMarker } from "../core/backport/marker.js";
import { applyMergedRevert } from "../usecases/apply-merged-revert.js";
import { isBackportPull } from "./backport-command.js";
import type { AppServices } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";

/**
 * A merged backport pull request that reverts drift, in a repository with `apply.on_merge: true`: plan
 * the merge commit, apply it when it changes exactly what the pull request showed, comment the result.
 * Runs in the background (the webhook is answered at once); a redelivery of the same event is dropped.
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
    const terraform = services.terraform;
    if (!terraform.apply) {
      context.log.warn({ pr: pr.number }, "apply.on_merge: this terraform runner cannot apply; nothing applied");
      return;
    }
    const apply = terraform.apply.bind(terraform);
    runs.start(`${repo.owner}/${repo.repo}#${pr.number}/apply`, mergeSha, context.id, async (signal) => {
      const deps = {
        source: new GitCheckout({
          scratchDir: services.scratchDir,
          token: async () => ((await context.octokit.auth({ type: "installation" })) as { token?: string }).token,
        }),
        terraform: { plan: terraform.plan.bind(terraform), apply },
        comments: new OctokitResultComments(context.octokit),
        templates: services.templates,
        logger: context.log,
        planLimit: services.scanLimit,
      };
      await applyMergedRevert(deps, { repo, number: pr.number, cloneUrl: pr.base.repo.clone_url, mergeSha, marker, config: config.config, signal });
    });
  };
}
