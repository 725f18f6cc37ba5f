import type { DriftItem } from "../drift/items.js";
import type { JsonValue, PathStep } from "./model.js";
import type { Masker } from "../render/mask.js";
import { SENSITIVE_PLACEHOLDER } from "../render/mask.js";

/**
 * The first key of a plan kept between replicas: how many values were replaced. Written first, so a reader
 * finds it without parsing the whole document (`replacedValuesIn`).
 */
const REPLACED_KEY = "driftback_sensitive_replaced";

/** The top-level keys the readers of a kept plan use (parsePlan, plannedVariablesIn); the rest is left out. */
const KEPT_KEYS = ["format_version", "terraform_version", "errored", "applyable", "complete", "resource_changes", "resource_drift", "output_changes", "relevant_attributes", "checks", "condition_results", "variables"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * A scan plan as it may rest in Redis (issue 15, 4.3): only what the backport step reads (resource and output
 * changes, drift, checks, root variables), without `prior_state`, `planned_values` and `configuration`, and with
 * every value the plan marks sensitive, or the mask rules name, replaced by "(sensitive value)". Root variables that
 * are declared sensitive, have a masked name or hold a masked value are left out. Text that is not a JSON object
 * comes back as it is (the reader reports it as unreadable, as before). Pure.
 */
export function planForStorage(planJson: string, masker: Masker): string {
  let doc: unknown;
  try {
    doc = JSON.parse(planJson);
  } catch {
    return planJson;
  }
  if (!isObject(doc)) return planJson;
  const count = { replaced: 0 };
  const out: JsonObject = { [REPLACED_KEY]: 0 };
  for (const key of KEPT_KEYS) if (key in doc) out[key] = doc[key]!;
  for (const key of ["resource_changes", "resource_drift"]) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((entry) => (isObject(entry) && isObject(entry.change) ? { ...entry, change: redactChange(entry.change, masker, count) } : entry));
  }
  if (isObject(out.output_changes)) {
    out.output_changes = Object.fromEntries(Object.entries(out.output_changes).map(([name, change]) => [name, isObject(change) ? redactChange(change, masker, count) : change]));
  }
  if (isObject(out.variables)) out.variables = keptVariables(out.variables, sensitiveVariables(doc), masker, count);
  out[REPLACED_KEY] = count.replaced;
  return JSON.stringify(out);
}

/** How many values `planForStorage` replaced in a kept plan; 0 for any other plan JSON. */
export function replacedValuesIn(planJson: string): number {
  const match = new RegExp(`^\\{"${REPLACED_KEY}":(\\d+)`).exec(planJson.slice(0, 64));
  return match ? Number(match[1]) : 0;
}

function redactChange(change: JsonObject, masker: Masker, count: { replaced: number }): JsonObject {
  const out = { ...change };
  if ("before" in change) out.before = redact(change.before!, change.before_sensitive, masker, count);
  if ("after" in change) out.after = redact(change.after!, change.after_sensitive, masker, count);
  return out;
}

/** The value with every leaf its marks call sensitive (or the mask rules name) replaced; the marks stay as they are. */
function redact(value: Json, marks: Json | undefined, masker: Masker, count: { replaced: number }): Json {
  if (value === null) return null;
  if (marks === true) {
    count.replaced++;
    return SENSITIVE_PLACEHOLDER;
  }
  if (typeof value === "string") {
    if (!masker.isMaskedValue(value)) return value;
    count.replaced++;
    return SENSITIVE_PLACEHOLDER;
  }
  if (Array.isArray(value)) return value.map((v, i) => redact(v, Array.isArray(marks) ? marks[i] : undefined, masker, count));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => {
        if (v !== null && masker.isMaskedKey(key)) {
          count.replaced++;
          return [key, SENSITIVE_PLACEHOLDER];
        }
        return [key, redact(v, isObject(marks) ? marks[key] : undefined, masker, count)];
      }),
    );
  }
  return value;
}

/** Root variables the configuration declares `sensitive = true`. */
function sensitiveVariables(doc: JsonObject): Set<string> {
  const config = isObject(doc.configuration) && isObject(doc.configuration.root_module) ? doc.configuration.root_module.variables : undefined;
  if (!isObject(config)) return new Set();
  return new Set(Object.entries(config).filter(([, v]) => isObject(v) && v.sensitive === true).map(([name]) => name));
}

function keptVariables(variables: JsonObject, sensitive: Set<string>, masker: Masker, count: { replaced: number }): JsonObject {
  const out: JsonObject = {};
  for (const [name, entry] of Object.entries(variables)) {
    const probe = { replaced: 0 };
    if (isObject(entry) && "value" in entry) redact(entry.value!, undefined, masker, probe);
    if (sensitive.has(name) || masker.isMaskedKey(name) || probe.replaced > 0) {
      count.replaced++;
      continue;
    }
    out[name] = entry;
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Drift items as a plan job returns them through Redis: an item the plan marks sensitive carries "(sensitive value)"
 * instead of its recorded and live values, in `before`/`after` and at its path in the whole resources. Nothing reads
 * them: a sensitive drift is always reverted, never codified, and its value hash is the constant "sensitive".
 */
export function itemsForStorage(items: readonly DriftItem[]): DriftItem[] {
  return items.map((item) =>
    item.sensitive
      ? {
          ...item,
          before: item.before === null ? null : SENSITIVE_PLACEHOLDER,
          after: item.after === null ? null : SENSITIVE_PLACEHOLDER,
          recordedResource: replacedAt(item.recordedResource, item.path),
          liveResource: replacedAt(item.liveResource, item.path),
        }
      : item,
  );
}

function replacedAt(value: JsonValue, path: readonly PathStep[]): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (path.length === 0) return SENSITIVE_PLACEHOLDER;
  const [step, ...rest] = path as [PathStep, ...PathStep[]];
  if (Array.isArray(value)) return typeof step === "number" && step < value.length ? value.map((v, i) => (i === step ? replacedAt(v, rest) : v)) : value;
  const key = String(step);
  if (!(key in value)) return value;
  return { ...value, [key]: rest.length === 0 ? (value[key] === null ? null : SENSITIVE_PLACEHOLDER) : replacedAt(value[key]!, rest) };
}
