import type { ProbotOctokit } from "probot";
import { OctokitDriftHost } from "../adapters/github/octokit-drift-host.js";
import { IncidentSourceError } from "../adapters/incidents/errors.js";
import { createIncidentSources } from "../adapters/incidents/sources.js";
import { RecentDeliveries } from "../adapters/incidents/webhook.js";
import type { IncidentsConfig } from "../config/schema.js";
import { parseMarker } from "../core/backport/marker.js";
import { readDashboardState } from "../usecases/dashboard-state.js";
import { reposTouchedBy, windowsEndedBy, type RepoIncidentEvidence, type TouchReason } from "../core/incidents/touched-repos.js";
import type { BreakGlassDeclaration } from "../core/incidents/types.js";
import type { Incident, IncidentSource, IncidentSourceName, Logger } from "../ports.js";
import type { ScannableRepo, ScanService } from "./scan-service.js";

type Octokit = InstanceType<typeof ProbotOctokit>;
export interface FoundRepo {
  repo: ScannableRepo;
  octokit: Octokit;
}

export interface IncidentReconcilerOptions {
  scans: Pick<ScanService, "discover" | "start">;
  /** Where API tokens come from (process.env in the app). */
  env: Record<string, string | undefined>;
  log: Logger;
  now: () => number;
  recentDeliveries?: RecentDeliveries;
  /** How long one walk of the installations is reused (incident events come in bursts). Default 10 minutes. */
  discoveryTtlMs?: number;
  /**
   * Webhook-driven reconciles of one incident allowed per hour (default 3). A replayed delivery that got past the replay
   * memory (one process, after a restart) only causes a lookup, which decides nothing by itself; this bounds them.
   */
  maxReconcilesPerIncidentHour?: number;
  /** This App's id: only the dashboard issue it opened holds its break-glass declarations. */
  appId?: number;
}

export type ReconcileOutcome =
  | { kind: "not-configured" }
  | { kind: "not-resolved"; status: "open" | "unknown" }
  | { kind: "lookup-failed"; reason: string }
  | { kind: "reconciled"; incident: Pick<Incident, "key" | "status">; touched: { repo: string; reasons: TouchReason[]; started: boolean }[] };

export interface ReconcileHint {
  /** GitHub: the incident repository's installation (it may differ from the repositories reading it). */
  githubOctokit?: Octokit;
  /** GitHub: the closed issue's labels; only repositories whose `incidents.github.label` is among them count. */
  labels?: readonly string[];
}

/** Open pull requests read per repository to find the ones linking an incident: 10 pages of 100. */
const MAX_PULL_PAGES = 10;

/**
 * Reconcile on resolution (issue 9 §6): an incident a source says is resolved gets the repositories it touched scanned
 * at once (`again`, so a running scan is followed by another). The incident is always fetched again: webhook
 * deliveries arrive out of order, and only the tracker's current word counts.
 */
export class IncidentReconciler {
  private discovered?: { at: number; repos: Promise<FoundRepo[]> };
  private readonly recent: RecentDeliveries;
  private readonly jobs = new Set<Promise<unknown>>();
  /** Per source and incident: when its recent webhook-driven reconciles started (bounded, oldest forgotten first). */
  private readonly recentReconciles = new Map<string, number[]>();

  constructor(private readonly options: IncidentReconcilerOptions) {
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
  }

  /** The installed, configured repositories, walked at most once per TTL (a failed walk is not kept). */
  async repos(): Promise<FoundRepo[]> {
    const now = this.options.now();
    if (!this.discovered || now - this.discovered.at >= (this.options.discoveryTtlMs ?? 10 * 60_000)) {
      const repos = this.options.scans.discover();
      this.discovered = { at: now, repos };
      repos.catch(() => (this.discovered = undefined));
    }
    return this.discovered.repos;
  }

  /** Reconciles in the background (a webhook is answered first); a failure is logged, never thrown. False when the incident's hourly budget is spent. */
  reconcileLater(source: IncidentSourceName, key: string, hint: ReconcileHint = {}): boolean {
    if (!this.withinBudget(source, key)) {
      this.options.log.warn({ source, incident: key }, "incident reconcile skipped: this incident was looked up too often in the last hour (a replay?); the poll or a later event tries again");
      return false;
    }
    const job = this.reconcile(source, key, hint)
      .catch((error: unknown) => this.options.log.error({ source, incident: key, reason: readable(error) }, "incident reconcile failed; the next event or poll tries again"))
      .finally(() => this.jobs.delete(job));
    this.jobs.add(job);
    return true;
  }

  private withinBudget(source: IncidentSourceName, key: string): boolean {
    const now = this.options.now();
    const id = `${source}:${key}`;
    const recent = (this.recentReconciles.get(id) ?? []).filter((at) => now - at < 3_600_000);
    if (recent.length >= (this.options.maxReconcilesPerIncidentHour ?? 3)) {
      this.recentReconciles.set(id, recent);
      return false;
    }
    this.recentReconciles.delete(id); // re-inserted last: the map's order is the eviction order
    this.recentReconciles.set(id, [...recent, now]);
    while (this.recentReconciles.size > 10_000) this.recentReconciles.delete(this.recentReconciles.keys().next().value!);
    return true;
  }

  /** Resolves once every background reconcile has finished (its scans are the scan service's to wait for). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  /** Installations or their repositories changed. */
  forget(): void {
    this.discovered = undefined;
  }

  /**
   * 1. Find the repositories whose config reads incidents from this source (for GitHub: from that repository).
   * 2. Ask the source again, once per distinct source config; stop unless it says resolved.
   * 3. Read each repository's evidence (service map, break-glass declarations, open backport pull requests) and decide.
   * 4. Scan the touched repositories at once.
   */
  async reconcile(source: IncidentSourceName, key: string, hint: ReconcileHint = {}): Promise<ReconcileOutcome> {
    const log = this.options.log;
    // 1.
    const configured = (await this.repos()).filter((found) => readsFrom(found.repo.config.incidents, source, key) && labelled(found.repo.config.incidents, source, hint.labels));
    if (configured.length === 0) {
      log.info({ source, incident: key }, "incident resolved event: no repository reads incidents from this source");
      return { kind: "not-configured" };
    }
    // 2.
    const groups = new Map<string, FoundRepo[]>();
    for (const found of configured) {
      const identity = sourceIdentity(found, source);
      groups.set(identity, [...(groups.get(identity) ?? []), found]);
    }
    const resolved: { incident: Incident; repos: FoundRepo[] }[] = [];
    let last: ReconcileOutcome = { kind: "not-resolved", status: "unknown" };
    for (const repos of groups.values()) {
      const first = repos[0]!;
      const found = await this.lookUp(source, key, first, hint.githubOctokit ?? first.octokit);
      if (found.kind === "resolved") resolved.push({ incident: found.incident, repos });
      else last = found.outcome;
    }
    if (resolved.length === 0) {
      log.info({ source, incident: key, outcome: last.kind }, "incident not reconciled: the source does not say it is resolved");
      return last;
    }
    // 3. and 4.
    const touched: { repo: string; reasons: TouchReason[]; started: boolean }[] = [];
    for (const { incident, repos } of resolved) {
      const evidence = await Promise.all(repos.map((found) => this.evidenceOf(found, incident)));
      for (const decision of reposTouchedBy(incident, evidence)) {
        const index = repos.findIndex((r) => fullName(r) === decision.repo);
        const found = repos[index]!;
        // the incident's windows end with it: the scan records that, so its drift is no longer held back as expected
        const ended = windowsEndedBy(incident, evidence[index]!.breakGlass, this.options.now());
        const started = this.options.scans.start(found.repo, found.octokit, { again: true, ...(ended.length > 0 ? { breakGlass: ended } : {}) });
        touched.push({ ...decision, started });
      }
    }
    const incident = resolved[0]!.incident;
    log.info({ source, incident: incident.key, repos: touched.map((t) => `${t.repo} (${t.reasons.map((r) => r.kind).join(", ")})`) }, "incident resolved: scanning the repositories it touched");
    return { kind: "reconciled", incident: { key: incident.key, status: incident.status }, touched };
  }

  private async lookUp(source: IncidentSourceName, key: string, found: FoundRepo, githubOctokit: Octokit): Promise<{ kind: "resolved"; incident: Incident } | { kind: "skip"; outcome: ReconcileOutcome }> {
    const built = this.sourceFor(found.repo.config.incidents, source, found.repo.target.owner, githubOctokit);
    if (!built.source) {
      this.options.log.warn({ repo: fullName(found), problems: built.problems }, "incident source cannot be read");
      return { kind: "skip", outcome: { kind: "lookup-failed", reason: built.problems.join(" ") } };
    }
    try {
      const incident = await built.source.getIncident(key);
      if (incident?.status === "resolved") return { kind: "resolved", incident };
      return { kind: "skip", outcome: { kind: "not-resolved", status: incident ? incident.status : "unknown" } };
    } catch (error) {
      const reason = error instanceof IncidentSourceError ? error.message : "the incident lookup failed unexpectedly";
      this.options.log.warn({ repo: fullName(found), source, incident: key, reason }, "incident lookup failed; the next event or poll tries again");
      return { kind: "skip", outcome: { kind: "lookup-failed", reason } };
    }
  }

  /** The one source `incidents` configures under that name, with its secrets from the environment, as the operator allows `owner`. */
  sourceFor(incidents: IncidentsConfig, source: IncidentSourceName, owner: string, githubOctokit?: Octokit): { source?: IncidentSource; problems: string[] } {
    const only: IncidentsConfig = { ...incidents, github: undefined, pagerduty: undefined, jira: undefined, incident_io: undefined };
    (only as Record<string, unknown>)[source] = incidents[source];
    const built = createIncidentSources(only, { env: this.options.env, scope: { owner }, recentDeliveries: this.recent, now: this.options.now, ...(githubOctokit ? { githubOctokit } : {}) });
    return { ...(built.sources[0] ? { source: built.sources[0] } : {}), problems: built.problems };
  }

  /**
   * What one repository holds about the incident, cheapest first: its service map (no call), its dashboard's break-glass
   * declarations (one call), and only when neither names the incident its open backport pull requests (one call per
   * 100, at most MAX_PULL_PAGES): a repository already touched needs no more evidence to be scanned.
   */
  private async evidenceOf(found: FoundRepo, incident: Incident): Promise<RepoIncidentEvidence & { breakGlass: readonly BreakGlassDeclaration[] }> {
    const config = found.repo.config;
    const evidence: RepoIncidentEvidence & { breakGlass: readonly BreakGlassDeclaration[] } = {
      repo: fullName(found),
      workspaces: config.workspaces.map((w) => w.name),
      services: config.incidents.services,
      breakGlass: [],
      openPullRequests: [],
    };
    try {
      // `breakGlass`: the dashboard state's audit trail of declarations
      evidence.breakGlass = (await readDashboardState(new OctokitDriftHost(found.octokit, this.options.appId), found.repo.target)).state.breakGlass;
    } catch (error) {
      this.options.log.warn({ repo: evidence.repo, reason: readable(error) }, "dashboard could not be read for break-glass declarations");
    }
    if (reposTouchedBy(incident, [evidence]).length > 0) return evidence;
    try {
      evidence.openPullRequests = await this.openBackportPullRequests(found);
    } catch (error) {
      this.options.log.warn({ repo: evidence.repo, reason: readable(error) }, "open backport pull requests could not be listed");
    }
    return evidence;
  }

  /** Open pull requests from driftback's branches and the incident their marker links (pages of 100, bounded). */
  private async openBackportPullRequests(found: FoundRepo): Promise<RepoIncidentEvidence["openPullRequests"]> {
    const { owner, repo } = found.repo.target;
    const pulls: RepoIncidentEvidence["openPullRequests"][number][] = [];
    for (let page = 1; page <= MAX_PULL_PAGES; page++) {
      const { data } = await found.octokit.rest.pulls.list({ owner, repo, state: "open", per_page: 100, page });
      for (const pull of data) {
        if (!pull.head.ref.startsWith("driftback/")) continue;
        const incident = (parseMarker(pull.body) as { incident?: { key: string; url?: string } } | undefined)?.incident;
        pulls.push({ number: pull.number, ...(incident ? { incident } : {}) });
      }
      if (data.length < 100) break;
    }
    return pulls;
  }
}

/** True when this repository's `incidents` reads from that source (GitHub: from the repository the key names). */
export function readsFrom(incidents: IncidentsConfig, source: IncidentSourceName, key: string): boolean {
  if (source !== "github") return incidents[source] !== undefined;
  const repo = incidents.github?.repo.toLowerCase();
  if (!repo) return false;
  const named = /^([\w.-]+\/[\w.-]+)#\d+$/.exec(key.trim())?.[1] ?? /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/issues\/\d+\/?$/.exec(key.trim())?.[1];
  return named?.toLowerCase() === repo;
}

function labelled(incidents: IncidentsConfig, source: IncidentSourceName, labels: readonly string[] | undefined): boolean {
  if (source !== "github" || labels === undefined) return true;
  const wanted = (incidents.github?.label ?? "incident").toLowerCase();
  return labels.some((label) => label.toLowerCase() === wanted); // GitHub label names are case-insensitive
}

/** Repositories with the same identity share one lookup: the same source config and the same owner (the operator's allowlists are per owner). */
function sourceIdentity(found: FoundRepo, source: IncidentSourceName): string {
  return `${source}:${found.repo.target.owner.toLowerCase()}:${JSON.stringify(found.repo.config.incidents[source] ?? null)}`;
}

function fullName(found: FoundRepo): string {
  return `${found.repo.target.owner}/${found.repo.target.repo}`;
}

function readable(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? `GitHub answered ${status}` : error instanceof Error ? error.name : "unknown error";
}
