import type { DriftItem } from "../drift/items.js";
import { isSecretItem } from "../drift/report.js";
import { fingerprintOf } from "../drift/track.js";
import type { JsonValue } from "../plan/model.js";
import type { Masker } from "../render/mask.js";
import type { DriftForCorrelation } from "./types.js";

const IDENTITY_KEYS = ["id", "arn", "name"] as const;
const TAG_SOURCES = [
  ["tags", "tag"],
  ["tags_all", "tag"],
  ["labels", "label"],
] as const;
/** A value's parts searched in incident texts; a long list (a whole CIDR table) adds nothing past this. */
const MAX_NEW_VALUES = 20;

export interface DriftWindowFields {
  /** The workspace's last clean scan, ISO (null when none is known). */
  lastClean: string | null;
  /** The drift's first sighting, ISO. */
  firstSeen: string;
}

/**
 * What correlation needs from a drift item: its live identities (`id`, `arn`, `name`), the parts
 * of its new value that were not there before (none when the value is a secret, by the plan's
 * marks or the mask rules), and its live tags and labels. Strings the mask rules call secret are
 * left out everywhere, so they are neither searched for nor shown.
 */
export function driftForCorrelation(item: DriftItem, window: DriftWindowFields, masker: Masker): DriftForCorrelation {
  // a resource deleted outside Terraform has no live object: its recorded one still names it
  const live = isObject(item.liveResource) ? item.liveResource : isObject(item.recordedResource) ? item.recordedResource : {};
  const shareable = (value: string) => !masker.isMaskedValue(value);
  const identities = IDENTITY_KEYS.flatMap((key) => {
    const value = live[key];
    return typeof value === "string" && !masker.isMaskedKey(key) && shareable(value) ? [value] : [];
  });
  const sensitive = isSecretItem(item, masker);
  const recorded = new Set(scalarsOf(item.before));
  const newValues = sensitive ? [] : [...new Set(scalarsOf(item.after))].filter((value) => !recorded.has(value) && shareable(value)).slice(0, MAX_NEW_VALUES);
  const tags: DriftForCorrelation["tags"] = [];
  for (const [attribute, source] of TAG_SOURCES) {
    const map = live[attribute];
    if (!isObject(map)) continue;
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== "string" || masker.isMaskedKey(key) || !shareable(value)) continue;
      if (!tags.some((tag) => tag.key === key && tag.value === value)) tags.push({ source, key, value });
    }
  }
  return {
    fingerprint: fingerprintOf(item),
    workspace: item.workspace,
    address: item.address,
    identities,
    attribute: item.pathText,
    newValues,
    sensitive,
    tags,
    lastClean: window.lastClean,
    firstSeen: window.firstSeen,
  };
}

/** Strings and numbers inside a value (booleans never name anything). */
function scalarsOf(value: JsonValue): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number") return [String(value)];
  if (Array.isArray(value)) return value.flatMap(scalarsOf);
  if (isObject(value)) return Object.values(value).flatMap(scalarsOf);
  return [];
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
