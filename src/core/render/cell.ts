import type { JsonValue } from "../plan/model.js";

const MAX = 80;

/** A value shortened for a table cell: JSON, at most 80 characters. */
export function cellText(value: JsonValue | undefined): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}
