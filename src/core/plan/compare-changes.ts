import { changedAttributes } from "../drift/pairing.js";
import { valueAt } from "../drift/evidence.js";
import { formatAttributePath } from "../hcl/address.js";
import { deepEqual } from "../render/values.js";
import type { JsonValue, OutputChange, PathStep, ResourceChange } from "./model.js";

/** Actions that leave a resource as it is. */
export const KEEPS: ReadonlySet<string> = new Set(["no-op", "read", "forget"]);

/**
 * How a plan of edited code differs from the plan of the same commit without the edit, resource
 * by resource: what the edit would do when applied, beyond what was already planned.
 * `new`: a resource the base plan left alone now changes; `action`: the action changed;
 * `attribute`: an attribute now changes, or changes to another value; `gone`: a change the base
 * plan had is no longer planned (drift the edit settles). Names only, never values.
 */
export interface ChangeDifference {
  address: string;
  kind: "new" | "action" | "attribute" | "gone";
  /** The attribute paths concerned, `""` for the whole resource. */
  paths: string[];
}

/**
 * Differences between a base plan and the plan of the edited code. `expected(address, path)` says
 * which changes the edit is meant to remove (the codified drift): their disappearance is not a
 * difference, and their staying is the caller's to report (still changes), not one here either.
 */
export function differencesFromBase(
  base: readonly ResourceChange[],
  edited: readonly ResourceChange[],
  expected: (address: string, path: readonly PathStep[]) => boolean = () => false,
): ChangeDifference[] {
  const before = pending(base, (c) => c.address);
  const after = pending(edited, (c) => c.address);
  const out: ChangeDifference[] = [];
  for (const address of keysOf(before, after)) {
    const b = before.get(address);
    const e = after.get(address);
    if (b && !e) {
      const paths = attributePaths(b).filter((p) => !expected(address, p));
      if (paths.length > 0 || attributePaths(b).length === 0) out.push({ address, kind: "gone", paths: paths.map(formatAttributePath) });
      continue;
    }
    if (!b && e) {
      out.push({ address, kind: "new", paths: attributePaths(e).map(formatAttributePath) });
      continue;
    }
    if (!b || !e) continue;
    if (b.action !== e.action) {
      out.push({ address, kind: "action", paths: [""] });
      continue;
    }
    if (b.action !== "update") {
      // a create or a replacement: what it creates, and what stays unknown until apply, must be the same
      const paths = changedAttributes(b.after ?? null, e.after ?? null, "after").map((c) => c.path);
      const unknown = !deepEqual(b.afterUnknown ?? null, e.afterUnknown ?? null);
      if (paths.length > 0 || unknown) out.push({ address, kind: "attribute", paths: paths.length > 0 ? paths.map(formatAttributePath) : ["(known after apply)"] });
      continue;
    }
    const moved: string[] = [];
    const settled: string[] = [];
    const basePaths = attributePaths(b);
    for (const path of attributePaths(e)) {
      if (expected(address, path)) continue;
      const same = basePaths.some((p) => samePath(p, path)) && sameEnds(b, e, path);
      if (!same) moved.push(formatAttributePath(path));
    }
    for (const path of basePaths) {
      if (expected(address, path)) continue;
      if (!attributePaths(e).some((p) => samePath(p, path))) settled.push(formatAttributePath(path));
    }
    // a value that becomes, or stops being, known only after apply is a change of its own
    if (moved.length === 0 && !deepEqual(b.afterUnknown ?? null, e.afterUnknown ?? null)) moved.push("(known after apply)");
    if (moved.length > 0) out.push({ address, kind: "attribute", paths: moved });
    if (settled.length > 0) out.push({ address, kind: "gone", paths: settled });
  }
  return out;
}

/** Output changes that differ between the base plan and the edited one (names only). */
export function outputDifferences(base: readonly OutputChange[], edited: readonly OutputChange[]): ChangeDifference[] {
  const before = pending(base, (c) => c.name);
  const after = pending(edited, (c) => c.name);
  const out: ChangeDifference[] = [];
  for (const name of keysOf(before, after)) {
    const b = before.get(name);
    const e = after.get(name);
    const same = b && e && b.action === e.action && deepEqual(b.after ?? null, e.after ?? null) && deepEqual(b.afterUnknown ?? null, e.afterUnknown ?? null);
    if (!same) out.push({ address: `output.${name}`, kind: !b ? "new" : !e ? "gone" : "attribute", paths: [] });
  }
  return out;
}

/** One line per difference: `module.a.x.y`: env.DB_TIMEOUT, replicas (new change). */
export function describeDifference(difference: ChangeDifference): string {
  const what = { new: "would now change", action: "would change its planned action", attribute: "would change differently", gone: "would no longer change" }[difference.kind];
  const paths = difference.paths.filter(Boolean);
  return `\`${difference.address}\` ${what}${paths.length > 0 ? ` (${paths.slice(0, 5).join(", ")}${paths.length > 5 ? ", …" : ""})` : ""}`;
}

/** The changes a plan would make (no-op, read and forget left out), by key. */
function pending<T extends { action: string }>(changes: readonly T[], key: (change: T) => string): Map<string, T> {
  return new Map(changes.filter((c) => !KEEPS.has(c.action)).map((c) => [key(c), c]));
}

/** Every key of either plan, sorted. */
function keysOf(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

function attributePaths(change: ResourceChange): PathStep[][] {
  if (change.action !== "update") return [];
  return changedAttributes(change.before ?? null, change.after ?? null, "after").map((c) => c.path);
}

function samePath(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  return a.length === b.length && a.every((step, i) => String(step) === String(b[i]));
}

function sameEnds(b: ResourceChange, e: ResourceChange, path: readonly PathStep[]): boolean {
  const at = (value: JsonValue | undefined) => valueAt(value ?? null, path) ?? null;
  return deepEqual(at(b.before), at(e.before)) && deepEqual(at(b.after), at(e.after));
}
