import { createHmac, randomBytes } from "node:crypto";
import { formatAttributePath } from "../hcl/address.js";
import type { JsonValue, Marks, PathStep } from "../plan/model.js";
import { deepEqual } from "../render/values.js";
import type { MemberValue } from "./types.js";

/** Keyed per process: sensitive values compare equal or not, and the hash says nothing outside this process. */
const SENSITIVE_KEY = randomBytes(32);

/** A sensitive value as it may be compared: by a hash nobody outside this process can check a guess against. */
export function sensitiveValue(value: JsonValue | undefined): MemberValue {
  return { sensitive: true, hash: createHmac("sha256", SENSITIVE_KEY).update(JSON.stringify(value ?? null)).digest("hex") };
}

/**
 * A value as attribute paths to leaves: objects (and maps) are followed key by key (`env.DB_TIMEOUT`),
 * lists, sets and scalars are leaves compared whole; a node the marks call sensitive is one sensitive leaf.
 * An empty object is a leaf of its own, so "{} against absent" still differs.
 */
export function flattenValue(value: JsonValue | undefined, sensitive: Marks = undefined, prefix: readonly PathStep[] = []): Map<string, MemberValue> {
  const out = new Map<string, MemberValue>();
  const walk = (node: JsonValue | undefined, marks: Marks, path: PathStep[]) => {
    if (marks === true) return void out.set(formatAttributePath(path), sensitiveValue(node));
    if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0) {
      for (const key of Object.keys(node).sort()) {
        const childMarks = marks !== null && typeof marks === "object" && !Array.isArray(marks) ? marks[key] : undefined;
        walk(node[key], childMarks, [...path, key]);
      }
      return;
    }
    if (Array.isArray(node) && hasMark(marks)) return void out.set(formatAttributePath(path), sensitiveValue(node));
    out.set(formatAttributePath(path), node === undefined ? { absent: true } : { value: node });
  };
  walk(value, sensitive, [...prefix]);
  return out;
}

function hasMark(marks: Marks): boolean {
  if (marks === true) return true;
  if (Array.isArray(marks)) return marks.some(hasMark);
  if (marks !== null && typeof marks === "object") return Object.values(marks).some(hasMark);
  return false;
}

/** One member's values by key, or why they could not be read. */
export type MemberValues = ReadonlyMap<string, MemberValue> | { unknown: string };

/**
 * The keys whose values differ between members: every member gets an entry (absent where a readable member lacks
 * the key, unknown where it could not be read). Unknown members never make a difference nor hide one: a key
 * differs when at least two readable members disagree. Keys in first-seen order, members in the given order.
 */
export function differingKeys(members: readonly string[], perMember: ReadonlyMap<string, MemberValues>): { key: string; values: Record<string, MemberValue> }[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const member of members) {
    const values = perMember.get(member);
    if (!values || isUnknown(values)) continue;
    for (const key of values.keys()) if (!seen.has(key)) seen.add(key), keys.push(key);
  }
  const out: { key: string; values: Record<string, MemberValue> }[] = [];
  for (const key of keys) {
    const values: Record<string, MemberValue> = {};
    const readable: MemberValue[] = [];
    for (const member of members) {
      const mine = perMember.get(member);
      if (!mine) values[member] = { unknown: "not read" };
      else if (isUnknown(mine)) values[member] = { unknown: mine.unknown };
      else {
        const value = mine.get(key) ?? { absent: true };
        values[member] = value;
        if (!("unknown" in value)) readable.push(value);
      }
    }
    if (readable.length >= 2 && readable.some((v) => !sameMemberValue(v, readable[0]!))) out.push({ key, values });
  }
  return out;
}

export function sameMemberValue(a: MemberValue, b: MemberValue): boolean {
  if ("unknown" in a || "unknown" in b) return false;
  if ("absent" in a || "absent" in b) return "absent" in a && "absent" in b;
  if ("sensitive" in a || "sensitive" in b) return "sensitive" in a && "sensitive" in b && a.hash === b.hash;
  return deepEqual(a.value, b.value);
}

function isUnknown(values: MemberValues): values is { unknown: string } {
  return !(values instanceof Map) && typeof (values as { unknown?: unknown }).unknown === "string";
}
