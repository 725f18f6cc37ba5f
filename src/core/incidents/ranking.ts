import { WEIGHTS, type CandidateFacts, type Fact } from "./candidates.js";
import type { EvidenceKind } from "./types.js";

export type FactKind = Exclude<EvidenceKind, "note">;
export const KIND_RANK: Record<EvidenceKind, number> = { exact: 3, strong: 2, weak: 1, note: 0 };

/**
 * Confidence from independent pieces of evidence, by noisy-OR: 1 - Π(1 - wᵢ). Each piece alone
 * could explain the link, so the chance that all of them are wrong multiplies. Weights are clamped
 * to [0, 1], so the result stays in [0, 1], and one more piece never lowers it. Rounded to 3 decimals.
 */
export function confidenceOf(weights: readonly number[]): number {
  let allWrong = 1;
  for (const weight of weights) allWrong *= wrongChance(weight);
  return confidenceFrom(allWrong);
}

/** 1 - w, with w clamped to [0, 1] (NaN counts as no evidence). */
export function wrongChance(weight: number): number {
  return 1 - Math.min(1, Math.max(0, Number.isFinite(weight) ? weight : 0));
}

/** The rounded confidence for a product of wrongChance values (what confidenceOf computes). */
export function confidenceFrom(allWrong: number): number {
  return Math.round((1 - allWrong) * 1000) / 1000;
}

/**
 * A candidate's confidence: the noisy-OR of its weights, held at WEIGHTS.contextCeiling when
 * none of its evidence is about the change itself (the resource's name, timing and service say
 * which incident is near, not that it made this change). `capped` says when the ceiling bit.
 */
export function candidateConfidence(facts: readonly Fact[]): { confidence: number; aboutChange: boolean; capped: boolean } {
  const raw = confidenceOf(facts.map((fact) => fact.weight));
  const aboutChange = facts.some((fact) => fact.change === true);
  if (aboutChange || raw <= WEIGHTS.contextCeiling) return { confidence: raw, aboutChange, capped: false };
  return { confidence: WEIGHTS.contextCeiling, aboutChange, capped: true };
}

export interface Ranked {
  facts: CandidateFacts;
  confidence: number;
  /** Some evidence is about the change itself: only such a candidate can be linked. */
  aboutChange: boolean;
  strongest: FactKind;
  /** How far its opening is from the drift's first sighting, in ms (Infinity when unknown). */
  distance: number;
}

/** Higher confidence, then stronger evidence, then opened closer to the first sighting, then key, then input order. */
export function compareRanked(a: Ranked, b: Ranked): number {
  return (
    b.confidence - a.confidence ||
    KIND_RANK[b.strongest] - KIND_RANK[a.strongest] ||
    (a.distance === b.distance ? 0 : a.distance < b.distance ? -1 : 1) ||
    (a.facts.key < b.facts.key ? -1 : a.facts.key > b.facts.key ? 1 : 0) ||
    (a.facts.id ?? -1) - (b.facts.id ?? -1)
  );
}

export function strongestKind(facts: readonly Fact[]): FactKind {
  let best: FactKind = "weak";
  for (const fact of facts) if (fact.kind !== "note" && KIND_RANK[fact.kind] > KIND_RANK[best]) best = fact.kind;
  return best;
}

/** Inserts into a list kept sorted and at most `size` long (a bounded top-k). */
export function insertTop<T extends Ranked>(list: T[], item: T, size: number): void {
  let at = list.length;
  while (at > 0 && compareRanked(item, list[at - 1]!) < 0) at--;
  if (at >= size) return;
  list.splice(at, 0, item);
  if (list.length > size) list.pop();
}
