import type { Node } from "web-tree-sitter";
import type { JsonValue, PathStep } from "../plan/model.js";
import { deepEqual } from "../render/values.js";
import { evaluateBody } from "./blocks.js";
import { objectElements } from "./evaluate.js";
import { planJsonAssignment, planJsonEdit } from "./json-var-file.js";
import type { LiftChange } from "./lift.js";
import { hclKey, quoteHclString, renderHclValue } from "./render-value.js";
import type { Resolution } from "./resolution.js";
import { blockBody, bodyAttributes, bodyBlocks, children, collectionOf, indentationAt, lineEnd, lineStart } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface EditPlan {
  file: string;
  edits: TextEdit[];
  /** Start and end index of each block or attribute the edits may touch (formatting included); an append at the end is `{ start: length, end: length }`. */
  containers: { start: number; end: number }[];
}

/** The smallest text edits, per file, that make the code say `live` where `resolution` points. Pure. */
export function planEdits(ws: HclWorkspace, resolution: Exclude<Resolution, { kind: "refused" }>, live: JsonValue): EditPlan[] | { refused: string } {
  if (resolution.kind !== "lifted") {
    const plan = planEdit(ws, resolution, live);
    return "refused" in plan ? plan : [plan];
  }
  const byFile = new Map<string, EditPlan>();
  for (const change of resolution.changes) {
    const source = ws.source(change.file);
    const eol = source.includes("\r\n") ? "\r\n" : "\n";
    const plan = byFile.get(change.file) ?? { file: change.file, edits: [], containers: [] };
    byFile.set(change.file, plan);
    switch (change.kind) {
      case "replace":
        plan.edits.push({ start: change.node.startIndex, end: change.node.endIndex, text: change.text });
        plan.containers.push(outermost(change.node));
        break;
      case "argument":
        plan.edits.push(insertAttribute(source, eol, change.block, change.name, change.value, change.raw));
        plan.containers.push(outermost(change.block));
        break;
      case "declare":
        plan.edits.push(appendText(source, eol, renderVariable(change, eol)));
        plan.containers.push({ start: source.length, end: source.length });
        break;
      case "entry": {
        const entry = literalEdit(change.file, source, eol, change.node, [change.key], change.value);
        if ("refused" in entry) return entry;
        plan.edits.push(...entry.edits);
        plan.containers.push(...entry.containers);
        break;
      }
      case "assign":
        if (change.file.endsWith(".json")) {
          const edit = planJsonAssignment(source, change.name, change.value);
          if ("refused" in edit) return { refused: `driftback cannot set \`${change.name}\` in \`${change.file}\`: ${edit.refused}` };
          plan.edits.push({ start: edit.start, end: edit.end, text: edit.text });
          plan.containers.push({ start: 0, end: source.length });
          break;
        }
        plan.edits.push(appendText(source, eol, `${hclKey(change.name)} = ${renderHclValue(change.value, "", eol)}${eol}`, false));
        // a var file is one flat list of assignments: formatting may realign the ones the new line joins
        plan.containers.push({ start: 0, end: source.length });
        break;
    }
  }
  return [...byFile.values()];
}

/** Text added at the end of a file, after a blank line (`spaced`) as between blocks. */
function appendText(source: string, eol: string, text: string, spaced = true): TextEdit {
  const ending = source === "" || source.endsWith("\n") ? "" : eol;
  const gap = spaced && source.trim() !== "" ? eol : "";
  return { start: source.length, end: source.length, text: `${ending}${gap}${text}` };
}

function renderVariable(change: Extract<LiftChange, { kind: "declare" }>, eol: string): string {
  const lines = [
    `variable ${quoteHclString(change.name)} {`,
    `  description = ${quoteHclString(change.description)}`,
    `  type        = ${change.type}`,
    `  default     = ${renderHclValue(change.value, "  ", eol)}`,
    ...(change.nullable ? [] : ["  nullable    = false"]),
    "}",
  ];
  return lines.join(eol) + eol;
}

/** The smallest text edits that make the code say `live` where `resolution` points, in one file. Pure. */
export function planEdit(ws: HclWorkspace, resolution: Exclude<Resolution, { kind: "refused" | "lifted" }>, live: JsonValue): EditPlan | { refused: string } {
  const source = ws.source(resolution.file);
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  switch (resolution.kind) {
    case "literal":
      return literalEdit(resolution.file, source, eol, resolution.expression, resolution.steps, live);
    case "absent":
      return { file: resolution.file, edits: [insertAttribute(source, eol, resolution.block, resolution.name, resolution.value)], containers: [outermost(resolution.block)] };
    case "blocks":
      return blockListEdit(resolution.file, source, eol, resolution.block, resolution.type, live);
    case "json": {
      const edit = planJsonEdit(source, resolution.name, resolution.steps, live);
      if ("refused" in edit) return { refused: `\`${resolution.file}\`: ${edit.refused}.` };
      return { file: resolution.file, edits: [{ start: edit.start, end: edit.end, text: edit.text }], containers: [edit.container] };
    }
  }
}

export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  let out = source;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function literalEdit(file: string, source: string, eol: string, expression: Node, steps: PathStep[], live: JsonValue): EditPlan | { refused: string } {
  const container = outermost(expression);
  if (steps.length === 0) {
    const indent = indentationAt(source, expression.startIndex);
    const indentedHeredoc = expression.text.startsWith("<<-");
    return { file, edits: [{ start: expression.startIndex, end: expression.endIndex, text: renderHclValue(live, indent, eol, false, { indentedHeredoc }) }], containers: [container] };
  }
  const object = collectionOf(expression, "object");
  if (!object || typeof steps[0] !== "string") return { refused: "the list in the code is shorter than the live one; driftback does not add list elements by index." };
  const value = nest(steps.slice(1), live);
  const elements = objectElements(object);
  const key = hclKey(steps[0]);
  if (elements.length === 0) {
    const indent = indentationAt(source, expression.startIndex);
    return { file, edits: [{ start: expression.startIndex, end: expression.endIndex, text: renderHclValue({ [steps[0]]: value }, indent, eol) }], containers: [container] };
  }
  const last = elements.at(-1)!.node;
  const multiLine = source.slice(object.startIndex, object.endIndex).includes("\n");
  if (multiLine) {
    const indent = indentationAt(source, last.startIndex);
    const at = lineEnd(source, last.endIndex);
    return { file, edits: [{ start: at, end: at, text: `${eol}${indent}${key} = ${renderHclValue(value, indent, eol)}` }], containers: [container] };
  }
  const closing = object.lastChild!.startIndex;
  const between = source.slice(last.endIndex, closing);
  const comma = between.indexOf(",");
  const at = comma === -1 ? last.endIndex : last.endIndex + comma + 1;
  const text = comma === -1 ? `, ${key} = ${renderHclValue(value, "", eol)}` : ` ${key} = ${renderHclValue(value, "", eol)},`;
  return { file, edits: [{ start: at, end: at, text }], containers: [container] };
}

function insertAttribute(source: string, eol: string, block: Node, name: string, value: JsonValue, raw?: string): TextEdit {
  const body = blockBody(block);
  const line = (indent: string) => `${hclKey(name)} = ${raw ?? renderHclValue(value, indent, eol)}`;
  if (body) {
    const attributes = bodyAttributes(body);
    if (attributes.length > 0) {
      const last = attributes.at(-1)!;
      const indent = indentationAt(source, last.startIndex);
      const at = lineEnd(source, last.endIndex);
      return { start: at, end: at, text: `${eol}${indent}${line(indent)}` };
    }
    const first = body.namedChild(0)!;
    const indent = indentationAt(source, first.startIndex);
    const at = lineStart(source, first.startIndex);
    return { start: at, end: at, text: `${indent}${line(indent)}${eol}` };
  }
  // an empty block, `{}` or `{` and `}` on their own lines
  const open = children(block, "block_start")[0]!;
  const close = children(block, "block_end")[0]!;
  const outer = indentationAt(source, block.startIndex);
  const indent = `${outer}  `;
  return { start: open.endIndex, end: close.startIndex, text: `${eol}${indent}${line(indent)}${eol}${outer}` };
}

/**
 * Makes the nested blocks of one type match the live list, compared without regard to order
 * (most nested block lists are sets): matching blocks stay as they are, changed ones are
 * rewritten in place, missing ones added and extra ones removed.
 */
function blockListEdit(file: string, source: string, eol: string, parent: Node, type: string, live: JsonValue): EditPlan | { refused: string } {
  if (!Array.isArray(live) || !live.every((e) => typeof e === "object" && e !== null && !Array.isArray(e))) {
    return { refused: `the live \`${type}\` is not a list of blocks.` };
  }
  const body = blockBody(parent);
  const existing = bodyBlocks(body, type);
  const values = existing.map(evaluateBody);
  if (values.some((v) => v === undefined)) return { refused: `a \`${type}\` block in the code uses expressions, so driftback cannot tell which live block it is.` };
  const siblingKeys = new Set(values.flatMap((v) => Object.keys(v!)));
  const elements = live as Record<string, JsonValue>[];
  const unmatchedBlocks = new Set(existing.map((_, i) => i));
  const unmatchedLive: Record<string, JsonValue>[] = [];
  for (const element of elements) {
    const match = [...unmatchedBlocks].find((i) => Object.entries(values[i]!).every(([k, v]) => deepEqual(element[k] ?? null, v, true)));
    if (match === undefined) unmatchedLive.push(element);
    else unmatchedBlocks.delete(match);
  }
  const edits: TextEdit[] = [];
  const stale = [...unmatchedBlocks].map((i) => existing[i]!);
  stale.forEach((block, i) => {
    const start = lineStart(source, block.startIndex);
    const end = lineEnd(source, block.endIndex);
    const replacement = unmatchedLive[i];
    if (replacement) edits.push({ start, end, text: renderBlock(type, replacement, indentationAt(source, block.startIndex), siblingKeys, eol) });
    else edits.push({ start: withBlankLineBefore(source, start), end: Math.min(source.length, end + eol.length), text: "" });
  });
  const added = unmatchedLive.slice(stale.length);
  if (added.length > 0) {
    const anchor = existing.at(-1) ?? bodyAttributes(body).at(-1) ?? bodyBlocks(body).at(-1);
    if (anchor) {
      const indent = indentationAt(source, anchor.startIndex);
      const at = lineEnd(source, anchor.endIndex);
      // keep the file's habit: blank lines between sibling blocks if it has them
      const spaced = existing.length > 1 ? /\r?\n[ \t]*\r?\n/.test(source.slice(existing.at(-2)!.endIndex, existing.at(-1)!.startIndex)) : existing.length === 1;
      const gap = spaced ? eol : "";
      edits.push({ start: at, end: at, text: added.map((e) => `${eol}${gap}${renderBlock(type, e, indent, siblingKeys, eol)}`).join("") });
    } else {
      const open = children(parent, "block_start")[0]!;
      const close = children(parent, "block_end")[0]!;
      const outer = indentationAt(source, parent.startIndex);
      edits.push({ start: open.endIndex, end: close.startIndex, text: `${eol}${added.map((e) => renderBlock(type, e, `${outer}  `, siblingKeys, eol)).join(eol)}${eol}${outer}` });
    }
  }
  return { file, edits, containers: [outermost(parent)] };
}

/** A new nested block with only the attributes that mean something, or that its siblings set, in their order. */
function renderBlock(type: string, element: Record<string, JsonValue>, indent: string, siblingKeys: ReadonlySet<string>, eol: string): string {
  const inner = `${indent}  `;
  const order = [...siblingKeys];
  const rank = (key: string) => (siblingKeys.has(key) ? order.indexOf(key) : order.length);
  const keys = Object.keys(element).sort((a, b) => rank(a) - rank(b)).filter((key) => {
    const value = element[key]!;
    const structured = typeof value === "object" && value !== null && (Array.isArray(value) ? value.some((v) => typeof v === "object" && v !== null) : true);
    if (siblingKeys.has(key)) return true;
    return !structured && meaningful(value);
  });
  const width = Math.max(0, ...keys.map((k) => hclKey(k).length));
  const lines = keys.map((key) => `${inner}${hclKey(key).padEnd(width)} = ${renderHclValue(element[key]!, inner, eol)}`);
  return lines.length === 0 ? `${indent}${type} {}` : `${indent}${type} {${eol}${lines.join(eol)}${eol}${indent}}`;
}

/** A removed block takes the blank line that separated it from the previous one along. */
function withBlankLineBefore(source: string, start: number): number {
  if (start === 0) return start;
  const previous = lineStart(source, start - 1);
  return source.slice(previous, start).trim() === "" ? previous : start;
}

function meaningful(value: JsonValue): boolean {
  if (value === null || value === "" || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

function nest(steps: PathStep[], value: JsonValue): JsonValue {
  return steps.reduceRight<JsonValue>((inner, step) => ({ [String(step)]: inner }), value);
}

/** The top-level block or attribute that holds `node`: the most an edit and its formatting may touch. */
function outermost(node: Node): { start: number; end: number } {
  let current = node;
  while (current.parent && current.parent.parent && current.parent.parent.type !== "config_file") current = current.parent;
  return { start: current.startIndex, end: current.endIndex };
}
