import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { DASHBOARD_MARKER } from "../core/drift/dashboard.js";
import type { ScanService } from "./scan-service.js";

const SCAN_COMMAND = /^\/driftback\s+scan\s*$/m;

/** `/driftback scan` on the dashboard issue, from a user with write access: scan that repository now. */
export function onScanCommand(scans: ScanService, appId: number | undefined) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment, repository } = context.payload;
    const login = comment.user?.login;
    if (issue.pull_request || context.isBot || !login || !SCAN_COMMAND.test(comment.body) || !issue.body?.startsWith(DASHBOARD_MARKER)) return;
    const ref = context.repo();
    const allowed = await new OctokitGitHost(context.octokit, appId).hasWriteAccess(ref, login);
    await context.octokit.rest.reactions.createForIssueComment({ ...ref, comment_id: comment.id, content: allowed ? "eyes" : "confused" });
    if (!allowed) return;
    const config = await loadRepoConfig(context, ref);
    if (!config?.ok) return;
    const started = scans.start({ target: { ...ref, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch }, installationId: context.payload.installation?.id ?? 0, config: config.config }, context.octokit);
    context.log.info({ repo: `${ref.owner}/${ref.repo}`, started }, "/driftback scan");
  };
}
