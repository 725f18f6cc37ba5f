import type { PublicGroup } from "../../parity/public.js";
import type { Render } from "../../templates.js";
import { parityView } from "../parity.js";
import { paint, styleCodes } from "./colour.js";
import { columnHeaders } from "./diff-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, type Column } from "./fit.js";

export interface ParityTextOptions {
  width: number;
  colour: boolean;
  /** templates/text/parity.hbs: each group's heading and members, its tables (given rendered), the summary's words. */
  render: Render;
  /** templates/text/parity-columns.hbs: the fixed headers of the differences table ({ versions: false }: resource, attribute, why) or the versions one ({ versions: true }: version, name). */
  columns: Render;
  /** templates/text/parity-why.hbs: a difference's kind and cause in a few words (the Why column). */
  why: Render;
}

/**
 * `parity --format text` (issue 17 §1): per group an aligned table of its differences, a column per member
 * (values escaped and cut with `…` to the terminal's width, never wrapped), its version differences, and the
 * summary line last. Pure.
 */
export function renderParityText(groups: readonly PublicGroup[], options: ParityTextOptions): string {
  const { width, colour } = options;
  const view = parityView(groups);
  const symbol = paint("~", "yellow", colour);
  const table = (fixed: string[], before: number, members: readonly string[], rows: string[][]) => {
    const headers = [" ", ...fixed.slice(0, before), ...members, ...fixed.slice(before)];
    const columns: Column[] = headers.map((header, c) =>
      c === 0 ? { header, fixed: true } : c <= before ? { header, min: c === 1 ? 16 : 10 } : c <= before + members.length ? { header, min: 6, shrinkFirst: true } : { header, min: 8 },
    );
    return fitTable(columns, rows.map((r) => ["~", ...r].map(escapeTerminal)), width, (_r, c, text) => (c === 0 ? text.replace("~", symbol) : text)).join("\n");
  };
  const [resource, attribute, why] = columnHeaders(options.columns({ versions: false }), 3, "templates/text/parity-columns.hbs") as [string, string, string];
  const [version, name] = columnHeaders(options.columns({ versions: true }), 2, "templates/text/parity-columns.hbs") as [string, string];
  const rendered = view.groups.map((g) => ({
    name: g.name,
    module: g.module ?? "",
    configured: g.configured,
    members: g.members.join(", "),
    clean: g.clean,
    differences: g.differences.length ? table([resource, attribute, why], 2, g.members, g.differences.map((d) => [d.resource, d.attribute, ...d.cells, options.why({ kind: d.kind, cause: d.cause })])) : "",
    versions: g.versions.length ? table([version, name], 2, g.members, g.versions.map((v) => [v.kind, v.name, ...v.cells])) : "",
    unknown: g.unknown,
  }));
  const count = (kind: "declared" | "live") => groups.reduce((sum, g) => sum + g.differences.filter((d) => d.kind === kind).length, 0);
  const text = options.render({
    groups: rendered,
    differences: view.differences,
    declared: count("declared"),
    live: count("live"),
    versions: groups.reduce((sum, g) => sum + g.versions.length, 0),
    groupCount: groups.length,
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
