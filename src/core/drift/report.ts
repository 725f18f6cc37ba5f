import type { JsonValue } from "../plan/model.js";
import { SENSITIVE_PLACEHOLDER, type Masker } from "../render/mask.js";
import type { DriftItem } from "./items.js";
import { fingerprintOf, severityOf, type Severity } from "./track.js";

export interface PublicDriftItem {
  workspace: string;
  address: string;
  path: string;
  class: DriftItem["class"];
  taxonomy: DriftItem["taxonomy"];
  severity: Severity;
  sensitive: boolean;
  before: JsonValue;
  after: JsonValue;
  fingerprint: string;
}

/** A drift item as it may be shown or printed: values masked when sensitive or matched by mask rules. */
export function publicItem(item: DriftItem, masker: Masker, tier: Parameters<typeof severityOf>[0] = "dev"): PublicDriftItem {
  const lastKey = [...item.path].reverse().find((step): step is string => typeof step === "string");
  const hidden = item.sensitive || (lastKey !== undefined && item.path.some((s) => typeof s === "string" && masker.isMaskedKey(s)));
  const mask = (value: JsonValue): JsonValue => (hidden || containsMasked(value, masker) ? SENSITIVE_PLACEHOLDER : value);
  return {
    workspace: item.workspace,
    address: item.address,
    path: item.pathText,
    class: item.class,
    taxonomy: item.taxonomy,
    severity: severityOf(tier, item.taxonomy),
    sensitive: item.sensitive,
    before: mask(item.before),
    after: mask(item.after),
    fingerprint: fingerprintOf(item),
  };
}

function containsMasked(value: JsonValue, masker: Masker): boolean {
  if (typeof value === "string") return masker.isMaskedValue(value);
  if (Array.isArray(value)) return value.some((v) => containsMasked(v, masker));
  if (value && typeof value === "object") return Object.entries(value).some(([k, v]) => masker.isMaskedKey(k) || containsMasked(v, masker));
  return false;
}
