import type { Node } from "web-tree-sitter";
import type { JsonValue } from "../plan/model.js";
import { evaluateExpression } from "./evaluate.js";
import { attributeExpression, attributeName, blockBody, blockType, bodyAttributes, bodyBlocks } from "./syntax.js";

/**
 * The literal content of a block: its attributes and nested blocks (as lists of objects, the
 * way plan JSON shows them). Undefined when anything in it is not a literal.
 */
export function evaluateBody(block: Node): Record<string, JsonValue> | undefined {
  const body = blockBody(block);
  const out: Record<string, JsonValue> = {};
  for (const attribute of bodyAttributes(body)) {
    const value = evaluateExpression(attributeExpression(attribute));
    if (value.kind !== "literal") return undefined;
    out[attributeName(attribute)] = value.value;
  }
  for (const nested of bodyBlocks(body)) {
    const type = blockType(nested);
    if (type === "dynamic") return undefined;
    const value = evaluateBody(nested);
    if (!value) return undefined;
    out[type] = [...((out[type] as JsonValue[] | undefined) ?? []), value];
  }
  return out;
}

/**
 * The literal attributes of a block, expressions left out: enough to tell the elements of a set
 * of blocks apart even where one attribute is a variable.
 */
export function literalAttributes(block: Node): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const attribute of bodyAttributes(blockBody(block))) {
    const value = evaluateExpression(attributeExpression(attribute));
    if (value.kind === "literal") out[attributeName(attribute)] = value.value;
  }
  return out;
}
