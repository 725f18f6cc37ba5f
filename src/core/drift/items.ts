import type { JsonValue, Marks, PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { formatAttributePath } from "../hcl/address.js";
import { deepEqual, isJsonObject } from "../render/values.js";
import { valueAt } from "./relevance.js";

export type DriftClass = "actionable" | "noise" | "unapplied" | "deleted";
export type DriftTaxonomy = "configuration" | "policy" | "resource";

/** One drifted attribute (or a whole resource, for deletes), classified. */
export interface DriftItem {
  workspace: string;
  address: string;
  moduleAddress?: string;
  resourceType: string;
  path: PathStep[];
  /** `tags.Owner`, `ingress[1].cidr_blocks`; empty for a whole resource. */
  pathText: string;
  /** What state recorded (drift) or what the code says today (unapplied). */
  before: JsonValue;
  /** What is really running (drift) or what apply would make it (unapplied). */
  after: JsonValue;
  sensitive: boolean;
  class: DriftClass;
  taxonomy: DriftTaxonomy;
  /** relevant_attributes names it (or a part of it). */
  relevant: boolean;
  /** The resource's whole recorded and live objects, for codifying. */
  recordedResource: JsonValue;
  liveResource: JsonValue;
}

const POLICY_TYPES = /(iam|security_group|firewall|network_acl|_acl\b|nsg|network_security|rbac|role|policy|permission|access_entry|bucket_public_access)/;

export function taxonomyOf(resourceType: string, path: readonly PathStep[]): DriftTaxonomy {
  if (POLICY_TYPES.test(resourceType)) return "policy";
  return path.length === 0 ? "resource" : "configuration";
}

/** Classifies every attribute of a plan that changed outside Terraform, plus changes no drift explains. Pure. */
export function classifyDrift(model: PlanModel, workspace: string): DriftItem[] {
  const items: DriftItem[] = [];
  const changes = new Map(model.resourceChanges.map((c) => [c.address, c]));
  const drifted = new Map<string, PathStep[][]>();
  for (const drift of model.resourceDrift) {
    if (drift.mode === "data") continue;
    if (drift.action === "delete") {
      items.push(item(workspace, drift, [], drift.before ?? null, null, false, "deleted", true));
      continue;
    }
    if (drift.action !== "update") continue;
    const paths = changedPaths(drift.before ?? null, drift.after ?? null);
    const explains: PathStep[][] = [];
    drifted.set(drift.address, explains);
    for (const path of paths) {
      const before = valueAt(drift.before, path) ?? null;
      const after = valueAt(drift.after, path) ?? null;
      const sensitive = isMarked(drift.beforeSensitive, path) || isMarked(drift.afterSensitive, path);
      const relevant = isRelevant(model, drift.address, path);
      const cls = driftClass(model, changes.get(drift.address), path, before, after);
      if (cls === "actionable") explains.push(path); // only real drift explains a planned change
      items.push(item(workspace, drift, path, before, after, sensitive, cls, relevant));
    }
  }
  for (const change of model.resourceChanges) {
    if (change.mode === "data" || change.action === "no-op" || change.action === "read") continue;
    if (change.action !== "update") {
      items.push(item(workspace, change, [], change.before ?? null, change.after ?? null, false, "unapplied", true));
      continue;
    }
    const explained = drifted.get(change.address) ?? [];
    for (const path of changedPaths(change.before ?? null, change.after ?? null)) {
      if (explained.some((d) => overlaps(d, path))) continue;
      const sensitive = isMarked(change.beforeSensitive, path) || isMarked(change.afterSensitive, path);
      items.push(item(workspace, change, path, valueAt(change.before, path) ?? null, valueAt(change.after, path) ?? null, sensitive, "unapplied", true));
    }
  }
  return items;
}

function driftClass(model: PlanModel, change: ResourceChange | undefined, path: PathStep[], recorded: JsonValue, live: JsonValue): DriftClass {
  if (deepEqual(recorded, live, true)) return "noise"; // null -> [] / {} normalisation
  if (model.refreshOnly) return "actionable"; // no planned changes to compare with: as far as the data goes
  if (!change || change.action === "no-op" || change.action === "read") return "noise";
  // apply would change it back: the planned value is the recorded one, not the live one
  const planned = valueAt(change.after, path);
  const unknown = isMarked(change.afterUnknown, path);
  if (unknown || !deepEqual(planned ?? null, live, true)) return "actionable";
  return "noise";
}

function item(workspace: string, change: ResourceChange, path: PathStep[], before: JsonValue, after: JsonValue, sensitive: boolean, cls: DriftClass, relevant: boolean): DriftItem {
  return {
    workspace,
    address: change.address,
    moduleAddress: change.moduleAddress,
    resourceType: change.type,
    path,
    pathText: formatAttributePath(path),
    before,
    after,
    sensitive,
    class: cls,
    taxonomy: taxonomyOf(change.type, path),
    relevant,
    recordedResource: change.before ?? null,
    liveResource: change.after ?? null,
  };
}

/**
 * Attribute paths that differ: maps and single objects are descended into, lists of objects of
 * the same length element by element; anything else (primitive lists, resized lists) is one item.
 */
export function changedPaths(before: JsonValue, after: JsonValue, prefix: PathStep[] = []): PathStep[][] {
  if (deepEqual(before, after)) return [];
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedPaths(before[key] ?? null, after[key] ?? null, [...prefix, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.every(isJsonObject) && after.every(isJsonObject) && prefix.length > 0) {
    return before.flatMap((element, i) => changedPaths(element, after[i]!, [...prefix, i]));
  }
  return [prefix];
}

function isRelevant(model: PlanModel, address: string, path: PathStep[]): boolean {
  return (model.relevantAttributes ?? []).some((r) => r.resource === address && (overlaps(r.attribute, path)));
}

function overlaps(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}

function isMarked(marks: Marks, path: readonly PathStep[]): boolean {
  let current: Marks = marks;
  for (const step of path) {
    if (current === true) return true;
    if (!current || typeof current !== "object") return false;
    current = (current as Record<string, Marks>)[step as string];
  }
  if (current === true) return true;
  return containsTrue(current);
}

function containsTrue(marks: Marks): boolean {
  if (marks === true) return true;
  if (marks && typeof marks === "object") return Object.values(marks).some(containsTrue);
  return false;
}
