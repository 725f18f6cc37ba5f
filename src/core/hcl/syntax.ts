import type { Node, Tree } from "web-tree-sitter";
import { unquote } from "./evaluate.js";

/** Small readers over tree-sitter's terraform grammar, so the rest never walks raw children. */

/** The file's body; comments before it are siblings, not children. */
function fileBody(tree: Tree): Node | undefined {
  return children(tree.rootNode, "body")[0];
}

export function topLevelBlocks(tree: Tree): Node[] {
  const body = fileBody(tree);
  return body ? children(body, "block") : [];
}

export function topLevelAttributes(tree: Tree): Node[] {
  const body = fileBody(tree);
  return body ? children(body, "attribute") : [];
}

export function blockType(block: Node): string {
  return block.namedChild(0)?.text ?? "";
}

export function blockLabels(block: Node): string[] {
  return children(block, "string_lit").map((label) => unquote(label.text));
}

/** The block's body; an empty block (`{}`) has none. */
export function blockBody(block: Node): Node | undefined {
  return children(block, "body")[0];
}

export function attributeName(attribute: Node): string {
  return attribute.namedChild(0)?.text ?? "";
}

export function attributeExpression(attribute: Node): Node {
  return attribute.namedChild(1)!;
}

export function bodyAttributes(body: Node | undefined): Node[] {
  return body ? children(body, "attribute") : [];
}

export function bodyBlocks(body: Node | undefined, type?: string): Node[] {
  const blocks = body ? children(body, "block") : [];
  return type === undefined ? blocks : blocks.filter((b) => blockType(b) === type);
}

export function findAttribute(body: Node | undefined, name: string): Node | undefined {
  return bodyAttributes(body).find((a) => attributeName(a) === name);
}

/** `dynamic "ingress" { ... }` blocks that generate `ingress` blocks. */
export function dynamicBlocks(body: Node | undefined, generated: string): Node[] {
  return bodyBlocks(body, "dynamic").filter((b) => blockLabels(b)[0] === generated);
}

/** The object or tuple an expression constructs (`{ … }`, `[ … ]`, parentheses allowed), when it is one; `type` narrows it. */
export function collectionOf(node: Node, type?: "object" | "tuple"): Node | undefined {
  let current: Node | null = node;
  while (current?.type === "expression" && current.namedChildCount === 1) current = current.namedChild(0);
  const inner = current?.type === "collection_value" ? current.namedChild(0) : undefined;
  return inner && (type === undefined || inner.type === type) ? inner : undefined;
}

export function children(node: Node, type: string): Node[] {
  return node.namedChildren.filter((c): c is Node => c?.type === type);
}

/** Start of the line holding `index`. */
export function lineStart(source: string, index: number): number {
  return source.lastIndexOf("\n", index - 1) + 1;
}

/** End of the line holding `index` (before its line break). */
export function lineEnd(source: string, index: number): number {
  const next = source.indexOf("\n", index);
  const end = next === -1 ? source.length : next;
  return source[end - 1] === "\r" ? end - 1 : end;
}

export function indentationAt(source: string, index: number): string {
  return /^[ \t]*/.exec(source.slice(lineStart(source, index)))![0];
}

export function lineOf(source: string, index: number): number {
  let line = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < index; i = source.indexOf("\n", i + 1)) line++;
  return line;
}
