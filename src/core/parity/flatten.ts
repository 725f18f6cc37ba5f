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
  // the path's text is built as the walk goes (formatAttributePath's notation): plans hold thousands of leaves
  const walk = (node: JsonValue | undefined, marks: Marks, path: string) => {
    if (marks === true) return void out.set(path, sensitiveValue(node));
    if (node !== null && typeof node === "object" && !Array.isArray(node)) {
      const keys = Object.keys(node);
      if (keys.length > 0) {
        const childMarks = marks !== null && typeof marks === "object" && !Array.isArray(marks) ? marks : undefined;
        for (const key of keys.sort()) walk(node[key], childMarks?.[key], stepText(path, key));
        return;
      }
    }
    if (Array.isArray(node) && hasMark(marks)) return void out.set(path, sensitiveValue(node));
    out.set(path, node === undefined ? { absent: true } : { value: node });
  };
  walk(value, sensitive, formatAttributePath(prefix));
  return out;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `path` one key further, as formatAttributePath writes it. */
function stepText(path: string, key: string): string {
  if (PLAIN_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
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
