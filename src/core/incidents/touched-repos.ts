import type { BreakGlassDeclaration } from "./types.js";

/**
 * Which repositories a resolved incident touched, so they are scanned at once (issue 9 §6). Pure: the caller reads
 * each repository's evidence (its config, its dashboard's break-glass declarations, its open backport pull requests'
 * markers) and this decides.
 */

/** What one repository holds about incidents. */
export interface RepoIncidentEvidence {
  /** owner/name */
  repo: string;
  /** The workspaces its config names. */
  workspaces: readonly string[];
  /** Its `incidents.services`: incident service -> workspaces. */
  services: Readonly<Record<string, readonly string[]>>;
  /** Break-glass declarations from its dashboard state (any window, expired or not). */
  breakGlass: readonly { workspace: string; incidentKey: string }[];
  /** Its open backport pull requests and the incident each marker links (undefined: none or not read). */
  openPullRequests: readonly { number: number; incident?: { key: string; url?: string } }[];
}

export type TouchReason =
  | { kind: "break-glass"; workspaces: string[] }
  | { kind: "linked-pull-request"; pullRequests: number[] }
  | { kind: "service"; service: string; workspaces: string[] };

export interface TouchedRepo {
  repo: string;
  reasons: TouchReason[];
}

export interface ResolvedIncidentRef {
  key: string;
  url?: string;
  service?: string;
}

/**
 * The repositories to scan for a resolved incident, each with why, in the order given: break-glass declarations naming
 * it, open backport pull requests whose marker links it, and workspaces its service maps to (only those the repository
 * has). A repository with none of these is left out.
 */
export function reposTouchedBy(incident: ResolvedIncidentRef, repos: readonly RepoIncidentEvidence[]): TouchedRepo[] {
  const touched: TouchedRepo[] = [];
  for (const evidence of repos) {
    const reasons: TouchReason[] = [];
    const declared = unique(evidence.breakGlass.filter((d) => sameIncident(d.incidentKey, incident)).map((d) => d.workspace));
    if (declared.length > 0) reasons.push({ kind: "break-glass", workspaces: declared });
    const linked = unique(evidence.openPullRequests.filter((pr) => pr.incident && (sameIncident(pr.incident.key, incident) || (pr.incident.url !== undefined && sameIncident(pr.incident.url, incident)))).map((pr) => pr.number));
    if (linked.length > 0) reasons.push({ kind: "linked-pull-request", pullRequests: linked.sort((a, b) => a - b) });
    const service = serviceWorkspaces(incident.service, evidence);
    if (service) reasons.push(service);
    if (reasons.length > 0) touched.push({ repo: evidence.repo, reasons });
  }
  return touched;
}

/**
 * The incident's break-glass windows still in force, ended at its resolution (or now, when the tracker gives no time):
 * the same declaration (workspace, incident, start, author) with an earlier end, which the scan records over the old one.
 */
export function windowsEndedBy(incident: Pick<ResolvedIncidentRef, "key" | "url"> & { resolvedAt: string | null }, declarations: readonly BreakGlassDeclaration[], now: number): BreakGlassDeclaration[] {
  const resolvedMs = incident.resolvedAt === null ? now : Math.min(Date.parse(incident.resolvedAt) || now, now);
  return declarations
    .filter((d) => sameIncident(d.incidentKey, incident) && Date.parse(d.until) > resolvedMs)
    .map((d) => ({ ...d, until: new Date(Math.max(Date.parse(d.from), resolvedMs)).toISOString() }));
}

/**
 * True when `reference` (a key or a URL, as a declaration or a marker holds it) names the incident. Keys compare
 * without case and surrounding space (Jira's `inc-7` is `INC-7`); a URL compares without a trailing slash.
 */
export function sameIncident(reference: string, incident: Pick<ResolvedIncidentRef, "key" | "url">): boolean {
  const given = normalize(reference);
  if (given === "") return false;
  return given === normalize(incident.key) || (incident.url !== undefined && given === normalize(incident.url));
}

function serviceWorkspaces(service: string | undefined, evidence: RepoIncidentEvidence): TouchReason | undefined {
  if (!service) return undefined;
  // service names compare without case: trackers and configs spell them differently
  const entry = Object.entries(evidence.services).find(([name]) => name.trim().toLowerCase() === service.trim().toLowerCase());
  if (!entry) return undefined;
  const known = new Set(evidence.workspaces);
  const workspaces = unique(entry[1].filter((w) => known.has(w)));
  return workspaces.length > 0 ? { kind: "service", service: entry[0], workspaces } : undefined;
}

function normalize(text: string): string {
  return text.trim().replace(/\/+$/, "").toLowerCase();
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
