import type { ExistingPullRequest } from "./existing.js";
import type { BackportMarker } from "./marker.js";

/**
 * A merged pull request whose drift a successful scan of its workspace then found gone: the
 * merge is done with (reverted and applied, or codified), so that drift coming back is new drift.
 */
export interface ClearedMerge {
  fingerprint: string;
  /** The merged pull request that carried it. */
  pr: number;
}

/** At most this many are remembered (the newest pull requests first): past it, drift that returns waits as merged again. */
export const CLEARED_LIMIT = 400;

export interface ClearContext {
  /** Workspaces this scan planned successfully. */
  scanned: ReadonlySet<string>;
  /** Fingerprints of every real drift this scan found, whether or not a pull request opens for it. */
  drifting: ReadonlySet<string>;
}

/**
 * The merges to remember after this scan. Pure. For each fingerprint the newest pull request that
 * carried it decides: when it is merged and this scan planned its workspace without finding the
 * drift, the merge is cleared. A remembered entry holds while its pull request is still the newest
 * carrying the fingerprint (or none listed carries it); a newer pull request ends it. Without this,
 * a merged revert whose drift comes back at the same live value would wait for its apply forever.
 */
export function clearedMerges(existing: readonly ExistingPullRequest[], remembered: readonly ClearedMerge[], context: ClearContext): ClearedMerge[] {
  const newest = new Map<string, ExistingPullRequest>();
  for (const pr of existing) {
    for (const item of pr.marker?.items ?? []) {
      const known = newest.get(item.fingerprint);
      if (!known || known.number < pr.number) newest.set(item.fingerprint, pr);
    }
  }
  const cleared = new Map<string, number>();
  // the dashboard's list, and what merged pull requests' markers say (the record a run without a dashboard keeps)
  const recorded = existing.flatMap((pr) => (pr.merged ? (pr.marker?.cleared ?? []).map((fingerprint) => ({ fingerprint, pr: pr.number })) : []));
  for (const entry of [...remembered, ...recorded]) {
    const carried = newest.get(entry.fingerprint);
    if (!carried || carried.number === entry.pr) cleared.set(entry.fingerprint, entry.pr);
  }
  for (const [fingerprint, pr] of newest) {
    if (!pr.merged || cleared.get(fingerprint) === pr.number) continue;
    if (context.scanned.has(pr.marker!.workspace) && !context.drifting.has(fingerprint)) cleared.set(fingerprint, pr.number);
  }
  return [...cleared]
    .map(([fingerprint, pr]) => ({ fingerprint, pr }))
    .sort((a, b) => b.pr - a.pr || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0))
    .slice(0, CLEARED_LIMIT);
}

/**
 * The merged pull requests whose marker does not yet list every fingerprint of theirs in `cleared`,
 * with the marker to write: the record lives on the pull request too, so a run without a dashboard
 * (the CLI in a scheduled job) remembers it on its next run. Writing it again changes nothing.
 */
export function clearedMarkers(existing: readonly ExistingPullRequest[], cleared: readonly ClearedMerge[]): { pr: number; marker: BackportMarker }[] {
  const byPr = new Map<number, string[]>();
  for (const entry of cleared) byPr.set(entry.pr, [...(byPr.get(entry.pr) ?? []), entry.fingerprint]);
  const updates: { pr: number; marker: BackportMarker }[] = [];
  for (const pr of existing) {
    const wanted = byPr.get(pr.number);
    if (!pr.merged || !pr.marker || !wanted) continue;
    const carried = new Set(pr.marker.items.map((i) => i.fingerprint));
    const known = new Set(pr.marker.cleared ?? []);
    const missing = wanted.filter((f) => carried.has(f) && !known.has(f));
    if (missing.length > 0) updates.push({ pr: pr.number, marker: { ...pr.marker, cleared: [...known, ...missing].sort() } });
  }
  return updates;
}
