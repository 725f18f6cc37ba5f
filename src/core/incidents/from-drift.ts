import type { DriftItem } from "../drift/items.js";
import { isSecretItem } from "../drift/report.js";
import { fingerprintOf } from "../drift/track.js";
import type { JsonValue, PathStep } from "../plan/model.js";
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
 * What correlation needs from a drift item: its live identities (`id`, `arn`, `name`, a Kubernetes
 * `metadata[0].name`), another name of the changed setting (an env entry's `name`), the parts
 * of its new value that were not there before (none when the value is a secret, by the plan's
 * marks or the mask rules), and its live tags and labels. Strings the mask rules call secret are
 * left out everywhere, so they are neither searched for nor shown.
 */
export function driftForCorrelation(item: DriftItem, window: DriftWindowFields, masker: Masker): DriftForCorrelation {
  // a resource deleted outside Terraform has no live object: its recorded one still names it
  const live = isObject(item.liveResource) ? item.liveResource : isObject(item.recordedResource) ? item.recordedResource : {};
  const shareable = (value: string) => !masker.isMaskedValue(value);
  const identities = [...IDENTITY_KEYS.map((key) => [key, live[key]] as const), ["name", kubernetesName(live)] as const].flatMap(([key, value]) =>
    typeof value === "string" && !masker.isMaskedKey(key) && shareable(value) ? [value] : [],
  );
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
  const settingName = entryName(live, item.path);
  return {
    fingerprint: fingerprintOf(item),
    workspace: item.workspace,
    address: item.address,
    identities: [...new Set(identities)],
    attribute: item.pathText,
    ...(settingName && !masker.isMaskedKey(settingName) ? { settingNames: [settingName] } : {}),
    newValues,
    sensitive,
    tags,
    lastClean: window.lastClean,
    firstSeen: window.firstSeen,
  };
}

/** A Kubernetes object's `metadata[0].name` (kubernetes_deployment and friends keep their name there). */
function kubernetesName(live: { [key: string]: JsonValue }): JsonValue | undefined {
  const metadata = live.metadata;
  const first = Array.isArray(metadata) ? metadata[0] : metadata;
  return isObject(first) ? first.name : undefined;
}

/**
 * The name of a list entry whose `value` changed: `env[1].value` of a container is the setting
 * its `name` says (DB_TIMEOUT), not "value".
 */
function entryName(live: { [key: string]: JsonValue }, path: readonly PathStep[]): string | undefined {
  if (path.length < 2 || path[path.length - 1] !== "value") return undefined;
  let at: JsonValue | undefined = live;
  for (const step of path.slice(0, -1)) {
    if (typeof step === "number") at = Array.isArray(at) ? at[step] : undefined;
    else at = isObject(at) ? at[step] : undefined;
  }
  const name = isObject(at) ? (at.name ?? at.key) : undefined;
  return typeof name === "string" && name.trim() ? name : undefined;
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
