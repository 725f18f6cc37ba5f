import type { JsonValue } from "../plan/model.js";
import { hclIndentation, heredocValue } from "./evaluate.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = "  ";
const INLINE_LIMIT = 80;

/** Escapes a string for a quoted HCL template: quotes, backslashes, control characters, `${` and `%{`. */
export function quoteHclString(value: string): string {
  const chars = [...value];
  let out = "";
  chars.forEach((char, i) => {
    const next = chars[i + 1];
    if ((char === "$" || char === "%") && next === "{") {
      out += char + char; // `$${` and `%%{` are HCL's literal forms of `${` and `%{`
    } else if ((char === "$" || char === "%") && next === char) {
      // a `$` right before an escaped `$${` would be ambiguous: write it as a unicode escape
      out += char === "$" ? "\\u0024" : "\\u0025";
    } else out += escapeChar(char);
  });
  return `"${out}"`;
}

function escapeChar(char: string): string {
  switch (char) {
    case "\\":
      return "\\\\";
    case '"':
      return '\\"';
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default: {
      const code = char.codePointAt(0)!;
      return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : char;
    }
  }
}

function escapeTemplateSequences(text: string): string {
  return text.replace(/([$%])\{/g, (_match, introducer: string) => `${introducer}${introducer}{`);
}

/**
 * Bare words that cannot be an object key as written: `{ for = 1 }` opens a for expression (terraform
 * refuses it), and a bare `null`, `true` or `false` key reads as that value, not as a name. The other
 * keywords (`in`, `if`, `else`, `endif`, `endfor`) read as keys in terraform and in tree-sitter alike.
 */
const RESERVED_KEYS = new Set(["for", "null", "true", "false"]);

/** An object key as HCL reads it back: bare when it is an identifier, quoted otherwise. */
export function hclKey(key: string): string {
  return IDENTIFIER.test(key) && !RESERVED_KEYS.has(key) ? key : quoteHclString(key);
}

/** A heredoc reads better for multi-line text; it always ends in a newline, so only such text qualifies. */
function heredocFits(value: string): boolean {
  return value.endsWith("\n") && value.length > 1 && !/[\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\$\$|%%/.test(value);
}

function heredoc(value: string, indent: string, indented: boolean): string {
  const lines = value.slice(0, -1).split("\n");
  let marker = "EOT";
  // terraform ends a heredoc at its marker with any whitespace around it (NEL too, which trim() keeps)
  const bare = lines.map((line) => line.replace(/^[\s\u0085]+|[\s\u0085]+$/g, ""));
  for (let n = 2; bare.includes(marker); n++) marker = `EOT${n}`;
  if (indented) {
    // `<<-` strips the least indentation of the lines that are not whitespace only (those stay as
    // written): indent every other line, then keep the form only if terraform reads the value back
    // (a line starting with a no-break space, or a combining mark that joins the indentation, does not)
    const inner = `${indent}  `;
    const text = `<<-${marker}\n${lines.map((line) => (hclIndentation(line) === line ? line : inner + escapeTemplateSequences(line))).join("\n")}\n${indent}${marker}`;
    if (heredocValue(text) === value) return text;
  }
  // `<<`: the content keeps its own indentation exactly
  return `<<${marker}\n${lines.map(escapeTemplateSequences).join("\n")}\n${marker}`;
}

/**
 * A number without exponent notation ("1e-7" -> "0.0000001"): terraform reads both, but the
 * tree-sitter grammar the read-back check uses does not read signed exponents.
 */
export function plainDecimal(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = "", exponentText] = match;
  const exponent = Number(exponentText);
  const digits = whole! + fraction;
  const point = whole!.length + exponent;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`.replace(/0+$/, "");
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function isPrimitive(value: JsonValue): boolean {
  return value === null || typeof value !== "object";
}

/**
 * Renders a JSON value (as terraform's plan JSON gives it) as an HCL expression. `indent` is the
 * indentation of the line the expression starts on, so multi-line values nest correctly.
 */
export interface RenderOptions {
  /** Write multi-line text as an indented `<<-` heredoc (as the code being replaced did). */
  indentedHeredoc?: boolean;
}

export function renderHclValue(value: JsonValue, indent = "", eol = "\n", inList = false, options: RenderOptions = {}): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? plainDecimal(value) : "null";
  // a heredoc's closing marker must stand alone on its line, so never before a list's comma; in a
  // CRLF file every heredoc line would end in "\r\n" in the value too, so the text is quoted there
  if (typeof value === "string") return !inList && eol === "\n" && heredocFits(value) ? heredoc(value, indent, options.indentedHeredoc === true) : quoteHclString(value);
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every(isPrimitive)) {
      const inline = `[${value.map((v) => renderHclValue(v, indent, eol, true)).join(", ")}]`;
      if (inline.length <= INLINE_LIMIT && !inline.includes("\n")) return inline;
    }
    return `[${eol}${value.map((v) => `${inner}${renderHclValue(v, inner, eol, true)},`).join(eol)}${eol}${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const keys = entries.map(([key]) => hclKey(key));
  const width = Math.max(...keys.map((k) => k.length));
  const lines = entries.map(([, v], i) => `${inner}${keys[i]!.padEnd(width)} = ${renderHclValue(v, inner, eol)}`);
  return `{${eol}${lines.join(eol)}${eol}${indent}}`;
}
