import { SGR } from "./colour.js";

const ESCAPE_SEQUENCE = /\u001b\[[0-9;]*m/y;

/** Characters a line takes on the terminal: code points, escape sequences not counted. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; ) {
    ESCAPE_SEQUENCE.lastIndex = i;
    const sgr = ESCAPE_SEQUENCE.exec(text);
    if (sgr) {
      i += sgr[0].length;
      continue;
    }
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    width++;
  }
  return width;
}

/** `text` cut to `width` visible characters, the last one `…` when anything was cut; escape sequences kept, colour reset after a cut. */
export function cut(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return "";
  let out = "";
  let shown = 0;
  let coloured = false;
  for (let i = 0; i < text.length && shown < width - 1; ) {
    ESCAPE_SEQUENCE.lastIndex = i;
    const sgr = ESCAPE_SEQUENCE.exec(text);
    if (sgr) {
      out += sgr[0];
      coloured = sgr[0] !== SGR.reset;
      i += sgr[0].length;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const char = String.fromCodePoint(cp);
    out += char;
    i += char.length;
    shown++;
  }
  return `${out}…${coloured ? SGR.reset : ""}`;
}

/** Every line of `text` cut to `width`: nothing wraps on the terminal. */
export function fitLines(text: string, width: number): string {
  return text
    .split("\n")
    .map((line) => cut(line, width))
    .join("\n");
}

export interface Column {
  header: string;
  /** Narrowest this column is cut to before the others give way (its header's width by default). */
  min?: number;
  /** Colour or symbol columns are never cut. */
  fixed?: boolean;
  /** Narrowed before the other columns (values, where names matter more). */
  shrinkFirst?: boolean;
  /** Cut at the start, keeping the end (`…ule.shop.aws_instance.web`): an address's last part names the resource. */
  keepEnd?: boolean;
}

/** Plain `text` (no escape sequences) cut to `width` characters from the start, the first one `…` when anything was cut. */
export function cutStart(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return "";
  return `…${chars.slice(chars.length - (width - 1)).join("")}`;
}

/**
 * An aligned table that fits `width`: columns padded to their widest cell, two spaces apart; when the
 * table is too wide, the `shrinkFirst` columns and then the widest cut-able column are narrowed one
 * character at a time (down to their minimum), and cut cells end in `…`. Cells are plain text (escaped already); `paintCell` colours a
 * cell after fitting, so escape sequences never count towards the width. Returns the lines, header first.
 */
export function fitTable(columns: readonly Column[], rows: readonly (readonly string[])[], width: number, paintCell: (row: number, column: number, text: string) => string = (_r, _c, t) => t): string[] {
  const gap = 2;
  const widths = columns.map((column, c) => Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[c] ?? ""))));
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1);
  const minOf = (c: number) => (columns[c]!.fixed ? widths[c]! : Math.max(1, columns[c]!.min ?? Math.min(visibleWidth(columns[c]!.header), 8)));
  // values give way first (down to their minimum), then every cut-able column, the widest first
  for (const phase of [(c: number) => columns[c]!.shrinkFirst === true, () => true]) {
    while (total() > width) {
      let widest = -1;
      for (let c = 0; c < columns.length; c++) if (phase(c) && widths[c]! > minOf(c) && (widest < 0 || widths[c]! > widths[widest]!)) widest = c;
      if (widest < 0) break; // nothing left to narrow in this phase; after the last, the lines themselves are cut
      widths[widest]!--;
    }
  }
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((cell, c) => {
        const text = columns[c]!.keepEnd && row >= 0 ? cutStart(cell, widths[c]!) : cut(cell, widths[c]!);
        const padded = c === cells.length - 1 ? text : text + " ".repeat(widths[c]! - visibleWidth(text));
        return row < 0 ? padded : paintCell(row, c, padded);
      })
      .join(" ".repeat(gap))
      .trimEnd();
  return [line(columns.map((column) => column.header), -1), ...rows.map((row, r) => line(row, r))].map((l) => cut(l, width));
}

/** `line` broken at spaces into lines of at most `width` visible characters (a word wider than that is cut). */
export function wrapWords(line: string, width: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of line.split(" ")) {
    const next = current === "" ? word : `${current} ${word}`;
    if (visibleWidth(next) <= width || current === "") current = next;
    else {
      out.push(current);
      current = word;
    }
  }
  out.push(current);
  return out.map((l) => cut(l, width));
}

/**
 * A text output fitted to the terminal: every line cut to `width` (nothing wraps on the terminal), except the
 * summary, the last line, which is never cut: when it is wider than the terminal it breaks at spaces, so what
 * it says stays whole at the end of the output.
 */
export function fitWithSummary(text: string, width: number): string {
  const lines = text.trimEnd().split("\n");
  const summary = lines.pop() ?? "";
  return `${[...lines.map((line) => cut(line, width)), ...wrapWords(summary, width)].join("\n")}\n`;
}
