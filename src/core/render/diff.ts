import type { JsonValue, Marks, PathStep, ValueChange } from "../plan/model.js";
import { SENSITIVE_PLACEHOLDER, type Masker } from "./mask.js";
import { deepEqual, isJsonObject } from "./values.js";

export interface DiffOptions {
  masker: Masker;
  /** Shorten long strings and deep structures (a step of the size budget). */
  compact?: boolean;
  /** Treat null, [] and {} as equal (drift views: providers normalise these). */
  normalizeEmpty?: boolean;
  replacePaths?: readonly PathStep[][];
}

type Sign = "+" | "-" | "~" | " ";

interface Node {
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  unknown: Marks;
  beforeSensitive: Marks;
  afterSensitive: Marks;
  /** An enclosing attribute name matched a mask rule. */
  masked: boolean;
  path: PathStep[];
}

const COMPACT_STRING = 120;
const COMPACT_DEPTH = 3;
const COMPACT_LINES = 120;
const UNKNOWN = "(known after apply)";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Lines that show what changes between `before` and `after`, shaped like terraform's own plan
 * output (`~ attr = "a" -> "b"`) with the sign in column 0 so a ```diff block colours it.
 * Only changed attributes appear; sensitive and masked values never do.
 */
export function diffLines(change: ValueChange, options: DiffOptions): string[] {
  const writer = new LineWriter(options);
  const root = rootNode(change);
  if (isJsonObject(root.before) || isJsonObject(root.after) || isJsonObject(root.unknown)) {
    writer.objectMembers(root, 0);
  } else {
    writer.diff(undefined, root, 0);
  }
  return writer.finish();
}

/** Lines for one named value (an output): `+ name = "x"`. */
export function namedDiffLines(name: string, change: ValueChange, options: DiffOptions): string[] {
  const writer = new LineWriter(options);
  writer.diff(name, rootNode(change), 0);
  return writer.finish();
}

function rootNode(change: ValueChange): Node {
  return {
    before: change.before ?? null,
    after: change.after ?? null,
    unknown: change.afterUnknown,
    beforeSensitive: change.beforeSensitive,
    afterSensitive: change.afterSensitive,
    masked: false,
    path: [],
  };
}

/** Names of the top-level attributes that change: the "attribute names only" budget step. */
export function changedAttributeNames(change: ValueChange, options: Pick<DiffOptions, "normalizeEmpty">): string[] {
  const before = isJsonObject(change.before) ? change.before : {};
  const after = isJsonObject(change.after) ? change.after : {};
  const unknown = isJsonObject(change.afterUnknown) ? (change.afterUnknown as Record<string, Marks>) : {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...keys].filter((key) => hasTrue(unknown[key]) || !deepEqual(before[key] ?? null, after[key] ?? null, options.normalizeEmpty)).sort();
}

function child(marks: Marks, key: PathStep): Marks {
  if (marks === true) return true;
  if (marks && typeof marks === "object") return (marks as Record<string, Marks>)[key as string];
  return undefined;
}

function hasTrue(marks: Marks): boolean {
  if (marks === true) return true;
  if (Array.isArray(marks)) return marks.some(hasTrue);
  if (marks && typeof marks === "object") return Object.values(marks).some(hasTrue);
  return false;
}

function isAbsent(value: JsonValue | undefined): boolean {
  return value === null || value === undefined;
}

function samePath(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  return a.length === b.length && a.every((step, i) => String(step) === String(b[i]));
}

class LineWriter {
  private readonly lines: string[] = [];
  private truncated = 0;

  constructor(private readonly options: DiffOptions) {}

  finish(): string[] {
    if (this.truncated > 0) this.lines.push(`  # (${this.truncated} more lines not shown)`);
    return this.lines;
  }

  private push(sign: Sign, depth: number, text: string): void {
    if (this.options.compact && this.lines.length >= COMPACT_LINES) {
      this.truncated++;
      return;
    }
    this.lines.push(`${sign} ${"    ".repeat(depth)}${text}`);
  }

  private childNode(node: Node, key: PathStep): Node {
    const masked = node.masked || (typeof key === "string" && this.options.masker.isMaskedKey(key));
    return {
      before: pick(node.before, key),
      after: pick(node.after, key),
      unknown: child(node.unknown, key),
      beforeSensitive: child(node.beforeSensitive, key),
      afterSensitive: child(node.afterSensitive, key),
      masked,
      path: [...node.path, key],
    };
  }

  private isHidden(node: Node): boolean {
    return node.masked || node.beforeSensitive === true || node.afterSensitive === true;
  }

  private changed(node: Node): boolean {
    if (hasTrue(node.unknown)) return true;
    return !deepEqual(node.before ?? null, node.after ?? null, this.options.normalizeEmpty);
  }

  private suffix(node: Node): string {
    const replace = this.options.replacePaths?.some((path) => samePath(path, node.path));
    return replace ? " # forces replacement" : "";
  }

  /** The members of an object that differ, aligned on `=` the way terraform aligns them. */
  objectMembers(node: Node, depth: number): void {
    const before = isJsonObject(node.before) ? node.before : {};
    const after = isJsonObject(node.after) ? node.after : {};
    const unknownKeys = node.unknown && typeof node.unknown === "object" && !Array.isArray(node.unknown) ? Object.keys(node.unknown) : [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...unknownKeys])];
    const children = keys.map((key) => [key, this.childNode(node, key)] as const).filter(([, c]) => this.changed(c));
    const width = Math.max(0, ...children.map(([key]) => formatKey(key).length));
    for (const [key, c] of children) this.diff(formatKey(key).padEnd(width), c, depth);
  }

  diff(label: string | undefined, node: Node, depth: number): void {
    const prefix = label === undefined ? "" : `${label} = `;
    const { before, after } = node;
    if (this.isHidden(node)) {
      if (!this.changed(node)) return;
      if (isAbsent(before)) this.push("+", depth, `${prefix}${SENSITIVE_PLACEHOLDER}${this.suffix(node)}`);
      else if (isAbsent(after) && !hasTrue(node.unknown)) this.push("-", depth, `${prefix}${SENSITIVE_PLACEHOLDER} -> null${this.suffix(node)}`);
      else this.push("~", depth, `${prefix}${SENSITIVE_PLACEHOLDER}${this.suffix(node)}`);
      return;
    }
    if (node.unknown === true) {
      if (isAbsent(before)) this.push("+", depth, `${prefix}${UNKNOWN}${this.suffix(node)}`);
      else this.push("~", depth, `${prefix}${this.inline(before, node, "before")} -> ${UNKNOWN}${this.suffix(node)}`);
      return;
    }
    if (isAbsent(before) && !isAbsent(after)) {
      this.value("+", label, after, node, "after", depth);
      return;
    }
    if (isAbsent(after) && !isAbsent(before) && !hasTrue(node.unknown)) {
      if (isJsonObject(before) || Array.isArray(before)) this.value("-", label, before, node, "before", depth);
      else this.push("-", depth, `${prefix}${this.inline(before, node, "before")} -> null${this.suffix(node)}`);
      return;
    }
    if ((isJsonObject(before) || isAbsent(before)) && (isJsonObject(after) || isJsonObject(node.unknown))) {
      this.push("~", depth, `${prefix}{${this.suffix(node)}`);
      if (this.tooDeep(depth)) this.push(" ", depth + 1, "# (nested changes not shown)");
      else this.objectMembers(node, depth + 1);
      this.push(" ", depth, "}");
      return;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
      this.push("~", depth, `${prefix}[${this.suffix(node)}`);
      if (this.tooDeep(depth)) this.push(" ", depth + 1, "# (nested changes not shown)");
      else this.listItems(node, before, after, depth + 1);
      this.push(" ", depth, "]");
      return;
    }
    this.push("~", depth, `${prefix}${this.inline(before, node, "before")} -> ${this.inline(after, node, "after")}${this.suffix(node)}`);
  }

  private listItems(node: Node, before: JsonValue[], after: JsonValue[], depth: number): void {
    const { removed, added } = multisetDifference(before, after);
    const sameShape = before.length === after.length && removed.length === before.length;
    if (hasTrue(node.unknown) || hasTrue(node.beforeSensitive) || hasTrue(node.afterSensitive) || sameShape) {
      // element by element: where positions line up (or unknowns pin them), as terraform shows blocks
      const length = Math.max(before.length, after.length);
      for (let index = 0; index < length; index++) {
        const c = this.childNode(node, index);
        if (this.changed(c)) this.diff(undefined, c, depth);
      }
      return;
    }
    // otherwise removed and added elements, unchanged ones left out: right for sets and reorders
    for (const index of removed) this.value("-", undefined, before[index], this.childNode(node, index), "before", depth);
    for (const index of added) this.value("+", undefined, after[index], this.childNode(node, index), "after", depth);
  }

  private tooDeep(depth: number): boolean {
    return this.options.compact === true && depth >= COMPACT_DEPTH;
  }

  /** A whole value on its own lines, every line carrying `sign` (created or destroyed values). */
  private value(sign: Sign, label: string | undefined, value: JsonValue | undefined, node: Node, side: "before" | "after", depth: number): void {
    const prefix = label === undefined ? "" : `${label} = `;
    const sensitive = side === "before" ? node.beforeSensitive : node.afterSensitive;
    if (node.masked || sensitive === true) {
      this.push(sign, depth, `${prefix}${SENSITIVE_PLACEHOLDER}${this.suffix(node)}`);
      return;
    }
    if (side === "after" && node.unknown === true) {
      this.push(sign, depth, `${prefix}${UNKNOWN}${label === undefined ? "," : ""}`);
      return;
    }
    if (isJsonObject(value) || (side === "after" && isJsonObject(node.unknown) && isAbsent(value))) {
      const object = isJsonObject(value) ? value : {};
      const unknownKeys = side === "after" && isJsonObject(node.unknown) ? Object.keys(node.unknown) : [];
      const keys = [...new Set([...Object.keys(object), ...unknownKeys])].filter(
        (key) => !isAbsent(object[key]) || (side === "after" && hasTrue(child(node.unknown, key))),
      );
      if (keys.length === 0) {
        this.push(sign, depth, `${prefix}{}${this.suffix(node)}`);
        return;
      }
      this.push(sign, depth, `${prefix}{${this.suffix(node)}`);
      if (this.tooDeep(depth)) this.push(sign, depth + 1, `# (${keys.length} attributes not shown)`);
      else {
        const width = Math.max(...keys.map((key) => formatKey(key).length));
        for (const key of keys) this.value(sign, formatKey(key).padEnd(width), object[key], this.childNode(node, key), side, depth + 1);
      }
      this.push(sign, depth, "}");
      return;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.push(sign, depth, `${prefix}[]${this.suffix(node)}`);
        return;
      }
      this.push(sign, depth, `${prefix}[${this.suffix(node)}`);
      if (this.tooDeep(depth)) this.push(sign, depth + 1, `# (${value.length} elements not shown)`);
      else value.forEach((item, index) => this.value(sign, undefined, item, this.childNode(node, index), side, depth + 1));
      this.push(sign, depth, "]");
      return;
    }
    this.push(sign, depth, `${prefix}${this.inline(value, node, side)}${label === undefined ? "," : ""}${this.suffix(node)}`);
  }

  /** A value on one line: primitives as terraform writes them, structures abbreviated. */
  private inline(value: JsonValue | undefined, node: Node, side: "before" | "after"): string {
    const sensitive = side === "before" ? node.beforeSensitive : node.afterSensitive;
    if (node.masked || sensitive === true) return SENSITIVE_PLACEHOLDER;
    if (value === undefined || value === null) return "null";
    if (typeof value === "string") {
      if (this.options.masker.isMaskedValue(value)) return SENSITIVE_PLACEHOLDER;
      if (this.options.compact && value.length > COMPACT_STRING) {
        return `${JSON.stringify(value.slice(0, COMPACT_STRING))}… (${value.length - COMPACT_STRING} more characters)`;
      }
      return JSON.stringify(value);
    }
    if (typeof value !== "object") return String(value);
    if (hasTrue(sensitive) || containsMaskedValue(value, this.options.masker)) return SENSITIVE_PLACEHOLDER;
    const text = JSON.stringify(value);
    if (this.options.compact && text.length > COMPACT_STRING) return Array.isArray(value) ? `[ ... ${value.length} elements ]` : "{ ... }";
    return text;
  }
}

function containsMaskedValue(value: JsonValue, masker: Masker): boolean {
  if (typeof value === "string") return masker.isMaskedValue(value);
  if (Array.isArray(value)) return value.some((v) => containsMaskedValue(v, masker));
  if (isJsonObject(value)) return Object.entries(value).some(([k, v]) => masker.isMaskedKey(k) || containsMaskedValue(v, masker));
  return false;
}

/** Indices of `before` elements missing from `after` and of `after` elements new to it (by value, with counts). */
function multisetDifference(before: readonly JsonValue[], after: readonly JsonValue[]): { removed: number[]; added: number[] } {
  const available = new Map<string, number[]>();
  after.forEach((value, index) => {
    const key = JSON.stringify(value);
    available.set(key, [...(available.get(key) ?? []), index]);
  });
  const removed: number[] = [];
  before.forEach((value, index) => {
    const slots = available.get(JSON.stringify(value));
    if (slots && slots.length > 0) slots.shift();
    else removed.push(index);
  });
  const added = [...available.values()].flat().sort((a, b) => a - b);
  return { removed, added };
}

function pick(value: JsonValue | undefined, key: PathStep): JsonValue | undefined {
  if (value === null || value === undefined || typeof value !== "object") return undefined;
  return (value as Record<string, JsonValue>)[key as string];
}

function formatKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}
