import type { Node } from "web-tree-sitter";
import type { JsonValue } from "../plan/model.js";

/** Where an expression's value comes from, as far as codifying is concerned. */
export type ExpressionSource =
  | { kind: "literal"; value: JsonValue }
  | { kind: "variable"; name: string; path: (string | number)[] }
  | { kind: "local"; name: string; path: (string | number)[] }
  | { kind: "each"; path: (string | number)[] } // each.value.x / each.key
  | { kind: "expression"; description: string };

/** Reads an `expression` node: a literal's value, or what kind of reference or computation it is. */
export function evaluateExpression(node: Node): ExpressionSource {
  const inner = unwrap(node);
  switch (inner.type) {
    case "literal_value":
      return literal(inner);
    case "template_expr":
      return template(inner);
    case "operation":
      return operation(inner);
    case "collection_value":
      return collection(inner);
    case "variable_expr":
      return reference(node);
    case "function_call":
      return { kind: "expression", description: `the function call \`${inner.child(0)?.text}(…)\`` };
    case "conditional":
      return { kind: "expression", description: "a conditional expression" };
    case "for_expr":
      return { kind: "expression", description: "a for expression" };
    default:
      return { kind: "expression", description: `an expression (\`${shorten(node.text)}\`)` };
  }
}

/** `expression` nodes nest for parentheses; the first meaningful child says what it is. */
function unwrap(node: Node): Node {
  let current = node;
  while (current.type === "expression" && current.namedChildCount === 1 && current.namedChild(0)) current = current.namedChild(0)!;
  if (current.type === "expression" && current.namedChildCount > 1) return current.namedChild(0)!.type === "variable_expr" ? current.namedChild(0)! : current;
  return current;
}

function literal(node: Node): ExpressionSource {
  const child = node.namedChild(0)!;
  switch (child.type) {
    case "numeric_lit":
      return { kind: "literal", value: Number(child.text) };
    case "bool_lit":
      return { kind: "literal", value: child.text === "true" };
    case "null_lit":
      return { kind: "literal", value: null };
    case "string_lit":
      return { kind: "literal", value: unquote(child.text) };
    default:
      return { kind: "expression", description: child.type };
  }
}

function template(node: Node): ExpressionSource {
  const child = node.namedChild(0)!;
  const interpolated = child.namedChildren.some((c) => c?.type === "template_interpolation" || c?.type === "template_directive");
  if (interpolated) return { kind: "expression", description: `a template with interpolation (\`${shorten(node.text)}\`)` };
  if (child.type === "quoted_template") return { kind: "literal", value: unquote(child.text) };
  return { kind: "literal", value: heredocValue(child.text) };
}

function operation(node: Node): ExpressionSource {
  // `-1` parses as a unary operation on a numeric literal
  const unary = node.namedChild(0);
  if (unary?.type === "unary_operation" && unary.text.startsWith("-")) {
    const operand = unary.namedChild(0);
    if (operand?.type === "literal_value" && operand.namedChild(0)?.type === "numeric_lit") return { kind: "literal", value: -Number(operand.text) };
  }
  return { kind: "expression", description: `an operation (\`${shorten(node.text)}\`)` };
}

function collection(node: Node): ExpressionSource {
  const child = node.namedChild(0)!;
  if (child.type === "tuple") {
    const values: JsonValue[] = [];
    for (const element of child.namedChildren) {
      if (!element || element.type !== "expression") continue;
      const source = evaluateExpression(element);
      if (source.kind !== "literal") return { kind: "expression", description: "a list with non-literal elements" };
      values.push(source.value);
    }
    return { kind: "literal", value: values };
  }
  const object: Record<string, JsonValue> = {};
  for (const element of objectElements(child)) {
    const key = objectKey(element.key);
    if (key === undefined) return { kind: "expression", description: "an object with a computed key" };
    const source = evaluateExpression(element.value);
    if (source.kind !== "literal") return { kind: "expression", description: "an object with non-literal values" };
    object[key] = source.value;
  }
  return { kind: "literal", value: object };
}

export function objectElements(object: Node): { node: Node; key: Node; value: Node }[] {
  return object.namedChildren
    .filter((c): c is Node => c?.type === "object_elem")
    .map((node) => ({ node, key: node.childForFieldName("key")!, value: node.childForFieldName("val")! }));
}

/** A bare identifier or a literal string is a literal key; anything else is computed. */
export function objectKey(keyExpression: Node): string | undefined {
  const inner = keyExpression.namedChild(0);
  if (!inner) return undefined;
  if (inner.type === "variable_expr" && keyExpression.namedChildCount === 1) return inner.text;
  if (inner.type === "literal_value") {
    const source = literal(inner);
    return source.kind === "literal" && typeof source.value === "string" ? source.value : undefined;
  }
  if (inner.type === "template_expr") {
    const source = template(inner);
    return source.kind === "literal" && typeof source.value === "string" ? source.value : undefined;
  }
  return undefined;
}

function reference(node: Node): ExpressionSource {
  const parts = node.namedChildren.filter((c): c is Node => c !== null);
  const root = parts[0]!.text;
  const path: (string | number)[] = [];
  for (const part of parts.slice(1)) {
    if (part.type === "get_attr") path.push(part.namedChild(0)!.text);
    else if (part.type === "index") {
      const index = part.descendantsOfType("expression")[0];
      const value = index ? evaluateExpression(index) : undefined;
      if (value?.kind !== "literal" || (typeof value.value !== "number" && typeof value.value !== "string")) {
        return { kind: "expression", description: `a reference with a computed index (\`${shorten(node.text)}\`)` };
      }
      path.push(value.value);
    } else return { kind: "expression", description: `\`${shorten(node.text)}\`` };
  }
  if (root === "var" && typeof path[0] === "string") return { kind: "variable", name: path[0], path: path.slice(1) };
  if (root === "local" && typeof path[0] === "string") return { kind: "local", name: path[0], path: path.slice(1) };
  if (root === "each") return { kind: "each", path };
  return { kind: "expression", description: `a reference to \`${shorten(node.text)}\`` };
}

/** The value of a quoted HCL string literal: escapes resolved, `$${` and `%%{` back to `${` and `%{`. */
export function unquote(text: string): string {
  const body = text.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === "\\") {
      const next = body[++i];
      if (next === "n") out += "\n";
      else if (next === "r") out += "\r";
      else if (next === "t") out += "\t";
      else if (next === "u") {
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (next === "U") {
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
      } else out += next ?? "";
    } else if ((char === "$" || char === "%") && body[i + 1] === char && body[i + 2] === "{") {
      out += `${char}{`;
      i += 2;
    } else out += char;
  }
  return out;
}

/**
 * What HCL counts as indentation in a `<<-` heredoc: Go's unicode.IsSpace (ASCII and Latin-1
 * spaces, NEL and no-break space included, then Unicode's White_Space), not JavaScript's `\s`
 * (which adds U+FEFF and leaves out U+0085).
 */
const HCL_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** The leading run of HCL whitespace of a heredoc line. */
export function hclIndentation(line: string): string {
  return HCL_SPACE.exec(line)![0];
}

/**
 * A heredoc's value, as terraform reads it: the lines between the markers, each with its newline
 * (a CRLF file's `\r` stays), `$${` and `%%{` back to `${` and `%{`. `<<-` strips from each line
 * as many characters (grapheme clusters) as the least indented line has; lines of whitespace only
 * neither count nor lose any (hclsyntax's flushHeredocTemplateParts).
 */
export function heredocValue(text: string): string {
  const lines = text.split("\n");
  let content = lines.slice(1, -1);
  if (lines[0]!.startsWith("<<-")) {
    const blank = (line: string) => hclIndentation(line) === line;
    const indents = content.filter((line) => !blank(line)).map((line) => [...graphemes.segment(hclIndentation(line))].length);
    const strip = indents.reduce((least, n) => Math.min(least, n), Infinity);
    content = content.map((line) => (blank(line) ? line : [...graphemes.segment(line)].slice(strip).map((s) => s.segment).join("")));
  }
  return content.map((line) => `${line.replace(/([$%])\1\{/g, "$1{")}\n`).join("");
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}
