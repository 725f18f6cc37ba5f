import type { JsonValue } from "../plan/model.js";

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** null, [] and {} are the same to a reader: providers flip between them without any real change. */
export function isEmptyish(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) return Object.keys(value).length === 0;
  return false;
}

export function deepEqual(a: unknown, b: unknown, normalizeEmpty = false): boolean {
  if (a === b) return true;
  if (normalizeEmpty && isEmptyish(a) && isEmptyish(b)) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], normalizeEmpty)) return false;
    return true;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key], normalizeEmpty)) return false;
    return true;
  }
  return false;
}
