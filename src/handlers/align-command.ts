import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { parseMarker } from "../core/backport/marker.js";
import { DASHBOARD_MARKER } from "../core/drift/dashboard.js";
import { parseAlignCommand } from "../core/parity/align-command.js";
import { isBackportPull } from "./backport-command.js";
import type { AppServices } from "./deps.js";
import type { ScanService } from "./scan-service.js";

/**
 * `/driftback align <group> <resource> <attribute> to <member>` (issue 16 §6) on the drift dashboard or on one of
 * driftback's backport pull requests, from a user with write access: replies with what happens, and starts a scan of the
 * repository carrying the request; that scan opens (or keeps) the alignment pull request and replies with its link or
 * why it did not. Bad syntax gets the usage line; anyone without write access a "confused" reaction and nothing else.
 */
export function onAlignCommand(services: Pick<AppServices, "appId" | "deliveries" | "templates" | "botLogin">, scans: Pick<ScanService, "start">) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment, repository } = context.payload;
    const login = comment.user?.login;
    const parsed = parseAlignCommand(comment.body);
    if (context.isBot || !login || !parsed) return;
    const onDashboard = !issue.pull_request && (issue.body ?? "").startsWith(DASHBOARD_MARKER);
    // the comment event carries the pull request's body: one without a backport marker is not ours (no API call)
    const onBackport = Boolean(issue.pull_request) && parseMarker(issue.body) !== undefined;
    if (!onDashboard && !onBackport) return;
    // GitHub delivers at least once, and the copy may reach another replica: a command acts once
    if (!(await services.deliveries.firstSeen(`align-command/${context.id}`))) return;
    const repo = context.repo();
    const react = (content: "+1" | "confused") => context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content });
    const reply = (view: object) => context.octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: services.templates.alignReply({ usage: null, started: false, refused: null, expect: false, ...view }) });

    if (!(await new OctokitGitHost(context.octokit, services.appId).hasWriteAccess(repo, login))) {
      context.log.info({ user: login, issue: issue.number }, "/driftback align ignored: no write access");
      await react("confused");
      return;
    }
    if (onBackport) {
      // a marker anyone can paste: the pull request must be driftback's own
      const { data } = await context.octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
      if (!parseMarker(data.body) || !isBackportPull(data, await services.botLogin())) {
        await react("confused");
        return;
      }
    }
    if (!parsed.ok) {
      await reply({ usage: parsed.error });
      await react("confused");
      return;
    }
    const config = await loadRepoConfig(context, repo);
    if (!config?.ok) {
      await reply({ ...parsed.request, expect: parsed.request.expect === true, refused: `${repo.owner}/${repo.repo} has no valid .github/driftback.yml, so it has no parity groups to align` });
      await react("confused");
      return;
    }
    await reply({ ...parsed.request, expect: parsed.request.expect === true, started: true, repo: `${repo.owner}/${repo.repo}` });
    const target = { ...repo, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch };
    // `again`: a scan running now read its requests already; the next one carries this
    const started = scans.start({ target, installationId: context.payload.installation?.id ?? 0, config: config.config }, context.octokit, { again: true, align: [{ ...parsed.request, reply: { issue: issue.number } }] });
    context.log.info({ user: login, repo: `${repo.owner}/${repo.repo}`, group: parsed.request.group, to: parsed.request.to, started }, "/driftback align");
    await react("+1");
  };
}
