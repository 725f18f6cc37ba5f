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

/**
 * Whether an item must be treated as secret: the plan marks it sensitive, or a mask rule matches
 * its attribute name or its value (secrets a provider does not mark). Never shown, never codified.
 */
export function isSecretItem(item: Pick<DriftItem, "sensitive" | "path" | "before" | "after">, masker: Masker): boolean {
  if (item.sensitive) return true;
  if (item.path.some((step) => typeof step === "string" && masker.isMaskedKey(step))) return true;
  return containsMasked(item.before, masker) || containsMasked(item.after, masker);
}

/** A drift item as it may be shown or printed: values masked when sensitive or matched by mask rules. */
export function publicItem(item: DriftItem, masker: Masker, tier: Parameters<typeof severityOf>[0] = "dev"): PublicDriftItem {
  const hidden = isSecretItem(item, masker);
  const mask = (value: JsonValue): JsonValue => (hidden ? SENSITIVE_PLACEHOLDER : value);
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

/** A value holding a masked value, or a map key the mask rules name, anywhere inside it. */
export function containsMasked(value: JsonValue, masker: Masker): boolean {
  if (typeof value === "string") return masker.isMaskedValue(value);
  if (Array.isArray(value)) return value.some((v) => containsMasked(v, masker));
  if (value && typeof value === "object") return Object.entries(value).some(([k, v]) => masker.isMaskedKey(k) || containsMasked(v, masker));
  return false;
}
