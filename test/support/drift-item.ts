import { parseAttributePath } from "../../src/core/hcl/address.js";
import { taxonomyOf, type DriftItem } from "../../src/core/drift/items.js";
import type { JsonValue } from "../../src/core/plan/model.js";

/** One drift item for table-driven tests: address and attribute path in terraform's notation, the rest derived or defaulted. */
export function driftItem(address: string, pathText: string, fields: Partial<Omit<DriftItem, "address" | "pathText" | "path">> & { before?: JsonValue; after?: JsonValue } = {}): DriftItem {
  const path = pathText ? parseAttributePath(pathText) : [];
  const resourceType = fields.resourceType ?? resourceTypeOf(address);
  return {
    workspace: "prod",
    address,
    resourceType,
    path,
    pathText,
    before: "recorded",
    after: "live",
    sensitive: false,
    class: pathText ? "actionable" : "deleted",
    taxonomy: taxonomyOf(resourceType, path),
    managed: true,
    recordedResource: null,
    liveResource: null,
    ...fields,
  };
}

/** `module.a["x"].aws_instance.web[0]` -> `aws_instance`. */
function resourceTypeOf(address: string): string {
  const parts = address.replace(/\[[^\]]*\]/g, "").split(".");
  return parts[parts.length - 2]!;
}
