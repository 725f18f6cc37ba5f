import { markerAfter, renderBackportIgnored, withMarker, type BackportCommand } from "../core/backport/command.js";
import { markerWithIncident } from "../core/backport/incident-command.js";
import type { BackportMarker, IncidentLink } from "../core/backport/marker.js";
import type { BackportHost, Logger, RepoRef } from "../ports.js";
import type { Templates } from "../templates.js";

export interface BackportCommandDeps {
  host: BackportHost;
  templates: Pick<Templates, "backportIgnored">;
  logger: Logger;
  /** Starts a scan of the repository, whose backport step rewrites the branch and body for a switched action. */
  requestScan: () => Promise<"started" | "already-running" | "not-configured">;
}

/** A backport pull request as GitHub has it now. */
export interface CommandPullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  /** Head branch (same repository). */
  branch: string;
  baseRef: string;
  body: string;
}

export interface BackportCommandInput {
  repo: RepoRef;
  pull: CommandPullRequest;
  marker: BackportMarker;
  /** A switch, an ignore, or `/driftback incident <url-or-key>` resolved to the link to pin. */
  command: BackportCommand | { incident: IncidentLink };
  /** Who commented: the caller has checked they may write to the repository. */
  login: string;
}

export type BackportCommandOutcome =
  /** Only an open pull request can switch or be ignored; nothing was written. */
  | { status: "not-open" }
  /** The body lost its marker between reading and writing (a person edited it): nothing was written. */
  | { status: "no-marker" }
  /** The marker already said so: nothing was written. */
  | { status: "unchanged" }
  | { status: "switched"; scan: "started" | "already-running" | "not-configured" }
  /** The incident is pinned in the marker; the scan rewrites body, drift records and follow-up. */
  | { status: "linked"; scan: "started" | "already-running" | "not-configured" }
  | { status: "ignored"; branchDeleted: boolean };

/**
 * `/driftback codify|revert|ignore` from a writer on a backport pull request. Every step is safe to repeat:
 * the marker is the record, and a command the marker already reflects writes nothing.
 */
export async function runBackportCommand(deps: BackportCommandDeps, input: BackportCommandInput): Promise<BackportCommandOutcome> {
  const { repo, pull, command, login } = input;
  // 1. Closed or merged pull requests keep what they were.
  if (pull.state !== "open") return { status: "not-open" };

  // 2. The marker after the command; the same marker means a switch was already carried out.
  if (typeof command === "object") return linkIncident(deps, input, command.incident);
  const next = markerAfter(input.marker, command, login);
  const body = next === input.marker ? pull.body : withMarker(pull.body, next);
  if (body === undefined) return { status: "no-marker" };

  // 3. Switch: pin the action in the marker, then let a scan rewrite branch and body for it.
  if (command !== "ignore") {
    if (next === input.marker) return { status: "unchanged" };
    await deps.host.updatePullRequest(repo, pull.number, { body });
    const scan = await deps.requestScan();
    deps.logger.info({ pr: pull.number, command, by: login, scan }, "backport pull request switched");
    return { status: "switched", scan };
  }

  // 4. Ignore: only a branch holding nothing but driftback's commits is deleted (read before any write).
  const comparison = await deps.host.compareBranch(repo, pull.baseRef, pull.branch);
  // 5. Marker and closing in one write, so no scan ever sees it closed without knowing who ignored it.
  // (an ignored pull request a person reopened already names who ignored it: it is only closed again)
  await deps.host.updatePullRequest(repo, pull.number, next === input.marker ? { state: "closed" } : { body, state: "closed" });
  await deps.host.comment(repo, pull.number, renderBackportIgnored({ login: next.ignoredBy ?? login, branch: pull.branch, deleteBranch: comparison.onlyDriftback }, deps.templates));
  if (comparison.onlyDriftback) await deps.host.deleteBranch(repo, pull.branch);
  deps.logger.info({ pr: pull.number, command, by: login, branchDeleted: comparison.onlyDriftback }, "backport pull request ignored");
  return { status: "ignored", branchDeleted: comparison.onlyDriftback };
}

/** `/driftback incident`: pin the link in the marker (one write), then a scan renders it everywhere. */
async function linkIncident(deps: BackportCommandDeps, input: BackportCommandInput, link: IncidentLink): Promise<BackportCommandOutcome> {
  const next = markerWithIncident(input.marker, link);
  if (next === input.marker) return { status: "unchanged" };
  const body = withMarker(input.pull.body, next);
  if (body === undefined) return { status: "no-marker" };
  await deps.host.updatePullRequest(input.repo, input.pull.number, { body });
  const scan = await deps.requestScan();
  deps.logger.info({ pr: input.pull.number, command: "incident", incident: link.key, source: link.source, by: input.login, scan }, "backport pull request linked to an incident");
  return { status: "linked", scan };
}
