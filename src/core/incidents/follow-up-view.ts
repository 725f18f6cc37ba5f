import { createHash } from "node:crypto";
import type { IncidentLinkSource } from "../backport/marker.js";
import type { FollowUpStatus, FollowUpView } from "./follow-up-types.js";

export type { FollowUpStatus, FollowUpView } from "./follow-up-types.js";

/**
 * The follow-up on an incident (issue 9 §4), pure: which backport pull requests each incident has,
 * the view its templates render, and the hidden markers that find the follow-up again. Bodies are
 * deterministic (sorted, no times) so a rescan that changes nothing renders the same text.
 */

/** A backport pull request whose marker links an incident. */
export interface LinkedPullRequest {
  /** owner/name of the pull request's repository. */
  repo: string;
  number: number;
  url: string;
  status: FollowUpStatus;
  incident: { key: string; source: IncidentLinkSource; url?: string };
}

/** One incident's backport pull requests in one repository. */
export interface IncidentPullRequests {
  repo: string;
  incident: { key: string; source: IncidentLinkSource; url?: string };
  pullRequests: { number: number; url: string; status: FollowUpStatus }[];
}

/** PagerDuty notes cannot be edited: one note per stage, each written once. */
export type NoteStage = "opened" | "reconciled";

/**
 * Groups pull requests by incident (source and key), each group's pull requests sorted by number;
 * groups sorted by source then key. A pull request listed twice counts once.
 */
export function groupByIncident(repo: string, linked: readonly LinkedPullRequest[]): IncidentPullRequests[] {
  const groups = new Map<string, IncidentPullRequests>();
  for (const pr of linked) {
    if (pr.repo.toLowerCase() !== repo.toLowerCase()) continue;
    const id = `${pr.incident.source}\n${pr.incident.key}`;
    let group = groups.get(id);
    if (!group) {
      group = { repo, incident: { key: pr.incident.key, source: pr.incident.source, ...(pr.incident.url ? { url: pr.incident.url } : {}) }, pullRequests: [] };
      groups.set(id, group);
    }
    if (!group.incident.url && pr.incident.url) group.incident.url = pr.incident.url;
    if (!group.pullRequests.some((p) => p.number === pr.number)) group.pullRequests.push({ number: pr.number, url: pr.url, status: pr.status });
  }
  const sorted = [...groups.values()].sort((a, b) => compare(a.incident.source, b.incident.source) || compare(a.incident.key, b.incident.key));
  for (const group of sorted) group.pullRequests.sort((a, b) => a.number - b.number);
  return sorted;
}

export function followUpView(group: IncidentPullRequests): FollowUpView {
  const pullRequests = [...group.pullRequests]
    .sort((a, b) => a.number - b.number)
    .map((pr) => ({ ref: `${group.repo}#${pr.number}`, number: pr.number, url: pr.url, status: pr.status, done: pr.status !== "open" }));
  const doneCount = pullRequests.filter((pr) => pr.done).length;
  return {
    repo: group.repo,
    incidentKey: group.incident.key,
    pullRequests,
    openCount: pullRequests.length - doneCount,
    doneCount,
    reconciled: pullRequests.length > 0 && doneCount === pullRequests.length,
  };
}

/**
 * The PagerDuty notes a view calls for: "opened" while any pull request is open, "reconciled" once all are done.
 * Each stage's note is written once (its marker), so an incident gets at most two notes per repository.
 */
export function noteStages(view: FollowUpView): NoteStage[] {
  if (view.pullRequests.length === 0) return [];
  return view.reconciled ? ["reconciled"] : ["opened"];
}

const MARKER_BODY_LIMIT = 100 - "follow-up:".length - ":reconciled".length;

/**
 * The hidden key of one repository's follow-up on an incident: one comment per repository, so two
 * repositories' scans never overwrite each other's list. It ends in a fixed word (`:list`, or the
 * note's stage) so one repository's marker is never a substring of another's (`acme/infra` and
 * `acme/infra2`). The repository is lower-cased (GitHub names are case-insensitive); an over-long
 * name becomes a hash.
 */
export function followUpMarker(repo: string, stage?: NoteStage): string {
  const name = repo.toLowerCase();
  const safe = /^[a-z0-9._/-]+$/.test(name) && name.length <= MARKER_BODY_LIMIT ? name : `h-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
  return `driftback:follow-up:${safe}:${stage ?? "list"}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
