import type { JsonValue, PathStep } from "../plan/model.js";
import { indentationAt, lineEnd } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";

/**
 * `.tfvars.json` var files (terraform.tfvars.json, *.auto.tfvars.json, a `-var-file` ending in
 * .json): where a variable's value sits in the text, and the edit that changes only that value's
 * text, so the rest of the file keeps its formatting. terraform reads their strings literally (no
 * `${…}` templates), so a value is written as plain JSON. Pure.
 */

/** A JSON value with where it sits in the text (UTF-16 indices, as the rest of the HCL code uses). */
export type JsonNode =
  | { kind: "object"; start: number; end: number; entries: { key: string; keyStart: number; value: JsonNode }[] }
  | { kind: "array"; start: number; end: number; items: JsonNode[] }
  | { kind: "scalar"; start: number; end: number; value: JsonValue };

/** A variable set in a JSON var file. */
export interface JsonAssignment {
  file: string;
  name: string;
  /** Where the top-level entry begins (its key) and where its value ends. */
  start: number;
  end: number;
  value: JsonValue;
}

export class JsonVarFileError extends Error {}

/** Parses JSON keeping every value's position; throws JsonVarFileError naming the line and column of the first problem. */
export function parseJsonSpans(source: string): JsonNode {
  const parser = new SpanParser(source);
  return parser.document();
}

/** The variable's top-level entry in a JSON var file (the last one when a key repeats), or undefined. Throws JsonVarFileError for text that is not a JSON object. */
export function jsonAssignmentIn(file: string, source: string, name: string): JsonAssignment | undefined {
  const root = parseJsonSpans(source);
  if (root.kind !== "object") throw new JsonVarFileError("it is not a JSON object of variable names");
  const entry = root.entries.findLast((e) => e.key === name);
  return entry ? { file, name, start: entry.keyStart, end: entry.value.end, value: valueOf(entry.value) } : undefined;
}

/** Every top-level variable name a JSON var file sets; none for text that is not a JSON object. */
export function jsonVariableNames(source: string): string[] {
  try {
    const root = parseJsonSpans(source);
    return root.kind === "object" ? root.entries.map((e) => e.key) : [];
  } catch {
    return [];
  }
}

/** The plain value of a node. */
export function valueOf(node: JsonNode): JsonValue {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "array":
      return node.items.map(valueOf);
    case "object": {
      const out: Record<string, JsonValue> = {};
      for (const entry of node.entries) out[entry.key] = valueOf(entry.value);
      return out;
    }
  }
}

/** The value at `steps` inside a variable's value in a JSON var file; undefined when the path is not there. */
export function jsonValueAt(source: string, name: string, steps: readonly PathStep[]): JsonValue | undefined {
  const root = parseJsonSpans(source);
  if (root.kind !== "object") return undefined;
  let node: JsonNode | undefined = root.entries.findLast((e) => e.key === name)?.value;
  for (const step of steps) node = node ? child(node, step) : undefined;
  return node ? valueOf(node) : undefined;
}

export interface JsonEdit {
  start: number;
  end: number;
  text: string;
  /** The top-level entry the edit stays inside. */
  container: { start: number; end: number };
}

/**
 * The one text edit that makes `name` say `live` at `steps`: the innermost value already there is
 * replaced, or a missing key is added to the object that should hold it; nothing else changes.
 */
export function planJsonEdit(source: string, name: string, steps: readonly PathStep[], live: JsonValue): JsonEdit | { refused: string } {
  const root = varFileRoot(source);
  if ("refused" in root) return root;
  const entry = root.entries.findLast((e) => e.key === name);
  if (!entry) return { refused: `it does not set \`${name}\`` };
  const container = { start: entry.keyStart, end: entry.value.end };
  let node = entry.value;
  let index = 0;
  for (; index < steps.length; index++) {
    const next = child(node, steps[index]!);
    if (!next) break;
    node = next;
  }
  const rest = steps.slice(index);
  if (rest.length === 0) {
    const multiLine = source.slice(node.start, node.end).includes("\n");
    return { start: node.start, end: node.end, text: renderJson(live, multiLine ? indentationAt(source, node.start) : undefined, eolOf(source), unitOf(source)), container };
  }
  const [key, ...inner] = rest;
  if (node.kind !== "object" || typeof key !== "string") return { refused: `\`${name}\` has no place for that key there: the value is not an object` };
  return addKey(source, node, key, inner.reduceRight<JsonValue>((acc, step) => ({ [String(step)]: acc }), live), container);
}

/** The one text edit that makes a JSON var file set `name` to `value`: its entry rewritten, or a new last entry of the top-level object. */
export function planJsonAssignment(source: string, name: string, value: JsonValue): JsonEdit | { refused: string } {
  const root = varFileRoot(source);
  if ("refused" in root) return root;
  if (root.entries.some((e) => e.key === name)) return planJsonEdit(source, name, [], value);
  return addKey(source, root, name, value, { start: root.start, end: root.end });
}

/** The top-level object of a JSON var file, or why it is not one. */
function varFileRoot(source: string): Extract<JsonNode, { kind: "object" }> | { refused: string } {
  let root: JsonNode;
  try {
    root = parseJsonSpans(source);
  } catch (error) {
    return { refused: `it is not valid JSON (${(error as Error).message})` };
  }
  return root.kind === "object" ? root : { refused: "it is not a JSON object of variable names" };
}

/** A new last entry of an object, laid out as the object's own entries are (one line, or one entry a line). */
function addKey(source: string, node: Extract<JsonNode, { kind: "object" }>, key: string, value: JsonValue, container: { start: number; end: number }): JsonEdit {
  const eol = eolOf(source);
  const last = node.entries.at(-1);
  if (!last) return { start: node.start, end: node.end, text: renderJson({ [key]: value }, undefined, eol, unitOf(source)), container };
  const multiLine = source.slice(node.start, node.end).includes("\n");
  if (!multiLine) return { start: last.value.end, end: last.value.end, text: `, ${JSON.stringify(key)}: ${renderJson(value, undefined, eol, unitOf(source))}`, container };
  const indent = indentationAt(source, last.keyStart);
  const at = last.value.end;
  return { start: at, end: at, text: `,${eol}${indent}${JSON.stringify(key)}: ${renderJson(value, indent, eol, unitOf(source))}`, container: { start: container.start, end: Math.max(container.end, lineEnd(source, at)) } };
}

function eolOf(source: string): string {
  return source.includes("\r\n") ? "\r\n" : "\n";
}

/** JSON text for a value: on one line (`indent` undefined), or spread over lines the way the file indents, starting at `indent`. */
export function renderJson(value: JsonValue, indent: string | undefined, eol = "\n", unit = "  "): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries: [string | undefined, JsonValue][] = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  const one = (key: string | undefined, v: JsonValue, inner: string | undefined) => `${key === undefined ? "" : `${JSON.stringify(key)}: `}${renderJson(v, inner, eol, unit)}`;
  if (indent === undefined) return `${open}${entries.map(([k, v]) => one(k, v, undefined)).join(", ")}${close}`;
  const inner = `${indent}${unit}`;
  return `${open}${eol}${entries.map(([k, v]) => `${inner}${one(k, v, inner)}`).join(`,${eol}`)}${eol}${indent}${close}`;
}

/** The file's indentation step: the first indented line's leading whitespace, two spaces by default. */
function unitOf(source: string): string {
  return /\n([ \t]+)\S/.exec(source)?.[1] ?? "  ";
}

function child(node: JsonNode, step: PathStep): JsonNode | undefined {
  if (node.kind === "object" && typeof step === "string") return node.entries.findLast((e) => e.key === step)?.value;
  if (node.kind === "array" && typeof step === "number") return node.items[step];
  return undefined;
}

/** RFC 8259 JSON, recursive descent, recording positions. */
class SpanParser {
  private at = 0;

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.at = 1; // a byte order mark
  }

  document(): JsonNode {
    this.space();
    const node = this.value(0);
    this.space();
    if (this.at < this.text.length) this.fail("unexpected text after the value");
    return node;
  }

  private value(depth: number): JsonNode {
    if (depth > 200) this.fail("nested too deeply");
    const start = this.at;
    const c = this.text[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return { kind: "scalar", start, end: this.afterString(), value: this.lastString };
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.at, this.at + 400));
    if (!literal) this.fail(c === undefined ? "the text ends where a value should be" : `unexpected ${JSON.stringify(c)}`);
    this.at += literal[0].length;
    return { kind: "scalar", start, end: this.at, value: JSON.parse(literal[0]) as JsonValue };
  }

  private object(depth: number): JsonNode {
    const start = this.at++;
    const entries: { key: string; keyStart: number; value: JsonNode }[] = [];
    this.space();
    if (this.text[this.at] === "}") return { kind: "object", start, end: ++this.at, entries };
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail("expected a quoted key");
      const keyStart = this.at;
      this.afterString();
      const key = this.lastString as string;
      this.space();
      if (this.text[this.at] !== ":") this.fail("expected ':' after a key");
      this.at++;
      this.space();
      entries.push({ key, keyStart, value: this.value(depth + 1) });
      this.space();
      const c = this.text[this.at++];
      if (c === "}") return { kind: "object", start, end: this.at, entries };
      if (c !== ",") this.fail("expected ',' or '}'", this.at - 1);
    }
  }

  private array(depth: number): JsonNode {
    const start = this.at++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.at] === "]") return { kind: "array", start, end: ++this.at, items };
    for (;;) {
      this.space();
      items.push(this.value(depth + 1));
      this.space();
      const c = this.text[this.at++];
      if (c === "]") return { kind: "array", start, end: this.at, items };
      if (c !== ",") this.fail("expected ',' or ']'", this.at - 1);
    }
  }

  private lastString: JsonValue = "";

  /** Reads the string at `at`, leaves its value in lastString, returns the index after its closing quote. */
  private afterString(): number {
    const start = this.at;
    let i = start + 1;
    for (; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20) this.fail("a control character inside a string", i);
    }
    if (i >= this.text.length) this.fail("a string is not closed", start);
    try {
      this.lastString = JSON.parse(this.text.slice(start, i + 1)) as string;
    } catch {
      this.fail("a string has a bad escape", start);
    }
    this.at = i + 1;
    return this.at;
  }

  private space(): void {
    while (this.at < this.text.length && " \t\n\r".includes(this.text[this.at]!)) this.at++;
  }

  private fail(message: string, index = this.at): never {
    const before = this.text.slice(0, index);
    const line = before.split("\n").length;
    const column = index - before.lastIndexOf("\n");
    throw new JsonVarFileError(`line ${line}, column ${column}: ${message}`);
  }
}

/**
 * The JSON var file entry that sets root variable `name`, when it outranks every HCL var file that
 * sets it (HclWorkspace.varFileOrder); a refusal when a JSON var file that could set it does not parse.
 */
export function winningJsonAssignment(ws: HclWorkspace, name: string): JsonAssignment | { refused: string } | undefined {
  const hcl = new Set(ws.variableAssignments(name).map((a) => a.file));
  for (const file of ws.varFileOrder()) {
    if (!file.endsWith(".json")) {
      if (hcl.has(file)) return undefined;
      continue;
    }
    try {
      const found = jsonAssignmentIn(file, ws.source(file), name);
      if (found) return found;
    } catch (error) {
      if (!(error instanceof JsonVarFileError)) throw error;
      return { refused: `\`${file}\` is not a JSON var file driftback can read (${error.message}), so it cannot tell whether it sets \`var.${name}\`.` };
    }
  }
  return undefined;
}
