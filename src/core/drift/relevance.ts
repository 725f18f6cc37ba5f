import type { JsonValue, PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { deepEqual } from "../render/values.js";

/**
 * The resource_drift entries a reviewer should see: changed outside Terraform in a way that
 * matters to this plan. Normalisation noise (null -> [] / {}) never counts. Where the plan
 * has relevant_attributes (terraform >= 1.2) they decide, as in terraform's own output;
 * older formats fall back to "the same resource also has a planned change".
 */
export function relevantDrift(model: PlanModel): ResourceChange[] {
  return model.resourceDrift.filter((drift) => {
    if (drift.action === "delete") return true;
    if (drift.action !== "update" && drift.action !== "delete-create" && drift.action !== "create-delete") return false;
    if (deepEqual(drift.before, drift.after, true)) return false;
    if (model.refreshOnly) return true;
    if (model.relevantAttributes) {
      return model.relevantAttributes.some(
        (relevant) => relevant.resource === drift.address && !deepEqual(valueAt(drift.before, relevant.attribute), valueAt(drift.after, relevant.attribute), true),
      );
    }
    return model.resourceChanges.some((change) => change.address === drift.address && change.action !== "no-op" && change.action !== "read");
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
