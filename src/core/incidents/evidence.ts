import { printable } from "../printable.js";
import type { IncidentIndex, IndexedIncident } from "./incident-index.js";
import { confidenceFrom, insertTop, wrongChance, type Ranked } from "./ranking.js";
import { isMeaningfulNeedle } from "./text-match.js";
import { formatClock, formatEdge, timeOf, touches, type Window } from "./time.js";
import type { BreakGlassDeclaration, DriftForCorrelation, EvidenceKind } from "./types.js";

/**
 * Evidence weights, combined by noisy-OR (confidenceOf in ranking.ts). A tag or a break-glass declaration is a
 * person's own statement (almost certain); a mention of the resource or its new value is strong
 * but can be a coincidence; timing alone is weak and grows with how much of the drift window the
 * incident covers, plus a bonus when its service runs in the workspace.
 */
export const WEIGHTS = {
  exact: 0.95,
  strong: 0.7,
  /** A mention by an incident that was not open during the drift window: two of these stay under the default threshold. */
  strongOutsideWindow: 0.25,
  weakMax: 0.4,
  serviceBonus: 0.15,
  /** The incident's service runs elsewhere: its timing counts half. */
  serviceElsewhere: 0.5,
} as const;

export interface Fact {
  kind: EvidenceKind;
  weight: number;
  /** The sentence, built only for the candidates that are shown. */
  describe: () => string;
}

/** A candidate incident: one of the index, or (id null) only named by a break-glass declaration. */
export interface CandidateFacts {
  id: number | null;
  key: string;
  facts: Fact[];
}

export interface FactContext {
  index: IncidentIndex;
  tagKeys: ReadonlySet<string>;
  /** Lower-cased service -> workspaces. */
  services: ReadonlyMap<string, readonly string[]>;
  breakGlass: readonly BreakGlassDeclaration[];
  skewMs: number;
}

type Candidates = Map<number | string, CandidateFacts>;

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
  addTimingFacts(drift, window, context, candidates, keepWeakOnly);
  return candidates;
}

const forIncident = (candidates: Candidates, index: IncidentIndex, id: number) => candidate(candidates, id, id, index.entries[id]!.incident.key);

/** exact: a tag or label naming the incident (tags_all repeats tags: one fact per incident). */
function addTagFacts(drift: DriftForCorrelation, { index, tagKeys }: FactContext, candidates: Candidates): void {
  for (const tag of drift.tags) {
    if (!tagKeys.has(tag.key.toLowerCase())) continue;
    for (const id of index.namedIn(tag.value)) {
      const entry = forIncident(candidates, index, id);
      if (entry.facts.some((fact) => fact.kind === "exact")) continue;
      entry.facts.push({ kind: "exact", weight: WEIGHTS.exact, describe: () => `${tag.source} ${printable(tag.key, 40)}=${printable(tag.value)} on the resource` });
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
      entry.facts.push({ kind: "exact", weight: WEIGHTS.exact, describe: () => `break-glass for ${printable(entry.key)} by @${printable(declaration.by.replace(/^@/, ""), 40)} until ${until}` });
    }
  }
}

/** strong: the title or text mentions the resource, or the new value (never a sensitive one). */
function addMentionFacts(drift: DriftForCorrelation, window: Window, { index, skewMs }: FactContext, candidates: Candidates): void {
  const resourceNeedles = needlesOf([...drift.identities, drift.address]);
  const named = new Set(resourceNeedles.map((needle) => needle.lower));
  const valueNeedles = drift.sensitive ? [] : needlesOf(drift.newValues).filter((needle) => !named.has(needle.lower));
  for (const [group, needles] of [["resource", resourceNeedles], ["value", valueNeedles]] as const) {
    const mentioned = new Map<number, string[]>();
    for (const needle of needles) {
      for (const id of index.mentioning(needle.lower)) {
        const list = mentioned.get(id);
        if (list) list.push(needle.shown);
        else mentioned.set(id, [needle.shown]);
      }
    }
    for (const [id, shown] of mentioned) {
      const entry = forIncident(candidates, index, id);
      const inWindow = touches(openInterval(index.entries[id]!, window, skewMs), window);
      const what = group === "value" ? `${listed(shown)}, the new value of ${printable(drift.attribute || drift.address)}` : listed(shown);
      entry.facts.push({
        kind: "strong",
        weight: inWindow ? WEIGHTS.strong : WEIGHTS.strongOutsideWindow,
        describe: () => `${printable(entry.key)} mentions ${what}${inWindow ? "" : ", but was not open during the drift window"}`,
      });
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
    insertTop(weakOnly, { facts, confidence, strongest: "weak", distance: Math.abs(window.end - indexed.opened), timing: { indexed, runsIn, weight } }, keepWeakOnly);
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

/** When the incident was open, skew allowed at both ends; a still-open one until the window's end. */
function openInterval(entry: IndexedIncident, window: Window, skewMs: number): Window {
  const end = Number.isFinite(entry.resolved) ? Math.max(entry.resolved, entry.opened) : Math.max(window.end, entry.opened);
  return { start: entry.opened - skewMs, end: end + skewMs };
}

function candidate(map: Candidates, mapKey: number | string, id: number | null, key: string): CandidateFacts {
  let entry = map.get(mapKey);
  if (!entry) map.set(mapKey, (entry = { id, key, facts: [] }));
  return entry;
}

/** Meaningful needles, once each: `lower` for matching, `shown` (original case, printable) for the sentence. */
function needlesOf(values: readonly string[]): { lower: string; shown: string }[] {
  const needles = new Map<string, { lower: string; shown: string }>();
  for (const value of values) {
    if (!isMeaningfulNeedle(value)) continue;
    const lower = value.trim().toLowerCase();
    if (!needles.has(lower)) needles.set(lower, { lower, shown: printable(value.trim(), 80) });
  }
  return [...needles.values()];
}

/** "a", "a and b", "a, b and 2 more". */
function listed(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, 2).join(", ")} and ${items.length - 2} more`;
}
