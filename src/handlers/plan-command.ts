import type { Context } from "probot";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import type { PullRequestInfo } from "../ports.js";
import type { AppServices } from "./deps.js";
import type { PreviewRuns } from "./preview-runs.js";
import { installationOf, startPreview } from "./pull-request.js";

/** `/driftback plan`, or `/driftback plan <sha>` naming the reviewed commit (7 to 40 hex digits). */
const PLAN_COMMAND = /^\/driftback\s+plan(?:\s+([0-9a-f]{7,40}))?\s*$/im;

/** What a plan command may plan: the head, or why not (the reply says it). */
export type PlanCommandHead = { plan: true } | { plan: false; moved: boolean; given: string };

/**
 * Which head a `/driftback plan` approves (issue 15, 4.1). A fork's code runs with the repository's credentials
 * once a writer approves it, and the head can move between the comment and its handling: on a fork the command
 * must name the commit the writer reviewed, and that commit is planned only while it is the head (the checkout
 * checks it again and plans nothing else). A SHA on a same-repository pull request is checked the same way.
 */
export function planCommandHead(pr: Pick<PullRequestInfo, "headSha" | "isFork">, given: string | undefined): PlanCommandHead {
  if (given === undefined) return pr.isFork ? { plan: false, moved: false, given: "" } : { plan: true };
  return pr.headSha.toLowerCase().startsWith(given.toLowerCase()) ? { plan: true } : { plan: false, moved: true, given: given.toLowerCase() };
}

/**
 * `/driftback plan` on a pull request: plans its head once, forks included, when the commenter has
 * write access and (on a fork) names that head's SHA. Anyone else gets a "confused" reaction and nothing runs.
 */
export function onPlanCommand(services: AppServices, runs: PreviewRuns) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment } = context.payload;
    const login = comment.user?.login;
    const command = PLAN_COMMAND.exec(comment.body);
    if (!issue.pull_request || context.isBot || !login || !command) return;
    // a redelivered command (to this replica or another) is acted on once
    if (!(await services.deliveries.firstSeen(`plan-command/${context.id}`))) return;
    const repo = context.repo();
    const github = new OctokitGitHost(context.octokit, services.appId);
    const allowed = await github.hasWriteAccess(repo, login);
    if (!allowed) {
      await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: "confused" });
      context.log.info({ user: login, pr: issue.number }, "/driftback plan ignored: no write access");
      return;
    }
    const pr = await github.getPullRequest(repo, issue.number);
    // one reply per command comment, edited in place when the same command is handled again (a re-run job)
    const refuse = async (view: Record<string, unknown>, why: string, fields: object = {}) => {
      await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: "confused" });
      const marker = `<!-- driftback:plan-refused:${comment.id} -->`;
      await github.upsertComment(pr, marker, `${marker}\n${services.templates.status.planRefused({ moved: false, given: "", head: pr.headSha, ...view })}`);
      context.log.info({ user: login, pr: issue.number, ...fields }, `/driftback plan refused: ${why}`);
    };
    if (services.commentPlans === "off") return refuse({ commandsOff: true }, "this job cannot isolate terraform, and a comment's job holds the default branch's secrets");
    if (pr.isFork && services.forkPlans === "never") return refuse({ forksOff: true }, "fork code is not planned here (the Action's plan-forks input is off)");
    const head = planCommandHead(pr, command[1]);
    if (!head.plan) return refuse({ moved: head.moved, given: head.given }, "it does not name the pull request's head", { moved: head.moved });
    await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: "eyes" });
    if (pr.state !== "open") return;
    // a backport pull request's marker (in the body) names its workspace: a revert changes only its drift record
    await startPreview(context, services, runs, { pr, body: issue.body, trigger: "command" }, installationOf(context));
  };
}
