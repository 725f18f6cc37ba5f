import type { Context } from "probot";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { parseMarker } from "../core/backport/marker.js";
import { previewPlan } from "../usecases/preview-plan.js";
import { previewDeps, type AppServices } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";
import { loadConfigOrReport } from "./pull-request.js";

const PLAN_COMMAND = /^\/driftback\s+plan\s*$/m;

/**
 * `/driftback plan` on a pull request: plans its current head once, forks included, when the
 * commenter has write access. Anyone else gets a "confused" reaction and nothing runs.
 */
export function onPlanCommand(services: AppServices, runs: PreviewRuns) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment } = context.payload;
    const login = comment.user?.login;
    if (!issue.pull_request || context.isBot || !login || !PLAN_COMMAND.test(comment.body)) return;
    const repo = context.repo();
    const github = new OctokitGitHost(context.octokit, services.appId);
    const allowed = await github.hasWriteAccess(repo, login);
    await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: allowed ? "eyes" : "confused" });
    if (!allowed) {
      context.log.info({ user: login, pr: issue.number }, "/driftback plan ignored: no write access");
      return;
    }
    const pr = await github.getPullRequest(repo, issue.number);
    if (pr.state !== "open") return;
    runs.start(`${repo.owner}/${repo.repo}#${pr.number}`, pr.headSha, context.id, async (signal) => {
      const config = await loadConfigOrReport(context, services, pr);
      if (!config) return;
      // a backport pull request's marker names its workspace (a revert changes only its drift record)
      const backport = parseMarker(issue.body);
      await previewPlan(previewDeps(context, services), { pr, config, trigger: "command", signal, workspaces: backport ? [backport.workspace] : undefined });
    });
  };
}
