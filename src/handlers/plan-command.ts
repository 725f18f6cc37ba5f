import type { Context } from "probot";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import type { AppServices } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";
import { installationOf, startPreview } from "./pull-request.js";

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
    // a redelivered command (to this replica or another) is acted on once
    if (!(await services.deliveries.firstSeen(`plan-command/${context.id}`))) return;
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
    // a backport pull request's marker (in the body) names its workspace: a revert changes only its drift record
    await startPreview(context, services, runs, { pr, body: issue.body, trigger: "command" }, installationOf(context));
  };
}
