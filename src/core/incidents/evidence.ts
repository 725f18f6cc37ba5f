import { printable } from "../printable.js";
import { candidate, forIncident, WEIGHTS, type CandidateFacts, type Candidates, type Fact, type FactContext } from "./candidates.js";
import type { IndexedIncident } from "./incident-index.js";
import { addContextFacts, addMentionFacts } from "./mentions.js";
import { confidenceFrom, insertTop, wrongChance, type Ranked } from "./ranking.js";
import { formatClock, formatEdge, timeOf, touches, type Window } from "./time.js";
import type { BreakGlassDeclaration, DriftForCorrelation } from "./types.js";

export { WEIGHTS, type CandidateFacts, type Fact, type FactContext } from "./candidates.js";

/**
 * The evidence for one drift, per candidate incident. Timing alone can make hundreds of candidates
 * (every incident open in the window): of those with nothing else, only the best `keepWeakOnly`
 * get their evidence written out, since no other one can rank among the shown candidates.
 */
export function gatherFacts(drift: DriftForCorrelation, window: Window, context: FactContext, keepWeakOnly: number): Candidates {
  const candidates: Candidates = new Map();
  addTagFacts(drift, context, candidates);
  addBreakGlassFacts(drift, window, context, candidates);
  addMentionFacts(drift, window, context, candidates);
  addContextFacts(drift, context, candidates);
  addTimingFacts(drift, window, context, candidates, keepWeakOnly);
  return candidates;
}

/** exact: a tag or label naming the incident (tags_all repeats tags: one fact per incident). */
function addTagFacts(drift: DriftForCorrelation, { index, tagKeys }: FactContext, candidates: Candidates): void {
  for (const tag of drift.tags) {
    if (!tagKeys.has(tag.key.toLowerCase())) continue;
    for (const id of index.namedIn(tag.value)) {
      const entry = forIncident(candidates, index, id);
      if (entry.facts.some((fact) => fact.kind === "exact")) continue;
      entry.facts.push({ kind: "exact", weight: WEIGHTS.exact, change: true, describe: () => `${tag.source} ${printable(tag.key, 40)}=${printable(tag.value)} on the resource` });
    }
  }
}

/** exact: a break-glass declaration for this workspace whose window meets the drift window. */
function addBreakGlassFacts(drift: DriftForCorrelation, window: Window, { index, breakGlass, skewMs }: FactContext, candidates: Candidates): void {
  const declared = new Set<CandidateFacts>();
  for (const declaration of coveringDeclarations(drift.workspace, window, breakGlass, skewMs)) {
    const ids = index.withKey(declaration.incidentKey);
    const key = declaration.incidentKey.trim();
    const entries = ids.length > 0 ? ids.map((id) => forIncident(candidates, index, id)) : [candidate(candidates, `declared:${key.toLowerCase()}`, null, key)];
    for (const entry of entries) {
      if (declared.has(entry)) continue; // the latest-ending declaration speaks for the incident
      declared.add(entry);
      const until = formatClock(timeOf(declaration.until), window.end);
      entry.facts.push({ kind: "exact", weight: WEIGHTS.exact, change: true, describe: () => `break-glass for ${printable(entry.key)} by @${printable(declaration.by.replace(/^@/, ""), 40)} until ${until}` });
    }
  }
}

/** weak: open during the drift window, by overlap, and by its service's workspaces. */
function addTimingFacts(drift: DriftForCorrelation, window: Window, { index, services, skewMs }: FactContext, candidates: Candidates, keepWeakOnly: number): void {
  const length = window.end - window.start;
  const weakOnly: (Ranked & { timing: Timing })[] = [];
  const bonusWrong = wrongChance(WEIGHTS.serviceBonus);
  index.forEachOpenDuring(window, skewMs, (id, overlap) => {
    const indexed = index.entries[id]!;
    const share = length > 0 ? Math.min(1, overlap / length) : 1;
    const runsIn = indexed.lowerService === null ? undefined : services.get(indexed.lowerService);
    const here = runsIn?.includes(drift.workspace);
    const weight = WEIGHTS.weakMax * share * (runsIn !== undefined && !here ? WEIGHTS.serviceElsewhere : 1);
    const known = candidates.get(id);
    if (known) {
      known.facts.push(...timingFacts({ indexed, runsIn, weight }, drift, window));
      return;
    }
    // the same product confidenceOf([weight, bonus]) computes, without an array per incident
    const confidence = confidenceFrom(wrongChance(weight) * (here ? bonusWrong : 1));
    const worst = weakOnly[keepWeakOnly - 1];
    if (confidence === 0 || (worst && confidence < worst.confidence)) return;
    const facts: CandidateFacts = { id, key: indexed.incident.key, facts: [] };
    insertTop(weakOnly, { facts, confidence, aboutChange: false, strongest: "weak", distance: Math.abs(window.end - indexed.opened), timing: { indexed, runsIn, weight } }, keepWeakOnly);
  });
  for (const { facts, timing } of weakOnly) {
    facts.facts.push(...timingFacts(timing, drift, window));
    candidates.set(facts.id!, facts);
  }
}

interface Timing {
  indexed: IndexedIncident;
  /** The workspaces its service runs in, when the service is mapped. */
  runsIn: readonly string[] | undefined;
  weight: number;
}

/** The timing sentence, and the service bonus or the note that it runs elsewhere. */
function timingFacts({ indexed, runsIn, weight }: Timing, drift: DriftForCorrelation, window: Window): Fact[] {
  const clock = (ms: number) => formatClock(ms, window.end);
  const facts: Fact[] = [
    {
      kind: "weak",
      weight,
      describe: () => {
        const open = Number.isFinite(indexed.resolved) ? `open ${clock(indexed.opened)}–${clock(indexed.resolved)}` : `open since ${clock(indexed.opened)}`;
        const since = drift.lastClean && !Number.isNaN(timeOf(drift.lastClean)) ? `last clean scan ${formatEdge(drift.lastClean, window.start, window.end)}` : `no clean scan known, window from ${clock(window.start)}`;
        return `${open}; drift first seen ${formatEdge(drift.firstSeen, window.end, window.end)} (${since})`;
      },
    },
  ];
  if (runsIn === undefined) return facts;
  const service = () => printable(indexed.incident.service ?? "", 60);
  if (runsIn.includes(drift.workspace)) facts.push({ kind: "weak", weight: WEIGHTS.serviceBonus, describe: () => `service ${service()} runs in workspace ${printable(drift.workspace, 40)}` });
  else facts.push({ kind: "note", weight: 0, describe: () => `service ${service()} runs in ${runsIn.map((w) => printable(w, 40)).join(", ") || "no workspace"}, not ${printable(drift.workspace, 40)}` });
  return facts;
}

/** Declarations for the workspace whose window (skew allowed) meets the drift window, the latest ending first. */
export function coveringDeclarations(workspace: string, window: Window, declarations: readonly BreakGlassDeclaration[], skewMs: number): BreakGlassDeclaration[] {
  return declarations
    .filter((d) => d.workspace === workspace && touches({ start: timeOf(d.from) - skewMs, end: timeOf(d.until) + skewMs }, window))
    .sort((a, b) => timeOf(b.until) - timeOf(a.until) || (a.incidentKey < b.incidentKey ? -1 : a.incidentKey > b.incidentKey ? 1 : 0));
}
