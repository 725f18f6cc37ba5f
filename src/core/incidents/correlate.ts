import { printable } from "../printable.js";
import { gatherFacts, type Fact } from "./evidence.js";
import { IncidentIndex } from "./incident-index.js";
import { WEIGHTS } from "./candidates.js";
import { candidateConfidence, compareRanked, KIND_RANK, strongestKind, type Ranked } from "./ranking.js";
import { driftWindow, HOUR_MS, MINUTE_MS } from "./time.js";
import type { Correlation, CorrelationIncident, CorrelationOptions, DriftForCorrelation, Evidence, IncidentCandidate } from "./types.js";

export { candidateConfidence, confidenceOf } from "./ranking.js";

export const DEFAULT_TAG_KEYS = ["incident", "ticket", "change"] as const;
export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_SKEW_MS = 5 * MINUTE_MS;
export const DEFAULT_LOOKBACK_MS = 24 * HOUR_MS;
/** Runners-up listed next to the linked incident. */
export const RUNNERS_UP = 3;

/**
 * Finds the incident behind each drift. Incidents are indexed once (words of titles and texts,
 * keys, opening times), so each drift only looks up its own identifiers. Every candidate gets a
 * confidence from its evidence (see candidateConfidence and WEIGHTS); the best is linked when it
 * is at or above the threshold and some of its evidence is about the change itself (a tag, a
 * break-glass, the setting, its new value, a change command): the resource's name, timing and
 * service alone keep an incident a runner-up, whatever the threshold. The next three are listed.
 * Ties go to the stronger evidence kind, then to the incident opened closest to the first
 * sighting, then to the key, and the evidence says so.
 */
export function correlate(drifts: readonly DriftForCorrelation[], incidents: readonly CorrelationIncident[], options: CorrelationOptions = {}): Correlation[] {
  const index = new IncidentIndex(incidents);
  const context = {
    index,
    tagKeys: new Set((options.tagKeys ?? DEFAULT_TAG_KEYS).map((key) => key.toLowerCase())),
    services: new Map(Object.entries(options.services ?? {}).map(([service, workspaces]) => [service.trim().toLowerCase(), workspaces])),
    breakGlass: options.breakGlass ?? [],
    skewMs: options.skewMs ?? DEFAULT_SKEW_MS,
  };
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;

  return drifts.map((drift) => {
    const window = driftWindow(drift.lastClean, drift.firstSeen, lookbackMs);
    const ranked = [...gatherFacts(drift, window, context, 1 + RUNNERS_UP).values()]
      .map((facts): Ranked & { capped: boolean } => {
        const opened = facts.id === null ? Number.NaN : index.entries[facts.id]!.opened;
        return {
          facts,
          ...candidateConfidence(facts.facts),
          strongest: strongestKind(facts.facts),
          distance: Number.isNaN(opened) ? Number.POSITIVE_INFINITY : Math.abs(window.end - opened),
        };
      })
      .filter((candidate) => candidate.confidence > 0)
      .sort(compareRanked);
    const best = ranked[0];
    const linked = best && best.aboutChange && best.confidence >= threshold ? best : undefined;
    const others = ranked.slice(linked ? 1 : 0, (linked ? 1 : 0) + RUNNERS_UP);
    const incident = linked ? toCandidate(linked, index, tieNote(linked, ranked[1])) : null;
    return { fingerprint: drift.fingerprint, incident, candidates: others.map((candidate) => toCandidate(candidate, index, candidate.capped ? HELD_NOTE : undefined)) };
  });
}

/** Why a runner-up whose evidence adds up to more (the resource's name, timing, service) is held at the ceiling. */
const HELD_NOTE: Fact = {
  kind: "note",
  weight: 0,
  describe: () => `no evidence about the change itself (its setting, its new value where it names the setting or the resource, a tag, a break-glass or a change command): at most ${WEIGHTS.contextCeiling} and not linked`,
};

/** Says why the linked incident won when the next one has the same confidence. */
function tieNote(winner: Ranked, next: Ranked | undefined): Fact | undefined {
  if (!next || next.confidence !== winner.confidence) return undefined;
  const tied = `tied with ${printable(next.facts.key)} at ${winner.confidence}`;
  let why: string;
  if (winner.strongest !== next.strongest) why = `chosen for its stronger evidence (${winner.strongest} over ${next.strongest})`;
  else if (winner.distance !== next.distance) why = "chosen as it opened closer to the drift's first sighting";
  else if (winner.facts.key !== next.facts.key) why = "chosen by key order";
  else why = "chosen by the order the incident sources listed them";
  return { kind: "note", weight: 0, describe: () => `${tied}: ${why}` };
}

function toCandidate(ranked: Ranked, index: IncidentIndex, note?: Fact): IncidentCandidate {
  const incident = ranked.facts.id === null ? undefined : index.entries[ranked.facts.id]!.incident;
  const facts = [...ranked.facts.facts].sort((a, b) => KIND_RANK[b.kind] - KIND_RANK[a.kind]);
  if (note) facts.push(note);
  const evidence: Evidence[] = facts.map((fact) => ({ kind: fact.kind, weight: Math.round(fact.weight * 1000) / 1000, text: fact.describe() }));
  return {
    key: ranked.facts.key,
    title: incident ? incident.title : null,
    url: incident ? incident.url : null,
    confidence: ranked.confidence,
    strongest: ranked.strongest,
    evidence,
  };
}
