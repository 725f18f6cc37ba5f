import { IncidentSourceError } from "../adapters/incidents/errors.js";
import type { ExistingPullRequest, IncidentLink, PlanIncident, PlanIncidents, PlannedDrift } from "../core/backport/index.js";
import type { DriftItem } from "../core/drift/items.js";
import { fingerprintOf } from "../core/drift/track.js";
import { correlate, DEFAULT_LOOKBACK_MS, DEFAULT_SKEW_MS, driftForCorrelation, RUNNERS_UP, type Correlation, type CorrelationOptions, type Evidence, type IncidentCandidate } from "../core/incidents/index.js";
import { escapeForOneLine } from "../core/printable.js";
import type { Masker } from "../core/render/mask.js";
import type { Incident, IncidentSource, Logger } from "../ports.js";

/** What backportDrift gets for incidents (BackportInput.incidents). */
export interface IncidentsInput {
  sources: readonly IncidentSource[];
  options: CorrelationOptions;
  /** Workspace -> ISO time of its last clean scan. */
  lastClean: ReadonlyMap<string, string>;
  /** ISO: the scan's time. */
  now: string;
}

/** One scan's incident lookup: every source asked once, every drift correlated once. */
export interface IncidentLookup {
  /** Key -> incident, from every source that answered. */
  incidents: ReadonlyMap<string, Incident>;
  /** Fingerprint -> correlation (only drift that was correlated). */
  correlations: ReadonlyMap<string, Correlation>;
  /** "<source>: <reason>" per source that failed (never a token). */
  failures: string[];
  /** The window asked for. */
  window: { since: string; until: string } | null;
}

/** What the marker holds (src/core/backport/marker.ts). */
const MAX_LINK_KEY = 500;
const MAX_LINK_URL = 2000;

export const NO_LOOKUP: IncidentLookup = { incidents: new Map(), correlations: new Map(), failures: [], window: null };

/**
 * Lists incidents in the drift window from every source, once per scan, and correlates every drift.
 * The window runs from the earliest last clean scan of the drifting workspaces (or the lookback,
 * 24 h by default, before `now` when one is unknown) to `now`. A source that fails leaves its
 * reason and the others go on. The first sighting of a drift is `now`, or the end of the day the
 * dashboard first saw it when that is earlier.
 */
export async function lookUpIncidents(
  input: IncidentsInput | undefined,
  items: readonly DriftItem[],
  ctx: { masker: Masker; logger: Logger; firstSeen: ReadonlyMap<string, string> },
  options: { pinned?: readonly IncidentLink[] } = {},
): Promise<IncidentLookup> {
  if (!input || items.length === 0) return NO_LOOKUP;
  const nowMs = Date.parse(input.now);
  if (Number.isNaN(nowMs)) throw new Error(`lookUpIncidents: now is not a time: ${input.now}`);
  const firstSeenOf = (fingerprint: string) => firstSighting(ctx.firstSeen.get(fingerprint), input.now, nowMs);

  // 1. The window: earliest last clean scan (or the lookback) -> now, widened by the allowed clock skew.
  const lookback = input.options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  const skew = input.options.skewMs ?? DEFAULT_SKEW_MS;
  const starts = [...new Set(items.map((i) => i.workspace))].map((w) => {
    const known = Date.parse(input.lastClean.get(w) ?? "");
    return Number.isNaN(known) ? nowMs - lookback : Math.min(known, nowMs);
  });
  const since = new Date(Math.min(...starts) - skew);
  const until = new Date(nowMs + skew);

  // 2. Every source once, side by side; a failure is a line, never a stop.
  const failures: string[] = [];
  const incidents = new Map<string, Incident>();
  const answers = await Promise.allSettled(input.sources.map((source) => source.listIncidents({ since, until })));
  answers.forEach((answer, at) => {
    const source = input.sources[at]!;
    if (answer.status === "fulfilled") {
      for (const incident of answer.value) if (!incidents.has(incident.key)) incidents.set(incident.key, incident);
      return;
    }
    const reason = reasonOf(answer.reason, ctx.masker);
    failures.push(`${source.name}: ${reason}`);
    ctx.logger.warn({ source: source.name, reason }, "incident lookup failed; the next scan tries again");
  });

  // 3. Pinned incidents the window did not list: fetched by key, for their title and status.
  const sourceOf = new Map(input.sources.map((source) => [source.name as string, source]));
  await Promise.all(
    (options.pinned ?? [])
      .filter((link) => !incidents.has(link.key) && sourceOf.has(link.source))
      .map(async (link) => {
        try {
          const incident = await sourceOf.get(link.source)!.getIncident(link.key);
          if (incident) incidents.set(link.key, incident);
        } catch (error) {
          const reason = reasonOf(error, ctx.masker);
          if (!failures.includes(`${link.source}: ${reason}`)) failures.push(`${link.source}: ${reason}`);
        }
      }),
  );

  // 4. Correlate every drift against all of them.
  const drifts = items.map((item) => driftForCorrelation(item, { lastClean: input.lastClean.get(item.workspace) ?? null, firstSeen: firstSeenOf(fingerprintOf(item)) }, ctx.masker));
  const correlations = new Map(correlate(drifts, [...incidents.values()], input.options).map((c) => [c.fingerprint, c]));
  return { incidents, correlations, failures, window: { since: since.toISOString(), until: until.toISOString() } };
}

/**
 * Which incident each pull request links (issue 9 §2–3): a person's pinned link on the open pull
 * request of that key (or of that drift) wins; else the best correlated incident among its drift;
 * else, when the lookup failed, the link its marker had (nothing is lost); else none.
 */
export function planIncidents(lookup: IncidentLookup, existing: readonly ExistingPullRequest[]): PlanIncidents {
  const open = existing.filter((pr) => pr.state === "open" && pr.marker);
  const byKey = new Map(open.map((pr) => [pr.marker!.key, pr.marker!]));
  const byFingerprint = new Map(open.flatMap((pr) => pr.marker!.items.map((i) => [i.fingerprint, pr.marker!] as const)));
  const failed = lookup.failures.length > 0;

  const linkOf = (candidate: IncidentCandidate): IncidentLink => {
    const incident = lookup.incidents.get(candidate.key);
    const url = candidate.url ?? incident?.url;
    return { key: candidate.key, source: incident?.source ?? "manual", ...(url && url.length <= MAX_LINK_URL ? { url } : {}) };
  };
  /** The incident one drift is linked to, and how. */
  const assigned = (fingerprint: string): { link: IncidentLink; candidate?: IncidentCandidate; kept?: boolean } | undefined => {
    const marker = byFingerprint.get(fingerprint);
    if (marker?.incident?.pinned) return { link: marker.incident };
    const best = lookup.correlations.get(fingerprint)?.incident;
    // a key the marker could not hold would make the pull request unreadable to the next scan
    if (best && best.key.length <= MAX_LINK_KEY) return { link: linkOf(best), candidate: best };
    if (failed && marker?.incident) return { link: marker.incident, kept: true };
    return undefined;
  };

  return {
    groupOf: (fingerprint) => assigned(fingerprint)?.link.key,
    forPlan: (key, items) => {
      const pinned = byKey.get(key)?.incident;
      const all = items.map((i) => assigned(i.fingerprint)).filter((a) => a !== undefined);
      const chosen = pinned?.pinned ? { link: pinned } : (all.find((a) => a.link.pinned) ?? best(all) ?? all.find((a) => a.kept));
      const candidates = runnersUp(items, lookup, chosen?.link.key);
      if (!chosen && candidates.length === 0 && lookup.failures.length === 0 && !lookup.window) return undefined;
      const incident = chosen ? lookup.incidents.get(chosen.link.key) : undefined;
      const linked: PlanIncident["linked"] = chosen
        ? {
            link: chosen.link,
            ...(incident ? { title: incident.title, status: incident.status } : {}),
            ...("candidate" in chosen && chosen.candidate ? { confidence: chosen.candidate.confidence, evidence: chosen.candidate.evidence.map(weighed) } : { evidence: [] }),
            ...("kept" in chosen && chosen.kept ? { kept: true } : {}),
          }
        : null;
      return { linked, candidates, failures: lookup.failures };
    },
  };
}

/** The correlated assignment with the highest confidence (ties: key order, so the choice is stable). */
function best<T extends { link: IncidentLink; candidate?: IncidentCandidate }>(all: readonly T[]): T | undefined {
  let winner: T | undefined;
  for (const a of all) {
    if (!a.candidate) continue;
    if (!winner || a.candidate.confidence > winner.candidate!.confidence || (a.candidate.confidence === winner.candidate!.confidence && a.link.key < winner.link.key)) winner = a;
  }
  return winner;
}

/** Every other incident any of the drift pointed to, best confidence per key, best first. */
function runnersUp(items: readonly PlannedDrift[], lookup: IncidentLookup, linkedKey: string | undefined): PlanIncident["candidates"] {
  const seen = new Map<string, IncidentCandidate>();
  for (const { fingerprint } of items) {
    const correlation = lookup.correlations.get(fingerprint);
    if (!correlation) continue;
    for (const candidate of [...(correlation.incident ? [correlation.incident] : []), ...correlation.candidates]) {
      if (candidate.key === linkedKey) continue;
      const known = seen.get(candidate.key);
      if (!known || candidate.confidence > known.confidence) seen.set(candidate.key, candidate);
    }
  }
  return [...seen.values()]
    .sort((a, b) => b.confidence - a.confidence || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, RUNNERS_UP)
    .map((c) => ({ key: c.key, confidence: c.confidence, ...(c.title ? { title: c.title } : {}), ...(c.url ? { url: c.url } : {}), evidence: c.evidence.map(weighed) }));
}

/** An evidence sentence with its share of the confidence, so a reader can weigh the link (notes carry none). */
function weighed(evidence: Evidence): string {
  return evidence.kind === "note" || evidence.weight === 0 ? evidence.text : `${evidence.text} (weight ${evidence.weight.toFixed(2)})`;
}

/** A day the dashboard first saw a drift means its end (never later than now); no day: now. */
function firstSighting(day: string | undefined, now: string, nowMs: number): string {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return now;
  const end = Date.parse(`${day}T23:59:59.999Z`);
  return Number.isNaN(end) || end >= nowMs ? now : new Date(end).toISOString();
}

/** A source's own sentence, or a generic one for anything else (an unknown error's message might hold anything). */
function reasonOf(error: unknown, masker: Masker): string {
  if (error instanceof IncidentSourceError) return escapeForOneLine(masker.scrubText(error.reason));
  return "the incident source failed unexpectedly (see the app's log)";
}

/** A pull request carrying an incident (BackportReport.incidents). */
export interface LinkedPullRequest {
  pr: number;
  key: string;
  source: string;
  url?: string;
  title?: string;
  status: "open" | "merged" | "closed";
}

type DriftStatus = { status: string; pr?: number };

/**
 * Every pull request this scan saw that carries an incident: the ones it opened or kept (with the
 * link it gave them) and the others driftback has (with their marker's link), one entry per number.
 */
export function linkedPullRequests(
  plans: readonly { items: readonly { fingerprint: string }[]; incident?: PlanIncident }[],
  report: { drift: Record<string, DriftStatus> },
  existing: readonly ExistingPullRequest[],
  lookup: IncidentLookup,
): LinkedPullRequest[] {
  const byNumber = new Map<number, LinkedPullRequest>();
  const add = (pr: number, link: IncidentLink, status: LinkedPullRequest["status"]) => {
    if (byNumber.has(pr)) return;
    const incident = lookup.incidents.get(link.key);
    byNumber.set(pr, { pr, key: link.key, source: link.source, ...(link.url ? { url: link.url } : {}), ...(incident ? { title: incident.title } : {}), status });
  };
  for (const plan of plans) {
    const link = plan.incident?.linked?.link;
    if (!link) continue;
    for (const { fingerprint } of plan.items) {
      const drift = report.drift[fingerprint];
      if (drift?.pr === undefined) continue;
      if (drift.status === "open" || drift.status === "merged") add(drift.pr, link, drift.status);
      else if (drift.status === "ignored") add(drift.pr, link, "closed");
    }
  }
  for (const pr of existing) if (pr.marker?.incident) add(pr.number, pr.marker.incident, pr.merged ? "merged" : pr.state === "open" ? "open" : "closed");
  return [...byNumber.values()].sort((a, b) => a.pr - b.pr);
}
