import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitBackportHost } from "../adapters/github/octokit-backport-host.js";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { BRANCH_PREFIX } from "../core/backport/branch.js";
import { parseBackportCommand } from "../core/backport/command.js";
import { incidentLinkFor, parseIncidentCommand } from "../core/backport/incident-command.js";
import { parseMarker } from "../core/backport/marker.js";
import { BackportHostError, type RepoRef } from "../ports.js";
import { runBackportCommand, type BackportCommandDeps, type CommandPullRequest } from "../usecases/backport-command.js";
import type { AppServices } from "./deps.js";
import type { ScanService } from "./scan-service.js";

/** The parts of a pull request (webhook payload or `pulls.get`) that tell driftback's own backport pull requests apart. */
export interface PullShape {
  head: { ref: string; repo: { full_name: string } | null };
  base: { repo: { full_name: string } };
  user: { login: string; type?: string } | null;
}

/** Opened by driftback's bot from a `driftback/` branch of the same repository: a marker alone (anyone can paste one) is not enough. */
export function isBackportPull(pr: PullShape, botLogin: string): boolean {
  return pr.head.ref.startsWith(BRANCH_PREFIX) && pr.head.repo?.full_name === pr.base.repo.full_name && pr.user?.login === botLogin;
}

/**
 * `/driftback codify|revert|ignore` on a backport pull request, from a user with write access: switch its
 * action in place (and scan so the branch follows), or close it and ignore its drift until the live value
 * changes. Anyone else gets a "confused" reaction and nothing changes; other pull requests are not ours.
 */
export function onBackportCommand(services: AppServices, scans: ScanService) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment, repository } = context.payload;
    const login = comment.user?.login;
    const incident = parseIncidentCommand(comment.body);
    const command = parseBackportCommand(comment.body) ?? (incident ? ("incident" as const) : undefined);
    // the comment event carries the pull request's body: a pull request without a marker costs no API call
    if (!issue.pull_request || context.isBot || !login || !command || !parseMarker(issue.body)) return;
    // GitHub delivers at least once, and the copy may reach another replica: a command acts once
    if (!(await services.deliveries.firstSeen(`backport-command/${context.id}`))) return;
    const repo = context.repo();
    const react = (content: "+1" | "confused") => context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content });

    if (!(await new OctokitGitHost(context.octokit, services.appId).hasWriteAccess(repo, login))) {
      context.log.info({ user: login, pr: issue.number, command }, "/driftback command ignored: no write access");
      await react("confused");
      return;
    }
    const { data } = await context.octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
    const botLogin = await services.botLogin();
    const marker = parseMarker(data.body);
    if (!marker || !isBackportPull(data, botLogin)) {
      await react("confused");
      return;
    }
    const pull: CommandPullRequest = { number: data.number, state: data.state === "closed" ? "closed" : "open", merged: data.merged === true, branch: data.head.ref, baseRef: data.base.ref, body: data.body ?? "" };
    const deps: BackportCommandDeps = {
      host: new OctokitBackportHost(context.octokit, { botLogin, now: services.now }),
      templates: services.templates,
      logger: context.log,
      requestScan: () => requestScan(context, scans, repo, repository),
    };
    try {
      let given: Parameters<typeof runBackportCommand>[1]["command"];
      if (command === "incident") {
        // a URL of a configured source links that source's incident (so its follow-up reaches it); anything else is manual
        const loaded = await loadRepoConfig(context, repo);
        const target = incidentLinkFor(incident!.target, loaded?.ok ? loaded.config.incidents : {});
        if (!target.ok) {
          context.log.info({ user: login, pr: issue.number, command, reason: target.reason }, "/driftback incident ignored");
          await react("confused");
          return;
        }
        given = { incident: target.link };
      } else given = command;
      const outcome = await runBackportCommand(deps, { repo, pull, marker, command: given, login });
      await react(outcome.status === "not-open" || outcome.status === "no-marker" ? "confused" : "+1");
    } catch (error) {
      if (!(error instanceof BackportHostError)) throw error;
      // the reason is a readable sentence; the cause may hold request bodies
      context.log.warn({ pr: issue.number, command, reason: error.reason }, "/driftback command failed");
      await react("confused");
    }
  };
}

async function requestScan(context: Context<"issue_comment.created">, scans: ScanService, repo: RepoRef, repository: { clone_url: string; default_branch: string }) {
  const config = await loadRepoConfig(context, repo);
  if (!config?.ok) return "not-configured" as const;
  const target = { ...repo, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch };
  return scans.start({ target, installationId: context.payload.installation?.id ?? 0, config: config.config }, context.octokit, { again: true }) ? ("started" as const) : ("already-running" as const);
}
