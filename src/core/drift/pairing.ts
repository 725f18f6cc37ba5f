import type { JsonValue, PathStep } from "../plan/model.js";
import { deepEqual, isJsonObject, type JsonObject } from "../render/values.js";

/**
 * Nested blocks may be sets (security-group `ingress`): terraform orders a set by its content,
 * so a changed element can move, and index i before is not index i after. Elements of two
 * lists of objects are therefore paired by content: identical ones first, then each remaining
 * one with the element it shares the most attributes with, and, when as many are left on both
 * sides, the leftovers in order. For true lists this pairs the same elements as the index does
 * whenever only values changed in place.
 */

/** For each element of `from`, the index of its counterpart in `to` (undefined: none). */
export function pairElements(from: readonly JsonValue[], to: readonly JsonValue[]): (number | undefined)[] {
  // the common case, fast: equal lengths and at most one element changed in place pair by index
  if (from.length === to.length) {
    if (from.length <= 1) return from.map((_, i) => i);
    let changed = 0;
    for (let i = 0; i < from.length && changed < 2; i++) if (!deepEqual(from[i], to[i])) changed++;
    if (changed < 2) return from.map((_, i) => i);
  }
  const pairs: (number | undefined)[] = from.map(() => undefined);
  const taken = new Set<number>();
  const take = (i: number, j: number) => {
    pairs[i] = j;
    taken.add(j);
  };
  // identical elements: same index first, so equal lists pair straight across
  from.forEach((element, i) => {
    if (i < to.length && deepEqual(element, to[i])) take(i, i);
  });
  from.forEach((element, i) => {
    if (pairs[i] !== undefined) return;
    const j = to.findIndex((other, k) => !taken.has(k) && deepEqual(element, other));
    if (j !== -1) take(i, j);
  });
  // the rest by the most attributes in common; ties go to the nearer index
  const candidates: { i: number; j: number; score: number }[] = [];
  from.forEach((element, i) => {
    if (pairs[i] !== undefined || !isJsonObject(element)) return;
    to.forEach((other, j) => {
      if (taken.has(j) || !isJsonObject(other)) return;
      const score = sharedAttributes(element, other);
      if (score > 0) candidates.push({ i, j, score });
    });
  });
  candidates.sort((a, b) => b.score - a.score || Math.abs(a.i - a.j) - Math.abs(b.i - b.j) || a.i - b.i || a.j - b.j);
  for (const { i, j } of candidates) if (pairs[i] === undefined && !taken.has(j)) take(i, j);
  // as many left on each side: they can only be each other (a value changed beyond recognition)
  const leftFrom = pairs.flatMap((j, i) => (j === undefined && isJsonObject(from[i]) ? [i] : []));
  const leftTo = to.flatMap((other, j) => (taken.has(j) || !isJsonObject(other) ? [] : [j]));
  if (leftFrom.length === leftTo.length) leftFrom.forEach((i, k) => take(i, leftTo[k]!));
  return pairs;
}

function sharedAttributes(a: JsonObject, b: JsonObject): number {
  let shared = 0;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (deepEqual(a[key] ?? null, b[key] ?? null, true)) shared++;
  return shared;
}

/** Lists whose elements are all objects: the lists an index into means "that block". */
export function isObjectList(value: JsonValue | undefined): value is JsonObject[] {
  return Array.isArray(value) && value.every(isJsonObject);
}

/**
 * The path in `to` of what `path` points at in `from`: object keys stay, an index into a list
 * of objects goes to the paired element. Undefined when `to` has no counterpart.
 */
export function counterpartPath(from: JsonValue | undefined, to: JsonValue | undefined, path: readonly PathStep[]): PathStep[] | undefined {
  const out: PathStep[] = [];
  let a = from;
  let b = to;
  for (const step of path) {
    if (typeof step === "number" && isObjectList(a) && isObjectList(b)) {
      const j = pairElements(a, b)[step];
      if (j === undefined) return undefined;
      out.push(j);
      a = a[step];
      b = b[j];
      continue;
    }
    out.push(step);
    a = child(a, step);
    b = child(b, step);
  }
  return out;
}

/** One attribute that differs, with where it sits on each side (set elements may have moved). */
export interface ChangedAttribute {
  /** The path as read on the `indexBy` side. */
  path: PathStep[];
  beforePath: PathStep[];
  afterPath: PathStep[];
}

/**
 * Attribute paths that differ: maps and single objects are descended into; lists of objects of
 * the same length pair by content and are descended into pair by pair; anything else (primitive
 * lists, resized lists, lists only reordered) is one item.
 */
export function changedAttributes(before: JsonValue, after: JsonValue, indexBy: "before" | "after" = "after"): ChangedAttribute[] {
  const out: ChangedAttribute[] = [];
  // beforePath and afterPath are one array until a set element moved
  const extend = (beforePath: PathStep[], afterPath: PathStep[], before: PathStep, after: PathStep): [PathStep[], PathStep[]] => {
    const b = [...beforePath, before];
    return beforePath === afterPath && before === after ? [b, b] : [b, [...afterPath, after]];
  };
  const walk = (b: JsonValue, a: JsonValue, beforePath: PathStep[], afterPath: PathStep[]) => {
    if (deepEqual(b, a)) return;
    if (isJsonObject(b) && isJsonObject(a)) {
      for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) walk(b[key] ?? null, a[key] ?? null, ...extend(beforePath, afterPath, key, key));
      return;
    }
    if (beforePath.length > 0 && isObjectList(b) && isObjectList(a) && b.length === a.length) {
      const pairs = pairElements(b, a);
      const complete = pairs.every((j) => j !== undefined);
      const reorderedOnly = complete && pairs.every((j, i) => deepEqual(b[i], a[j!]));
      if (complete && !reorderedOnly) {
        pairs.forEach((j, i) => walk(b[i]!, a[j!]!, ...extend(beforePath, afterPath, i, j!)));
        return;
      }
    }
    out.push({ path: indexBy === "before" ? beforePath : afterPath, beforePath, afterPath });
  };
  const root: PathStep[] = [];
  walk(before, after, root, root);
  return out;
}

function child(value: JsonValue | undefined, step: PathStep): JsonValue | undefined {
  if (value === null || value === undefined || typeof value !== "object") return undefined;
  return (value as Record<string, JsonValue>)[step as string];
}
