import type { SwitchAction } from "../policy/decide.js";
import type { BackportMarker } from "./marker.js";
import type { DecidedDrift } from "./plan.js";
import { fingerprintOf, valueHashOf } from "../drift/track.js";
import { isSecretItem } from "../drift/report.js";
import type { Masker } from "../render/mask.js";

/** A driftback pull request as GitHub has it now (any state), with what the use case read about its branch. */
export interface ExistingPullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  branch: string;
  /** `parseMarker(body)`: undefined when the body lost it (hand edit) or never had it. */
  marker: BackportMarker | undefined;
  /**
   * How the marker's seal stood: `adopted` (unsigned, from before seals, or sealed with a rotated-out
   * key) makes the next scan write the body again, sealed; `forged` (a seal no key makes) left `marker` undefined.
   */
  seal?: "adopted" | "forged";
  labels: readonly string[];
  /** Closed unmerged: by driftback itself (resolved, superseded) or by a person. Unknown counts as a person. */
  closedBy?: "driftback" | "person";
  /** Open pull requests only: how the branch stands against the base (from a compare). */
  head?: {
    /** Every commit since the base is driftback's: it may rewrite the branch. */
    onlyDriftback: boolean;
    /** The base moved since the branch was made, in a way that matters to it (the use case decides, e.g. files under the workspace changed). */
    baseMoved: boolean;
    /** No commit beyond the base: a rewrite stopped half-way. */
    empty: boolean;
  };
}

/** A `driftback/…` branch, whether or not a pull request uses it. */
export interface ExistingBranch {
  name: string;
  onlyDriftback: boolean;
}

/** Drift a person ignored by closing its pull request unmerged, at the live-value hash it had then. */
export interface IgnoredDrift {
  fingerprint: string;
  valueHash: string;
  /** The pull request whose closing said so. */
  pr: number;
}

/**
 * What people have ignored: for each fingerprint, the newest pull request that carried it decides.
 * Closed unmerged by a person: ignored at the value hash it carried. Open, merged or closed by
 * driftback: not ignored. `remembered` (the dashboard's list) counts only where no newer pull
 * request carried the fingerprint, so closed pull requests need not be listed forever. A ticked
 * "open again" checkbox on the dashboard (`reopen`) lifts an ignore.
 */
export function activeIgnores(existing: readonly ExistingPullRequest[], remembered: readonly IgnoredDrift[], reopen: ReadonlySet<string> = new Set()): Map<string, IgnoredDrift> {
  const newest = new Map<string, { pr: ExistingPullRequest; valueHash: string }>();
  for (const pr of existing) {
    for (const item of pr.marker?.items ?? []) {
      const known = newest.get(item.fingerprint);
      if (!known || known.pr.number < pr.number) newest.set(item.fingerprint, { pr, valueHash: item.valueHash });
    }
  }
  const ignores = new Map<string, IgnoredDrift>();
  for (const entry of remembered) {
    const carried = newest.get(entry.fingerprint);
    if (!carried || carried.pr.number < entry.pr) ignores.set(entry.fingerprint, entry);
  }
  for (const [fingerprint, { pr, valueHash }] of newest) {
    if (ignores.has(fingerprint) && ignores.get(fingerprint)!.pr > pr.number) continue;
    if (pr.state === "closed" && !pr.merged && pr.closedBy !== "driftback") ignores.set(fingerprint, { fingerprint, valueHash, pr: pr.number });
    else ignores.delete(fingerprint);
  }
  for (const fingerprint of reopen) ignores.delete(fingerprint);
  return ignores;
}

/**
 * Splits decided drift into what still gets a pull request and what a person ignored: an ignore
 * holds while the live value is the one it was ignored at; a changed value opens it again.
 */
export function splitIgnored(decided: readonly DecidedDrift[], ignores: ReadonlyMap<string, IgnoredDrift>, masker: Masker): { active: DecidedDrift[]; ignored: (DecidedDrift & { by: IgnoredDrift })[] } {
  const active: DecidedDrift[] = [];
  const ignored: (DecidedDrift & { by: IgnoredDrift })[] = [];
  for (const entry of decided) {
    const by = ignores.get(fingerprintOf(entry.item));
    if (by && by.valueHash === valueHashOf({ after: entry.item.after, sensitive: isSecretItem(entry.item, masker) })) ignored.push({ ...entry, by });
    else active.push(entry);
  }
  return { active, ignored };
}

/** The action a person chose with `/driftback codify|revert`, per fingerprint, from the open pull requests' markers. */
export function switchedActions(existing: readonly ExistingPullRequest[]): Map<string, SwitchAction> {
  const switched = new Map<string, SwitchAction>();
  for (const pr of existing) {
    if (pr.state !== "open" || !pr.marker?.override) continue;
    for (const item of pr.marker.items) switched.set(item.fingerprint, pr.marker.override);
  }
  return switched;
}
