import type { IncidentIndex, IndexedIncident } from "./incident-index.js";
import type { Window } from "./time.js";
import type { BreakGlassDeclaration, EvidenceKind } from "./types.js";

/**
 * Evidence weights, combined by noisy-OR (confidenceOf in ranking.ts). Evidence about the change
 * itself (a tag or a break-glass declaration, a person's own statement; the setting, its new value,
 * a change command) each reach the default threshold alone, so an incident that speaks of the
 * change links. Evidence about the context (the resource's name, timing, the service, the region)
 * only ranks: without evidence about the change an incident stays under `contextCeiling`.
 */
export const WEIGHTS = {
  exact: 0.95,
  /** A mention of the resource (context) or of a value shaped like an identifier, anywhere (change). */
  strong: 0.7,
  /** The changed setting named in words of its own (DB_TIMEOUT, "pool size"). */
  setting: 0.6,
  /** The new value next to its setting ("DB_TIMEOUT=60s", "scaled to 6 replicas"): says what changed to what. */
  valueBySetting: 0.8,
  /** The new value next to a word any resource's setting could have (replicas, the timeout, scaled), in an incident that does not point at this resource: context. */
  valueUnplaced: 0.3,
  /** A well-known value in console wording ("Anywhere-IPv4") on a line naming the resource. */
  valueAlias: 0.6,
  /** A change command (kubectl edit, aws ... modify-...) on a line naming the resource. */
  command: 0.6,
  /** A mention by an incident that was not open during the drift window: two of these stay under the default threshold, and none is about this change. */
  strongOutsideWindow: 0.25,
  weakMax: 0.4,
  serviceBonus: 0.15,
  /** The incident's service runs elsewhere: its timing counts half. */
  serviceElsewhere: 0.5,
  /** The text names a configured service that is a word of the resource's name (`api` of api-server). */
  serviceWord: 0.35,
  /** The text names a configured service that runs in the drift's workspace (`api`). */
  serviceNamed: 0.15,
  /** The text names a part of the workspace's name (`eu` of prod-eu). */
  workspaceNamed: 0.1,
  /** The most an incident gets without evidence about the change: under the default threshold. */
  contextCeiling: 0.49,
} as const;

export interface Fact {
  kind: EvidenceKind;
  weight: number;
  /** Evidence about the change itself (a tag, a break-glass, the setting, its new value, a command, in the window). */
  change?: boolean;
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

export type Candidates = Map<number | string, CandidateFacts>;

export function candidate(map: Candidates, mapKey: number | string, id: number | null, key: string): CandidateFacts {
  let entry = map.get(mapKey);
  if (!entry) map.set(mapKey, (entry = { id, key, facts: [] }));
  return entry;
}

export const forIncident = (candidates: Candidates, index: IncidentIndex, id: number) => candidate(candidates, id, id, index.entries[id]!.incident.key);

/** When the incident was open, skew allowed at both ends; a still-open one until the window's end. */
export function openInterval(entry: IndexedIncident, window: Window, skewMs: number): Window {
  const end = Number.isFinite(entry.resolved) ? Math.max(entry.resolved, entry.opened) : Math.max(window.end, entry.opened);
  return { start: entry.opened - skewMs, end: end + skewMs };
}

/** "a", "a and b", "a, b and 2 more". */
export function listed(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, 2).join(", ")} and ${items.length - 2} more`;
}
