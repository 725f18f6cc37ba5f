import { atomsOf, containsWholeToken } from "./text-match.js";
import { timeOf, type Window } from "./time.js";
import type { CorrelationIncident } from "./types.js";

export interface IndexedIncident {
  incident: CorrelationIncident;
  /** Title and text, lower-cased once. */
  lowerText: string;
  lowerKey: string;
  opened: number;
  /** Resolution time; +Infinity while open (then it counts as open until the drift's first sighting). */
  resolved: number;
  lowerService: string | null;
}

export interface OpenDuring {
  id: number;
  /** How long it was open inside the window (skew allowed at its edges), in ms. */
  overlap: number;
}

/**
 * Incidents indexed once per correlation run, so that no drift scans every incident text: a word
 * -> incidents map over titles and texts (a needle is looked up by its rarest word, then checked
 * whole-token in those few texts), a map for keys and URLs, and opening times for window queries.
 */
export class IncidentIndex {
  readonly entries: IndexedIncident[];
  private readonly byWord = new Map<string, number[]>();
  private readonly keysByRarestWord = new Map<string, number[]>();
  private readonly byKeyOrUrl = new Map<string, number[]>();
  private readonly windows = new Map<string, OpenDuring[]>();

  constructor(incidents: readonly CorrelationIncident[]) {
    this.entries = incidents.map((incident) => {
      const resolved = timeOf(incident.resolvedAt, "end");
      return {
        incident,
        lowerText: `${incident.title}\n${incident.text}`.toLowerCase(),
        lowerKey: incident.key.trim().toLowerCase(),
        opened: timeOf(incident.openedAt, "start"),
        resolved: Number.isNaN(resolved) ? Number.POSITIVE_INFINITY : resolved,
        lowerService: incident.service ? incident.service.trim().toLowerCase() : null,
      };
    });
    const keyAtoms = this.entries.map((entry) => atomsOf(entry.lowerKey));
    const keyAtomCount = new Map<string, number>();
    for (const atoms of keyAtoms) for (const atom of atoms) keyAtomCount.set(atom, (keyAtomCount.get(atom) ?? 0) + 1);
    this.entries.forEach((entry, id) => {
      for (const atom of atomsOf(entry.lowerText)) push(this.byWord, atom, id);
      // "INC-123" is filed under "123", the word fewest keys share
      const rarest = rarestOf(keyAtoms[id]!, (atom) => keyAtomCount.get(atom) ?? 0);
      if (rarest !== undefined) push(this.keysByRarestWord, rarest, id);
      push(this.byKeyOrUrl, entry.lowerKey, id);
      if (entry.incident.url.trim()) push(this.byKeyOrUrl, normaliseUrl(entry.incident.url), id);
    });
  }

  /** Incidents whose title or text contains the (lower-cased) needle as a whole token. */
  mentioning(needle: string): number[] {
    const atoms = atomsOf(needle);
    if (atoms.length === 0) return [];
    const rarest = rarestOf(atoms, (atom) => this.byWord.get(atom)?.length ?? 0);
    const candidates = rarest === undefined ? undefined : this.byWord.get(rarest);
    if (!candidates) return [];
    return candidates.filter((id) => containsWholeToken(this.entries[id]!.lowerText, needle));
  }

  /** Incidents a tag value names: its key as a whole token in the value, or the value is its URL. */
  namedIn(value: string): number[] {
    const lower = value.trim().toLowerCase();
    if (!lower) return [];
    const found = new Set(this.byKeyOrUrl.get(normaliseUrl(lower)) ?? []);
    for (const atom of atomsOf(lower)) {
      for (const id of this.keysByRarestWord.get(atom) ?? []) {
        if (containsWholeToken(lower, this.entries[id]!.lowerKey)) found.add(id);
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Incidents with this key (case-insensitive). */
  withKey(key: string): number[] {
    return (this.byKeyOrUrl.get(key.trim().toLowerCase()) ?? []).filter((id) => this.entries[id]!.lowerKey === key.trim().toLowerCase());
  }

  /**
   * Incidents open during the window, each edge of theirs widened by `skewMs` (their clocks are
   * not ours). Still-open ones count as open until the window's end. Cached per window: drift of
   * one workspace and scan shares it.
   */
  openDuring(window: Window, skewMs: number): OpenDuring[] {
    const cacheKey = `${window.start}:${window.end}:${skewMs}`;
    const cached = this.windows.get(cacheKey);
    if (cached) return cached;
    const found: OpenDuring[] = [];
    if (Number.isFinite(window.start) && Number.isFinite(window.end)) {
      this.entries.forEach((entry, id) => {
        if (!(entry.opened - skewMs <= window.end)) return; // also drops an unreadable opening time
        const start = Math.max(entry.opened - skewMs, window.start);
        const end = Math.min(Math.max(entry.resolved, entry.opened) + skewMs, window.end);
        if (end < start) return;
        found.push({ id, overlap: end - start });
      });
    }
    this.windows.set(cacheKey, found);
    return found;
  }
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (list[list.length - 1] !== id) list.push(id);
}

function rarestOf(atoms: readonly string[], count: (atom: string) => number): string | undefined {
  let best: string | undefined;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const atom of atoms) {
    const n = count(atom);
    if (n < bestCount) [best, bestCount] = [atom, n];
  }
  return best;
}

function normaliseUrl(url: string): string {
  return `url:${url.trim().toLowerCase().replace(/\/+$/, "")}`;
}
