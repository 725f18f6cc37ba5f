import type { JsonValue, PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { deepEqual } from "../render/values.js";

/**
 * The resource_drift entries a reviewer should see: changed outside Terraform in a way that
 * matters to this plan. Normalisation noise (null -> [] / {}) never counts. Where the plan
 * has relevant_attributes (terraform >= 1.2) they decide, as in terraform's own output;
 * older formats fall back to "the same resource also has a planned change".
 */
export function relevantDrift(model: PlanModel): ResourceChange[] {
  // one lookup per drifted resource, not a scan of every planned change (large fleets drift together)
  const changing = new Set(model.resourceChanges.filter((change) => change.action !== "no-op" && change.action !== "read").map((change) => change.address));
  const relevantByResource = model.relevantAttributes && groupBy(model.relevantAttributes, (relevant) => relevant.resource, (relevant) => relevant.attribute);
  return model.resourceDrift.filter((drift) => {
    if (drift.action === "delete") return true;
    if (drift.action !== "update" && drift.action !== "delete-create" && drift.action !== "create-delete") return false;
    if (deepEqual(drift.before, drift.after, true)) return false;
    if (model.refreshOnly) return true;
    if (relevantByResource) {
      return (relevantByResource.get(drift.address) ?? []).some((attribute) => !deepEqual(valueAt(drift.before, attribute), valueAt(drift.after, attribute), true));
    }
    return changing.has(drift.address);
  });
}

export function valueAt(value: JsonValue | undefined, path: readonly PathStep[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const step of path) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, JsonValue>)[step as string];
  }
  return current;
}

function groupBy<T, V>(list: readonly T[], key: (item: T) => string, value: (item: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of list) {
    const group = groups.get(key(item));
    if (group) group.push(value(item));
    else groups.set(key(item), [value(item)]);
  }
  return groups;
}
