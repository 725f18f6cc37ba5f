import type { PlanModel, ResourceChange } from "../plan/model.js";
import { deepEqual } from "../render/values.js";
import { setsBack, valueAt } from "./evidence.js";
import { changedAttributes } from "./pairing.js";

export { valueAt } from "./evidence.js";

/**
 * The resource_drift entries a reviewer should see: changed outside Terraform in a way that
 * matters to this plan. Normalisation noise (null -> [] / {}) never counts. It matters when
 * relevant_attributes (terraform >= 1.2) names a changed attribute, as in terraform's own
 * output, or when the planned change sets a drifted attribute back (relevant_attributes is null
 * for most real drift, and never names what only the drifted resource itself sets); formats
 * without relevant_attributes keep "the same resource also has a planned change".
 */
export function relevantDrift(model: PlanModel): ResourceChange[] {
  // one lookup per drifted resource, not a scan of every planned change (large fleets drift together)
  const changing = new Map(model.resourceChanges.filter((change) => change.action !== "no-op" && change.action !== "read").map((change) => [change.address, change]));
  const relevantByResource = model.relevantAttributes && groupBy(model.relevantAttributes, (relevant) => relevant.resource, (relevant) => relevant.attribute);
  return model.resourceDrift.filter((drift) => {
    if (drift.action === "delete") return true;
    if (drift.action !== "update" && drift.action !== "delete-create" && drift.action !== "create-delete") return false;
    if (deepEqual(drift.before, drift.after, true)) return false;
    if (model.refreshOnly) return true;
    if (relevantByResource) {
      if ((relevantByResource.get(drift.address) ?? []).some((attribute) => !deepEqual(valueAt(drift.before, attribute), valueAt(drift.after, attribute), true))) return true;
      const change = changing.get(drift.address);
      return change !== undefined && changedAttributes(drift.before ?? null, drift.after ?? null).some(({ path }) => setsBack(change, drift.after, path, valueAt(drift.after, path) ?? null));
    }
    return changing.has(drift.address);
  });
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
