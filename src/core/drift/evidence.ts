import type { JsonValue, Marks, PathStep, ResourceChange } from "../plan/model.js";
import { deepEqual } from "../render/values.js";
import { counterpartPath } from "./pairing.js";

/**
 * What a plan says about one drifted attribute. resource_changes is what apply will do: when its
 * entry sets the attribute to something other than the live value (and not to "known after
 * apply"), the configuration manages that attribute, even where the code never names it (an
 * optional attribute left unset plans "2Gi" -> null, a provider default plans true -> false).
 * relevant_attributes only adds to that: it names attributes something being changed refers to,
 * and is null for most real drift.
 */

const CHANGING = new Set(["update", "delete-create", "create-delete"]);

export interface Planned {
  /** The value apply will set (undefined: the planned object has no counterpart). */
  value: JsonValue | undefined;
  /** after_unknown marks it: apply computes it. */
  unknown: boolean;
}

/** The planned value at the place `path` points at in the live object (set elements paired by content). */
export function plannedAt(change: ResourceChange, liveResource: JsonValue | undefined, path: readonly PathStep[]): Planned {
  const plannedPath = counterpartPath(liveResource, change.after, path);
  if (!plannedPath) return { value: undefined, unknown: false };
  return { value: valueAt(change.after, plannedPath), unknown: isMarked(change.afterUnknown, plannedPath) };
}

/** The planned change puts a known value other than the live one there: apply sets it back. */
export function setsBack(change: ResourceChange | undefined, liveResource: JsonValue | undefined, path: readonly PathStep[], live: JsonValue): boolean {
  return plannedSetsBack(change, change && CHANGING.has(change.action) ? plannedAt(change, liveResource, path) : undefined, live);
}

/** setsBack, for a planned value already looked up. */
export function plannedSetsBack(change: ResourceChange | undefined, planned: Planned | undefined, live: JsonValue): boolean {
  if (!change || !planned || !CHANGING.has(change.action)) return false;
  return !planned.unknown && !deepEqual(planned.value ?? null, live, true);
}

/** relevant_attributes names the attribute, a part of it, or something that holds it. */
export function namedRelevant(attributes: readonly (readonly PathStep[])[] | undefined, path: readonly PathStep[]): boolean {
  return (attributes ?? []).some((attribute) => overlaps(attribute, path));
}

export function overlaps(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}

export function valueAt(value: JsonValue | undefined, path: readonly PathStep[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const step of path) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, JsonValue>)[step as string];
  }
  return current;
}

/** Whether `marks` (after_unknown, *_sensitive) marks the value at `path` or anything in it. */
export function isMarked(marks: Marks, path: readonly PathStep[]): boolean {
  let current: Marks = marks;
  for (const step of path) {
    if (current === true) return true;
    if (!current || typeof current !== "object") return false;
    current = (current as Record<string, Marks>)[step as string];
  }
  return containsTrue(current);
}

function containsTrue(marks: Marks): boolean {
  if (marks === true) return true;
  if (marks && typeof marks === "object") return Object.values(marks).some(containsTrue);
  return false;
}
