import { IncidentSourceError } from "../adapters/incidents/errors.js";
import { INCIDENT_LINK_SOURCES, parseMarker, type IncidentLinkSource } from "../core/backport/marker.js";
import { followUpMarker, followUpView, groupByIncident, noteStages, type FollowUpStatus, type FollowUpView, type IncidentPullRequests, type LinkedPullRequest } from "../core/incidents/follow-up-view.js";
import { escapeForOneLine } from "../core/printable.js";
import { activeStateKeys, sealOf, type StateKeys } from "../core/state-seal.js";
import type { BackportPullRequest, FollowUpRequest, IncidentSource, Logger, RepoRef } from "../ports.js";
import type { Templates } from "../templates.js";
import type { BackportIncidentLink } from "./backport-drift.js";

export interface IncidentFollowUpDeps {
  /** The configured incident sources (createIncidentSources(config.incidents, ...).sources). */
  sources: readonly IncidentSource[];
  templates: Templates;
  logger: Logger;
}

export interface IncidentFollowUpInput {
  repo: RepoRef;
  /**
   * driftback's pull requests of this repository that link an incident, in every state. The backport step already
   * read them (BackportReport.incidents): passed in, so the follow-up asks GitHub for nothing more.
   */
  pullRequests: readonly LinkedPullRequest[];
}

export type FollowUpOutcome = "created" | "updated" | "unchanged" | "unsupported" | "failed" | "no-source";

export interface IncidentFollowUpReport {
  /** One entry per follow-up written or checked (a PagerDuty incident can have two: its notes). */
  followUps: { source: IncidentLinkSource; key: string; marker: string; outcome: FollowUpOutcome; reason?: string }[];
  /** Comments and notes created or edited. */
  writes: number;
}

/**
 * The follow-up on each incident (issue 9 §4): every incident some backport pull request links gets, per
 * repository, the list of those pull requests and their status. GitHub and Jira: one comment edited in place
 * (its body is deterministic, so a rescan that changes nothing writes nothing). PagerDuty: its notes cannot be
 * edited, so one note when pull requests are open and one when all are merged or closed. incident.io: its API
 * takes no follow-up, said once per scan. A tracker's error is logged with its reason only and retried next
 * scan; nothing here throws.
 */
export async function followUpIncidents(deps: IncidentFollowUpDeps, input: IncidentFollowUpInput): Promise<IncidentFollowUpReport> {
  const repo = `${input.repo.owner}/${input.repo.repo}`;
  const report: IncidentFollowUpReport = { followUps: [], writes: 0 };
  const unsupported = new Map<string, { reason: string; incidents: number }>();
  const sourceless = new Map<string, number>();

  // 1. One group per incident: its pull requests, sorted.
  const groups = groupByIncident(repo, input.pullRequests);

  for (const group of groups) {
    const { key, source: sourceName } = group.incident;
    // 2. The source the link names; a manual link or an unconfigured source has nowhere to write.
    const source = deps.sources.find((s) => s.name === sourceName);
    if (!source) {
      sourceless.set(sourceName, (sourceless.get(sourceName) ?? 0) + 1);
      report.followUps.push({ source: sourceName, key, marker: followUpMarker(repo), outcome: "no-source" });
      continue;
    }

    // 3. The follow-ups this incident calls for: the list (edit), or PagerDuty's notes (append, one per stage).
    for (const request of followUpRequests(group, sourceName, deps.templates)) {
      const entry = await writeFollowUp(source, key, request, deps.logger, repo);
      report.followUps.push({ source: sourceName, key, marker: request.marker, ...entry });
      if (entry.outcome === "created" || entry.outcome === "updated") report.writes++;
      if (entry.outcome === "unsupported") {
        const seen = unsupported.get(sourceName);
        unsupported.set(sourceName, { reason: entry.reason ?? "", incidents: (seen?.incidents ?? 0) + 1 });
      }
    }
  }

  // 4. What could not be written anywhere: once per scan and source, not once per incident.
  for (const [source, { reason, incidents }] of unsupported) deps.logger.info({ repo, source, incidents, reason }, "incident follow-up not written: the tracker takes none");
  for (const [source, incidents] of sourceless) deps.logger.info({ repo, source, incidents }, "incident follow-up not written: no configured incident source for these links");
  return report;
}

/** What to write for one incident. */
export function followUpRequests(group: IncidentPullRequests, source: IncidentLinkSource, templates: Templates, keys: StateKeys = activeStateKeys()): FollowUpRequest[] {
  const view: FollowUpView = followUpView(group);
  if (view.pullRequests.length === 0) return [];
  // sealed per incident: a person cannot type a marker driftback would then edit, or take for its note already written
  const sealed = (marker: string) => {
    const seals = keys.map((key) => sealOf("follow-up", `${source}\n${group.incident.key}\n${marker}`, [key])!);
    return { marker, ...(seals.length > 0 ? { seals } : {}) };
  };
  if (source === "pagerduty") {
    return noteStages(view).map((stage) => ({
      ...sealed(followUpMarker(group.repo, stage)),
      body: stage === "opened" ? templates.incidentNoteOpened(view) : templates.incidentNoteReconciled(view),
      mode: "append" as const,
    }));
  }
  return [{ ...sealed(followUpMarker(group.repo)), body: templates.incidentFollowUp(view), mode: "edit", pullRequests: group.pullRequests.map((pr) => pr.url) }];
}

async function writeFollowUp(source: IncidentSource, key: string, request: FollowUpRequest, logger: Logger, repo: string): Promise<{ outcome: FollowUpOutcome; reason?: string }> {
  try {
    const result = await source.upsertFollowUp(key, request);
    if (result.written) logger.info({ repo, source: source.name, incident: key, outcome: result.outcome }, "incident follow-up written");
    return result.outcome === "unsupported" ? { outcome: "unsupported", reason: result.reason } : { outcome: result.outcome };
  } catch (error) {
    // the reason only: an error's cause can hold a response, and an unknown throw's message anything
    const reason = error instanceof IncidentSourceError ? escapeForOneLine(error.reason) : "the incident source failed unexpectedly";
    logger.warn({ repo, source: source.name, incident: key, reason }, "incident follow-up failed; the next scan tries again");
    return { outcome: "failed", reason };
  }
}

/** A backport pull request's state as the follow-up shows it. */
export function followUpStatus(pr: { state: "open" | "closed"; merged: boolean }): FollowUpStatus {
  return pr.merged ? "merged" : pr.state === "open" ? "open" : "closed";
}

/** driftback's pull requests (as BackportHost.findBackportPullRequests lists them) that link an incident. */
export function linkedFromPullRequests(repo: RepoRef, pullRequests: readonly BackportPullRequest[]): LinkedPullRequest[] {
  return pullRequests.flatMap((pr) => {
    const incident = parseMarker(pr.body)?.incident;
    if (!incident) return [];
    return [{ repo: `${repo.owner}/${repo.repo}`, number: pr.number, url: pr.url, status: followUpStatus(pr), incident: { key: incident.key, source: incident.source, ...(incident.url ? { url: incident.url } : {}) } }];
  });
}

/** BackportReport.incidents (every pull request the backport step saw that links an incident) as the follow-up's input. */
export function linkedFromReport(
  repo: RepoRef,
  links: readonly BackportIncidentLink[],
  pullUrl: (number: number) => string,
): LinkedPullRequest[] {
  return links.flatMap((link) => {
    if (!isLinkSource(link.source)) return [];
    return [{ repo: `${repo.owner}/${repo.repo}`, number: link.pr, url: pullUrl(link.pr), status: link.status, incident: { key: link.key, source: link.source, ...(link.url ? { url: link.url } : {}) } }];
  });
}

function isLinkSource(source: string): source is IncidentLinkSource {
  return (INCIDENT_LINK_SOURCES as readonly string[]).includes(source);
}
