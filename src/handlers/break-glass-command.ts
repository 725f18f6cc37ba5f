import type { Context } from "probot";
import { loadRepoConfig } from "../adapters/github/config-source.js";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { DASHBOARD_MARKER } from "../core/drift/dashboard.js";
import { declareBreakGlass, parseBreakGlassCommand } from "../core/incidents/break-glass.js";
import { formatClock, formatDuration } from "../core/incidents/time.js";
import type { BreakGlassDeclaration } from "../core/incidents/types.js";
import { printable } from "../core/printable.js";
import type { AppServices } from "./deps.js";
import type { ScannableRepo, ScanService } from "./scan-service.js";

type Octokit = Context["octokit"];
type Target = { repo: ScannableRepo; octokit: Octokit };
type Where = { ok: true; targets: Target[]; incidentKey?: string } | { ok: false; error: string };

/**
 * `/driftback break-glass <workspace> <duration> [reason]` (issue 9 §5), from a user with write access, on an incident
 * issue of the repository some driftback config names as `incidents.github.repo` (the incident is that issue), or on a
 * repository's drift dashboard naming `incident=<key>`. The declaration is recorded by a scan of each repository that
 * has the workspace (the dashboard state is written in one place: the scan). Replies with one comment.
 */
export function onBreakGlassCommand(services: AppServices, scans: Pick<ScanService, "discover" | "start">) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { issue, comment, repository } = context.payload;
    const login = comment.user?.login;
    if (issue.pull_request || context.isBot || !login || !parseBreakGlassCommand(comment.body)) return;
    if (!(await services.deliveries.firstSeen(`break-glass/${context.id}`))) return; // acted on once, whichever replica got it
    const repo = context.repo();
    const react = (content: "+1" | "confused") => context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content });
    const reply = (view: object) => context.octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: services.templates.breakGlassReply(view) });

    if (!(await new OctokitGitHost(context.octokit, services.appId).hasWriteAccess(repo, login))) {
      context.log.info({ user: login, issue: issue.number }, "/driftback break-glass ignored: no write access");
      await react("confused");
      return;
    }
    // 1. Where the declaration goes: this repository (dashboard) or every repository reading incidents from here.
    let where: Where;
    try {
      where = (issue.body ?? "").includes(DASHBOARD_MARKER) ? await onDashboard(context, repository) : await onIncidentIssue(context, scans);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      context.log.warn({ issue: issue.number, reason: typeof status === "number" ? `GitHub answered ${status}` : "GitHub could not be reached" }, "/driftback break-glass: repositories could not be read");
      where = { ok: false, error: "break-glass: driftback could not read the repositories' driftback configs from GitHub just now; nothing was recorded: comment again" };
    }
    // 2. Parse against the workspaces those repositories have, and declare from now.
    const parsed = where.ok ? parseBreakGlassCommand(comment.body, { workspaces: [...new Set(where.targets.flatMap((t) => t.repo.config.workspaces.map((w) => w.name)))] })! : undefined;
    const declared = where.ok && parsed?.ok ? declareBreakGlass(parsed.value, { by: login, now: services.now(), ...(where.incidentKey ? { incidentKey: where.incidentKey } : {}) }) : undefined;
    const error = !where.ok ? where.error : parsed && !parsed.ok ? parsed.error : declared && !declared.ok ? declared.error : declared?.ok ? unreadableKey(declared.value.incidentKey) : undefined;
    if (error !== undefined || !where.ok || !declared?.ok) {
      await reply({ error });
      await react("confused");
      return;
    }
    // 3. A scan of each repository with that workspace records it (again: after a running scan, too).
    const declaration = declared.value;
    const targets = where.targets.filter((t) => t.repo.config.workspaces.some((w) => w.name === declaration.workspace));
    for (const target of targets) scans.start(target.repo, target.octokit, { again: true, breakGlass: [declaration] });
    context.log.info({ user: login, workspace: declaration.workspace, incident: declaration.incidentKey, until: declaration.until, repos: targets.map(nameOf) }, "break-glass declared");
    await reply(replyView(declaration, targets.map(nameOf)));
    await react("+1");
  };
}

async function onDashboard(context: Context<"issue_comment.created">, repository: { clone_url: string; default_branch: string }): Promise<Where> {
  const repo = context.repo();
  const config = await loadRepoConfig(context, repo);
  if (!config?.ok) return { ok: false, error: `break-glass: ${repo.owner}/${repo.repo} has no valid .github/driftback.yml, so it has no workspaces to declare a window for` };
  const target = { ...repo, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch };
  return { ok: true, targets: [{ repo: { target, installationId: context.payload.installation?.id ?? 0, config: config.config }, octokit: context.octokit }] };
}

/** The repositories whose config reads incidents from this repository, and whose incident label this issue carries. */
async function onIncidentIssue(context: Context<"issue_comment.created">, scans: Pick<ScanService, "discover">): Promise<Where> {
  const here = `${context.payload.repository.owner.login}/${context.payload.repository.name}`;
  const reading = (await scans.discover()).filter((f) => f.repo.config.incidents.github?.repo.toLowerCase() === here.toLowerCase());
  if (reading.length === 0) return { ok: false, error: `break-glass: comment on an incident issue (of the repository set as incidents.github.repo) or on the drift dashboard with incident=<key>; no driftback config reads incidents from ${printable(here, 100)}` };
  const labels = new Set(context.payload.issue.labels?.map((l) => (typeof l === "string" ? l : l.name).toLowerCase()) ?? []);
  const targets = reading.filter((f) => labels.has(f.repo.config.incidents.github!.label.toLowerCase()));
  if (targets.length === 0) return { ok: false, error: `break-glass: issue #${context.payload.issue.number} has no "${printable(reading[0]!.repo.config.incidents.github!.label, 50)}" label, so it is not an incident` };
  // the same key the GitHub incident source gives this issue: the configured "owner/name" and the number
  return { ok: true, targets, incidentKey: `${targets[0]!.repo.config.incidents.github!.repo}#${context.payload.issue.number}` };
}

/** An incident key goes into the dashboard and every reply: one printable token of at most 200 characters. */
function unreadableKey(key: string): string | undefined {
  if (key.length <= 200 && printable(key, 200) === key) return undefined;
  return `break-glass: incident=${printable(key, 40)} is not a key such as INC-123, owner/name#42 or the incident's URL (printable, at most 200 characters)`;
}

function replyView(d: BreakGlassDeclaration, repos: string[]) {
  const from = Date.parse(d.from);
  const until = Date.parse(d.until);
  return { workspace: printable(d.workspace, 100), incident: printable(d.incidentKey, 200), by: d.by, from: formatClock(from, Number.NaN), until: formatClock(until, from), duration: formatDuration(until - from), reason: d.reason ?? null, repos };
}

function nameOf(t: Target): string {
  return `${t.repo.target.owner}/${t.repo.target.repo}`;
}
