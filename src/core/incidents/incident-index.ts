import { atomsOf, containsWholeToken, forEachAtom, wordsOf, type Word } from "./text-match.js";
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
      forEachAtom(entry.lowerText, (atom) => {
        push(this.byWord, atom, id);
        // `db_timeout` is also filed under db and timeout, so "db timeout" and DB_TIMEOUT find each other
        if (atom.includes("_")) for (const part of atom.split("_")) if (part) push(this.byWord, part, id);
      });
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

  /** Incidents whose title or text has this (lower-cased) word or atom. */
  withWord(word: string): readonly number[] {
    return this.byWord.get(word) ?? [];
  }

  /** The incident's title and text as lower-cased lines with their words, read on first use. */
  linesOf(id: number): readonly IncidentLine[] {
    let lines = this.lines.get(id);
    if (!lines) {
      lines = this.entries[id]!.lowerText.split("\n").map((text) => ({ text, words: wordsOf(text) }));
      this.lines.set(id, lines);
    }
    return lines;
  }

  private readonly lines = new Map<number, IncidentLine[]>();

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
   * Visits the incidents open during the window with how long (ms) they were open inside it, each
   * edge of theirs widened by `skewMs` (their clocks are not ours). Still-open ones count as open
   * until the window's end. Binary searches over the opening times: still-open incidents are a
   * prefix of their list; resolved ones are scanned from the first whose running maximum end
   * reaches the window, so a drift never walks every incident.
   */
  forEachOpenDuring(window: Window, skewMs: number, visit: (id: number, overlap: number) => void): void {
    if (!Number.isFinite(window.start) || !Number.isFinite(window.end)) return;
    const { stillOpen, resolved } = this.timeline();
    const latestOpening = window.end + skewMs;
    for (let at = 0, stop = countAtMost(stillOpen.opened, latestOpening); at < stop; at++) {
      visit(stillOpen.ids[at]!, window.end - Math.max(stillOpen.opened[at]! - skewMs, window.start));
    }
    const earliestEnd = window.start - skewMs;
    for (let at = firstReaching(resolved.maxEnd, earliestEnd), stop = countAtMost(resolved.opened, latestOpening); at < stop; at++) {
      const end = resolved.end[at]!;
      if (end >= earliestEnd) visit(resolved.ids[at]!, Math.min(end + skewMs, window.end) - Math.max(resolved.opened[at]! - skewMs, window.start));
    }
  }

  private sorted?: { stillOpen: Timeline; resolved: Timeline };

  /** Opening times sorted once (on first use): still-open and resolved incidents apart. */
  private timeline(): { stillOpen: Timeline; resolved: Timeline } {
    if (this.sorted) return this.sorted;
    const readable = this.entries.map((entry, id) => ({ entry, id })).filter(({ entry }) => !Number.isNaN(entry.opened));
    readable.sort((a, b) => a.entry.opened - b.entry.opened || a.id - b.id);
    const build = (list: typeof readable): Timeline => {
      const end = Float64Array.from(list, ({ entry }) => Math.max(entry.resolved, entry.opened));
      const maxEnd = new Float64Array(end.length);
      end.forEach((value, at) => (maxEnd[at] = Math.max(value, at > 0 ? maxEnd[at - 1]! : Number.NEGATIVE_INFINITY)));
      return { ids: Int32Array.from(list, ({ id }) => id), opened: Float64Array.from(list, ({ entry }) => entry.opened), end, maxEnd };
    };
    this.sorted = {
      stillOpen: build(readable.filter(({ entry }) => !Number.isFinite(entry.resolved))),
      resolved: build(readable.filter(({ entry }) => Number.isFinite(entry.resolved))),
    };
    return this.sorted;
  }
}

export interface IncidentLine {
  text: string;
  words: Word[];
}

interface Timeline {
  ids: Int32Array;
  opened: Float64Array;
  end: Float64Array;
  /** Running maximum of `end`: non-decreasing, so it can be searched. */
  maxEnd: Float64Array;
}

/** How many of the sorted values are <= limit. */
function countAtMost(sorted: Float64Array, limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose value is >= limit (the length when none). */
function firstReaching(sorted: Float64Array, limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
