import type { JsonValue } from "../../plan/model.js";
import type { Render } from "../../templates.js";
import { paint, styleCodes } from "./colour.js";
import { columnHeaders, diffText } from "./diff-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, wrapWords, type Column } from "./fit.js";

/** What `align` worked out (the shape of usecases/align's Alignment and AlignVerification, kept here so core imports nothing above it). */
export interface AlignTextInput {
  group: string;
  resource: string;
  attribute: string;
  to: string;
  value: JsonValue;
  origin: "live" | "planned" | "declared";
  aligned: readonly { member: string; files: readonly string[]; via: string; source?: true }[];
  unchanged: readonly { member: string; why: string }[];
  refused: readonly { member: string; reason: string }[];
  diffs: readonly { path: string; diff: string }[];
}
export type AlignTextVerification = { ok: true; verified: readonly string[]; problems: readonly { workspace: string; problem: string }[] } | { ok: false; reason: string };

export interface AlignTextOptions {
  width: number;
  colour: boolean;
  dryRun: boolean;
  written: readonly string[];
  /** templates/text/align.hbs: heading, value and origin, the member table and diffs (given rendered), verification, the summary's words. */
  render: Render;
  /** templates/text/align-columns.hbs: the member table's headers (member, outcome, detail), one a line; with headers false, the word of the outcome flagged true (aligned, unchanged or refused). */
  columns: Render;
}

/**
 * `align --format text` (issue 17 §1): the value and where it comes from, per member what it gets (an aligned
 * table, `~` for an edit, `!` for a refusal), the verification, each edited file as a unified diff (red and
 * green with colour on), and the summary line last. Pure.
 */
export function renderAlignText(alignment: AlignTextInput, verification: AlignTextVerification | undefined, options: AlignTextOptions): string {
  const { width, colour } = options;
  const [member, outcome, detail] = columnHeaders(options.columns({ headers: true, aligned: false, unchanged: false, refused: false }), 3, "templates/text/align-columns.hbs") as [string, string, string];
  const word = (o: "aligned" | "unchanged" | "refused") => options.columns({ headers: false, aligned: o === "aligned", unchanged: o === "unchanged", refused: o === "refused" }).trim();
  const rows = [
    ...alignment.aligned.map((a) => ({ symbol: "~", style: "yellow" as const, cells: [a.member, word("aligned"), `${a.via} (${a.files.join(", ")})`] })),
    ...alignment.unchanged.map((u) => ({ symbol: " ", style: undefined, cells: [u.member, word("unchanged"), u.why] })),
    ...alignment.refused.map((r) => ({ symbol: "!", style: "red" as const, cells: [r.member, word("refused"), r.reason] })),
  ];
  const columns: Column[] = [{ header: " ", fixed: true }, { header: member, min: 10 }, { header: outcome, fixed: true }, { header: detail, min: 12, shrinkFirst: true }];
  const table = rows.length ? fitTable(columns, rows.map((r) => [r.symbol, ...r.cells].map(escapeTerminal)), width, (r, c, text) => (c === 0 ? paint(text, rows[r]!.style, colour) : text)).join("\n") : "";
  const text = options.render({
    group: alignment.group,
    resource: alignment.resource,
    attribute: alignment.attribute,
    to: alignment.to,
    value: JSON.stringify(alignment.value),
    origin: { [alignment.origin]: true },
    table,
    // reasons are sentences: broken at spaces under their member, not cut
    refusals: alignment.refused.map((r) => ({ member: r.member, lines: wrapWords(escapeTerminal(r.reason), Math.max(20, width - 6)) })),
    verification: verification === undefined ? null : verification.ok ? { ran: true, verified: verification.verified.join(", "), problems: verification.problems } : { ran: false, reason: verification.reason },
    diffs: options.dryRun || options.written.length === 0 ? alignment.diffs.map((d) => diffText(d.diff, colour).join("\n")) : [],
    aligned: alignment.aligned.length,
    unchanged: alignment.unchanged.length,
    refused: alignment.refused.length,
    files: alignment.diffs.length,
    dryRun: options.dryRun,
    written: options.written.join(", "),
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
