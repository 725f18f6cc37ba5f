import { paint, type Style } from "./colour.js";
import { escapeTerminal } from "./escape-terminal.js";

/** The style of a unified diff's line by its first character: removed red, added green, hunk headers cyan, file headers bold. */
function styleOf(line: string): Style | undefined {
  if (line.startsWith("+++") || line.startsWith("---")) return "bold";
  if (line.startsWith("+")) return "green";
  if (line.startsWith("-")) return "red";
  if (line.startsWith("@@")) return "cyan";
  return undefined;
}

/**
 * A unified diff for a terminal: each line escaped (a file's control characters and escape sequences show as
 * text, never drive the terminal) and, with colour on, red for removed lines and green for added ones. The
 * `Index:` and `====` lines jsdiff writes above the file headers are left out (git's diffs have none).
 */
export function diffText(diff: string, colour: boolean): string[] {
  return diff
    .replace(/\n$/, "")
    .split("\n")
    .filter((line) => !line.startsWith("Index: ") && !/^=+$/.test(line))
    .map((line) => paint(escapeTerminal(expandTabs(line)), styleOf(line), colour));
}

/** Tabs as the spaces a terminal shows for them (stops every 8 columns), so widths add up; a header's trailing tab goes. */
function expandTabs(line: string): string {
  if (!line.includes("\t")) return line;
  let out = "";
  for (const char of line.replace(/\t+$/, "")) out += char === "\t" ? " ".repeat(8 - (out.length % 8)) : char;
  return out;
}

/** Lines a template printed for a table's headers, one a line: exactly `count` of them, or the template is wrong. */
export function columnHeaders(text: string, count: number, template: string): string[] {
  const headers = text.split("\n").map((h) => h.trim());
  if (headers.length !== count) throw new Error(`${template} must name ${count} columns, one a line; it names ${headers.length}`);
  return headers;
}
