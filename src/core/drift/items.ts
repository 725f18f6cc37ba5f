import type { JsonValue, PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { formatAttributePath } from "../hcl/address.js";
import { deepEqual } from "../render/values.js";
import { isMarked, namedRelevant, overlaps, plannedAt, plannedSetsBack, valueAt, type Planned } from "./evidence.js";
import { changedAttributes } from "./pairing.js";
import { isPolicyResourceType, policyAttributeOf } from "../policy/concerns.js";

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
  /**
   * The configuration manages it: the planned change sets it back, or relevant_attributes names
   * it. True even where the code never names the attribute (an optional one left unset, a
   * provider default); that is what lets codify add it.
   */
  managed: boolean;
  /** The resource's whole recorded and live objects, for codifying. */
  recordedResource: JsonValue;
  liveResource: JsonValue;
}

/** Policy: a resource type about who may do what, or an attribute about public access or encryption (the backport policy's reading too). */
export function taxonomyOf(resourceType: string, path: readonly PathStep[]): DriftTaxonomy {
  if (isPolicyResourceType(resourceType) || policyAttributeOf(path)) return "policy";
  return path.length === 0 ? "resource" : "configuration";
}

/** Classifies every attribute of a plan that changed outside Terraform, plus changes no drift explains. Pure. */
export function classifyDrift(model: PlanModel, workspace: string): DriftItem[] {
  const items: DriftItem[] = [];
  const changes = new Map(model.resourceChanges.map((c) => [c.address, c]));
  const relevant = new Map<string, PathStep[][]>();
  for (const r of model.relevantAttributes ?? []) {
    const list = relevant.get(r.resource);
    if (list) list.push(r.attribute);
    else relevant.set(r.resource, [r.attribute]);
  }
  const drifted = new Map<string, PathStep[][]>();
  const deleted = new Set<string>();
  for (const drift of model.resourceDrift) {
    if (drift.mode === "data") continue;
    if (drift.action === "delete") {
      items.push(item(workspace, drift, [], drift.before ?? null, null, false, "deleted", true));
      deleted.add(drift.address);
      continue;
    }
    if (drift.action !== "update") continue;
    const change = changes.get(drift.address);
    const explains: PathStep[][] = [];
    drifted.set(drift.address, explains);
    // paths read on the live side: a set element that moved is still the same element
    for (const changed of changedAttributes(drift.before ?? null, drift.after ?? null, "after")) {
      const { path } = changed;
      const before = valueAt(drift.before, changed.beforePath) ?? null;
      const after = valueAt(drift.after, path) ?? null;
      const sensitive = isMarked(drift.beforeSensitive, changed.beforePath) || isMarked(drift.afterSensitive, path);
      const planned = change && !model.refreshOnly ? plannedAt(change, drift.after, path) : undefined;
      const managed = namedRelevant(relevant.get(drift.address), path) || plannedSetsBack(change, planned, after);
      const echo = isTagsEcho(path, drift.before ?? null, drift.after ?? null);
      const cls = echo ? "noise" : driftClass(model, change, planned, before, after);
      if (cls === "actionable" || echo) explains.push(path); // only real drift (and its tags_all echo) explains a planned change
      items.push(item(workspace, drift, path, before, after, sensitive, cls, managed));
    }
  }
  for (const change of model.resourceChanges) {
    if (change.mode === "data" || change.action === "no-op" || change.action === "read") continue;
    // the re-create of a resource deleted outside Terraform is that deletion's own fix, counted once (as deleted)
    if (change.action === "create" && deleted.has(change.address)) continue;
    if (change.action !== "update") {
      items.push(item(workspace, change, [], change.before ?? null, change.after ?? null, false, "unapplied", true));
      continue;
    }
    const explained = drifted.get(change.address) ?? [];
    // read on the `before` (live) side, like the drift paths above, so the two compare
    for (const changed of changedAttributes(change.before ?? null, change.after ?? null, "before")) {
      const { path } = changed;
      if (explained.some((d) => overlaps(d, path))) continue;
      const sensitive = isMarked(change.beforeSensitive, path) || isMarked(change.afterSensitive, changed.afterPath);
      items.push(item(workspace, change, path, valueAt(change.before, path) ?? null, valueAt(change.after, changed.afterPath) ?? null, sensitive, "unapplied", true));
    }
  }
  return items;
}

/**
 * `tags_all` is the provider's merge of default_tags and `tags`: a key that drifted in `tags` too is
 * the same drift seen twice, so only the `tags` item counts. A key that drifted in `tags_all` alone
 * (a default tag edited in the console) is real drift of its own.
 */
function isTagsEcho(path: readonly PathStep[], recorded: JsonValue, live: JsonValue): boolean {
  if (path[0] !== "tags_all") return false;
  const tagsPath = ["tags", ...path.slice(1)];
  return !deepEqual(valueAt(recorded, tagsPath) ?? null, valueAt(live, tagsPath) ?? null, true) && deepEqual(valueAt(live, tagsPath) ?? null, valueAt(live, path) ?? null, true);
}

/** Real drift is what apply would change back: the planned value is not the live one (or is unknown). */
function driftClass(model: PlanModel, change: ResourceChange | undefined, planned: Planned | undefined, recorded: JsonValue, live: JsonValue): DriftClass {
  if (deepEqual(recorded, live, true)) return "noise"; // null -> [] / {} normalisation
  if (model.refreshOnly) return "actionable"; // no planned changes to compare with: as far as the data goes
  if (!change || !planned || change.action === "no-op" || change.action === "read") return "noise";
  if (planned.unknown || !deepEqual(planned.value ?? null, live, true)) return "actionable";
  return "noise";
}

function item(workspace: string, change: ResourceChange, path: PathStep[], before: JsonValue, after: JsonValue, sensitive: boolean, cls: DriftClass, managed: boolean): DriftItem {
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
    managed,
    recordedResource: change.before ?? null,
    liveResource: change.after ?? null,
  };
}

/** Attribute paths that differ, read on the `after` side (see changedAttributes). */
export function changedPaths(before: JsonValue, after: JsonValue): PathStep[][] {
  return changedAttributes(before, after, "after").map((changed) => changed.path);
}
