import type { PublicDriftItem } from "../../drift/report.js";
import type { Severity } from "../../drift/track.js";
import type { Render } from "../../templates.js";
import { cellText } from "../cell.js";
import { paint, styleCodes, type Style } from "./colour.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, type Column } from "./fit.js";

/** terraform's symbol per class: `~` changed in place, `-` gone; noise and unapplied code are changes too, shown dim or apart by colour. */
const SYMBOL: Record<PublicDriftItem["class"], { symbol: string; style: Style }> = {
  actionable: { symbol: "~", style: "yellow" },
  deleted: { symbol: "-", style: "red" },
  unapplied: { symbol: "~", style: "cyan" },
  noise: { symbol: "~", style: "dim" },
};

const SEVERITY_ORDER: readonly Severity[] = ["low", "medium", "high", "critical"];

export interface DriftSummary {
  real: number;
  policy: number;
  /** The highest severity among real drift, when there is any. */
  severity?: Severity;
  noise: number;
  unapplied: number;
}

/** The counts the summary line says: real drift (actionable and deleted), how much is policy and how bad it gets, noise, unapplied code. */
export function driftSummary(items: readonly Pick<PublicDriftItem, "class" | "taxonomy" | "severity">[]): DriftSummary {
  const real = items.filter((i) => i.class === "actionable" || i.class === "deleted");
  const worst = real.reduce<number>((max, i) => Math.max(max, SEVERITY_ORDER.indexOf(i.severity)), -1);
  return {
    real: real.length,
    policy: real.filter((i) => i.taxonomy === "policy").length,
    ...(worst >= 0 ? { severity: SEVERITY_ORDER[worst]! } : {}),
    noise: items.filter((i) => i.class === "noise").length,
    unapplied: items.filter((i) => i.class === "unapplied").length,
  };
}

export interface DriftTextOptions {
  workspace: string;
  /** The terminal's width: no line is wider. */
  width: number;
  /** ANSI colour on (the caller decides from flags, environment and the TTY). */
  colour: boolean;
  /** templates/text/drift-items.hbs: heading, the table (given rendered), the words of the summary. */
  render: Render;
  /** templates/text/drift-columns.hbs: the six column headers, one a line, then the label of a planned value. */
  columns: Render;
}

/**
 * `drift` and `scan` for a terminal: an aligned table (terraform's symbols, values escaped and cut with
 * `…` to fit the width) and the summary line last, as terraform prints `Plan:` last. Pure: width and
 * colour come in.
 */
export function renderDriftText(items: readonly PublicDriftItem[], options: DriftTextOptions): string {
  const headers = options.columns({}).split("\n").map((h) => h.trim());
  if (headers.length !== 7) throw new Error(`templates/text/drift-columns.hbs must name 6 columns and the label of a planned value, one a line; it has ${headers.length} lines`);
  const [resource, attribute, cls, kind, recorded, live, planned] = headers as [string, string, string, string, string, string, string];
  const columns: Column[] = [
    { header: " ", fixed: true },
    { header: resource, min: 24, keepEnd: true }, // the address matters most: the others give way first, and its end stays
    { header: attribute, min: 10 },
    { header: cls, fixed: true },
    { header: kind, min: 6, shrinkFirst: true },
    { header: recorded, min: 8, shrinkFirst: true },
    { header: live, min: 8, shrinkFirst: true },
  ];
  // unapplied code's `after` is what apply would make it, not what runs: labelled planned in the live column
  const after = (i: PublicDriftItem) => (i.class === "unapplied" ? `${planned} ${cellText(i.after)}` : cellText(i.after));
  const rows = items.map((i) => [SYMBOL[i.class].symbol, i.address, i.path || "(whole resource)", i.class, i.taxonomy, cellText(i.before), after(i)].map(escapeTerminal));
  const table = items.length
    ? fitTable(columns, rows, options.width, (r, c, text) => (c === 0 || c === 3 ? paint(text, SYMBOL[items[r]!.class].style, options.colour) : text)).join("\n")
    : "";
  const summary = driftSummary(items);
  const text = options.render({
    workspace: options.workspace,
    table,
    count: items.length,
    ...summary,
    style: styleCodes(options.colour),
  });
  return fitWithSummary(text, options.width);
}
