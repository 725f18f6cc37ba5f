import type { JsonValue, PathStep } from "../plan/model.js";
import { formatAttributePath } from "../hcl/address.js";
import { flattenValue, sensitiveValue } from "./flatten.js";
import type { MemberValue } from "./types.js";

/**
 * A value the HCL declares, as far as the code alone gives it. An object written as `{ … }` keeps its
 * keys apart, so one computed key does not hide what the other keys say.
 */
export type Declared =
  | { kind: "value"; value: JsonValue; sensitive: boolean }
  | { kind: "object"; entries: Map<string, Declared> }
  | { kind: "unknown"; reason: string };

export const known = (value: JsonValue, sensitive = false): Declared => ({ kind: "value", value, sensitive });
export const unknown = (reason: string): Declared => ({ kind: "unknown", reason });

/** The whole value, or why it cannot be had (the first unknown part). */
export function materialize(declared: Declared): { value: JsonValue; sensitive: boolean } | { unknown: string } {
  if (declared.kind === "unknown") return { unknown: declared.reason };
  if (declared.kind === "value") return { value: declared.value, sensitive: declared.sensitive };
  const value: Record<string, JsonValue> = {};
  let sensitive = false;
  for (const [key, entry] of declared.entries) {
    const whole = materialize(entry);
    if ("unknown" in whole) return whole;
    value[key] = whole.value;
    sensitive ||= whole.sensitive;
  }
  return { value, sensitive };
}

/** The part at `steps`: `var.settings.env.DB_TIMEOUT` reads `env.DB_TIMEOUT` of the variable's value. */
export function pick(declared: Declared, steps: readonly PathStep[], shown: string): Declared {
  let current = declared;
  for (const step of steps) {
    if (current.kind === "unknown") return current;
    if (current.kind === "object") {
      const entry = current.entries.get(String(step));
      if (!entry) return unknown(`${shown} has no key \`${String(step)}\``);
      current = entry;
      continue;
    }
    const { value, sensitive } = current;
    const next = value !== null && typeof value === "object" ? (value as Record<string, JsonValue> & JsonValue[])[step as never] : undefined;
    // never say which keys a sensitive value has
    if (next === undefined) return unknown(sensitive ? `${shown} (sensitive) has no such key` : `${shown} has no key \`${String(step)}\``);
    current = known(next, sensitive);
  }
  return current;
}

/** Why a sensitive value is unknown: never the code's text, which may hold part of the secret. */
const SENSITIVE_UNKNOWN = "a sensitive value the code alone does not give";

export function markSensitive(declared: Declared): Declared {
  if (declared.kind === "value") return { ...declared, sensitive: true };
  if (declared.kind === "object") return { kind: "object", entries: new Map([...declared.entries].map(([k, v]) => [k, markSensitive(v)])) };
  return unknown(SENSITIVE_UNKNOWN);
}

export function containsSensitive(declared: Declared): boolean {
  if (declared.kind === "value") return declared.sensitive;
  if (declared.kind === "object") return [...declared.entries.values()].some(containsSensitive);
  return false;
}

/**
 * Attribute paths to member values, below `prefix`: objects key by key (`env.DB_TIMEOUT`), lists whole.
 * `wholeSensitive` folds the value into one sensitive leaf, as when another member's side of it is a secret.
 */
export function declaredLeaves(declared: Declared, prefix: readonly PathStep[], wholeSensitive: boolean): Map<string, MemberValue> {
  if (wholeSensitive) {
    const whole = materialize(declared);
    return new Map([[formatAttributePath(prefix), "unknown" in whole ? { unknown: SENSITIVE_UNKNOWN } : sensitiveValue(whole.value)]]);
  }
  const out = new Map<string, MemberValue>();
  const walk = (node: Declared, path: PathStep[]) => {
    if (node.kind === "unknown") return void out.set(formatAttributePath(path), { unknown: node.reason });
    if (node.kind === "value") {
      for (const [key, value] of flattenValue(node.value, node.sensitive || undefined, path)) out.set(key, value);
      return;
    }
    if (node.entries.size === 0) return void out.set(formatAttributePath(path), { value: {} });
    for (const key of [...node.entries.keys()].sort()) walk(node.entries.get(key)!, [...path, key]);
  };
  walk(declared, [...prefix]);
  return out;
}
