import type { Render } from "../../templates.js";
import { paint, styleCodes } from "./colour.js";
import { columnHeaders, diffText } from "./diff-text.js";
import type { DriftSummary } from "./drift-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, wrapWords, type Column } from "./fit.js";

/** What `backport` printed for the text format (the shape of commands/backport-output's BackportOutput, kept here so core imports nothing above it). */
export interface BackportTextInput {
  dryRun: boolean;
  repo: string;
  workspace: string;
  proposed: readonly {
    title: string;
    branch: string;
    base: string;
    action: string;
    labels: readonly string[];
    draft: boolean;
    reviewers: readonly string[];
    teamReviewers: readonly string[];
    files: readonly { path: string; diff: string }[];
    verified: boolean | null;
    incident?: { key: string; confidence: number | null } | null;
  }[];
  opened: readonly { number: number; url: string; status: string; action: string; drift: readonly unknown[] }[];
  skipped: readonly { address: string; attribute: string; status: string; reason: string }[];
  writes: number;
}

export interface BackportTextOptions {
  width: number;
  colour: boolean;
  /** The plan's drift, counted for the summary line. */
  summary: DriftSummary;
  /** backport.records_dir: the drift records (markdown files) are named with their size, not shown line by line. */
  recordsDir: string;
  /** templates/text/backport.hbs: headings, each pull request's fields, the summary's words. */
  render: Render;
  /** templates/text/backport-columns.hbs: the headers of a real run's table of pull requests, one a line. */
  columns: Render;
}

/** terraform's `~` for every pull request (apply changes the resource, or the code changes to match it); the colour tells codify from revert. */
const ACTION_SYMBOL: Record<string, { symbol: string; style: "yellow" | "red" | "cyan" }> = {
  codify: { symbol: "~", style: "yellow" },
  revert: { symbol: "~", style: "red" },
  mixed: { symbol: "~", style: "cyan" },
};

/**
 * `backport --format text` (issue 17 §1): each pull request with its fields and its files as unified diffs
 * (red and green with colour on), the drift without a pull request with its reason, and the summary line last:
 * the drift's counts and how many pull requests would open (a dry run) or are open (a real run). Pure.
 */
export function renderBackportText(output: BackportTextInput, options: BackportTextOptions): string {
  const { width, colour } = options;
  const records = `${options.recordsDir.replace(/\/+$/, "")}/`;
  const isRecord = (file: string) => file.startsWith(records);
  const proposed = output.proposed.map((pr, index) => {
    const symbol = ACTION_SYMBOL[pr.action] ?? ACTION_SYMBOL.mixed!;
    return {
      position: index + 1,
      symbol: paint(symbol.symbol, symbol.style, colour),
      title: pr.title,
      action: pr.action,
      branch: pr.branch,
      base: pr.base,
      draft: pr.draft,
      labels: pr.labels.join(", "),
      reviewers: pr.reviewers.map((r) => `@${r}`).join(", "),
      teamReviewers: pr.teamReviewers.join(", "),
      verifyRun: pr.verified !== null,
      verified: pr.verified === true,
      incident: pr.incident ? { key: pr.incident.key, confidence: pr.incident.confidence === null ? null : Math.round(pr.incident.confidence * 100) } : null,
      // rendered here (escaped line by line, coloured), printed raw by the template
      files: pr.files.filter((f) => !isRecord(f.path)).map((f) => ({ path: f.path, diff: diffText(f.diff, colour).join("\n") })),
      records: pr.files.filter((f) => isRecord(f.path)).map((f) => ({ path: f.path, lines: f.diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length })),
    };
  });
  const headers = columnHeaders(options.columns({}), 4, "templates/text/backport-columns.hbs");
  const columns: Column[] = headers.map((header, c) => (c === 3 ? { header, min: 8, shrinkFirst: true } : { header, fixed: true }));
  const opened = output.opened.length ? fitTable(columns, output.opened.map((pr) => [`#${pr.number}`, pr.action, pr.status, pr.url].map(escapeTerminal)), width).join("\n") : "";
  // a reason is a sentence: broken at spaces under its drift, never cut
  const skipped = output.skipped.map((s) => ({ address: s.address, attribute: s.attribute, status: s.status, reasonLines: wrapWords(escapeTerminal(s.reason), Math.max(20, width - 6)) }));
  const text = options.render({
    dryRun: output.dryRun,
    repo: output.repo,
    workspace: output.workspace,
    proposed,
    pullRequests: output.dryRun ? output.proposed.length : output.opened.length,
    skipped,
    opened,
    writes: output.writes,
    ...options.summary,
    severity: options.summary.severity ?? "",
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
