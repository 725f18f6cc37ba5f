import { escapeForOneLine } from "../../printable.js";

/**
 * The text output format's one escaper for a value printed on a terminal line (a table cell, a
 * name in a sentence): every control character, line break and escape sequence is shown escaped
 * (`\x1b[31m` stays visible text, never colour), and nothing else changes: no HTML entities, no
 * markdown escaping. Beside escapeMarkdownInline, which does the same job for markdown.
 */
export function escapeTerminal(value: unknown): string {
  return escapeForOneLine(typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
}
