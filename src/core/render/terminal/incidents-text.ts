import type { Render } from "../../templates.js";
import { paint, styleCodes } from "./colour.js";
import { columnHeaders } from "./diff-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, type Column } from "./fit.js";

/** One incident as `driftback incidents` lists it (the neutral shape --incidents-from reads). */
export interface IncidentTextRow {
  key: string;
  title: string;
  url: string;
  status: string;
  opened_at: string;
  resolved_at?: string | null | undefined;
  service?: string | undefined;
  source: string;
}

export interface IncidentsTextOptions {
  /** The window's start, ISO 8601. */
  since: string;
  /** How many sources answered or failed. */
  sources: number;
  width: number;
  colour: boolean;
  /** templates/text/incidents.hbs: heading, the table (given rendered), the summary's words. */
  render: Render;
  /** templates/text/incidents-columns.hbs: the table's headers (opened, source, key, status, service, title), one a line. */
  columns: Render;
}

/** `2026-11-01T02:10:00.000Z` as `2026-11-01 02:10`: minutes are enough to read a table by (the time is UTC). */
function minutes(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso;
}

/**
 * `incidents --format text` (issue 17 §1): an aligned table of the incidents, oldest first, cut with `…` to the
 * terminal's width (the title gives way first; links are in the json format), open ones in red, and the summary line last. Pure.
 */
export function renderIncidentsText(incidents: readonly IncidentTextRow[], options: IncidentsTextOptions): string {
  const { width, colour } = options;
  const headers = columnHeaders(options.columns({}), 6, "templates/text/incidents-columns.hbs");
  const columns: Column[] = headers.map((header, c) => (c === 0 ? { header, fixed: true } : c === 5 ? { header, min: 16, shrinkFirst: true } : { header, min: 8 }));
  const rows = incidents.map((i) => [minutes(i.opened_at), i.source, i.key, i.status, i.service ?? "", i.title].map(escapeTerminal));
  const open = (r: number) => incidents[r]!.status !== "resolved";
  const table = incidents.length ? fitTable(columns, rows, width, (r, c, text) => (c === 3 ? paint(text, open(r) ? "red" : "green", colour) : text)).join("\n") : "";
  const text = options.render({
    since: minutes(options.since),
    table,
    count: incidents.length,
    open: incidents.filter((i) => i.status !== "resolved").length,
    sources: options.sources,
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
