import type { Render } from "../../templates.js";
import { paint, styleCodes } from "./colour.js";
import { diffText } from "./diff-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitWithSummary, visibleWidth, wrapWords } from "./fit.js";

/** One drift's outcome, the shape of usecases/codify-drift's CodifyResult (kept here so core imports nothing above it). */
export type CodifyTextResult =
  | { address: string; path: string; status: "codified"; diff: string; via: string }
  | { address: string; path: string; status: "up-to-date"; via: string }
  | { address: string; path: string; status: "refused"; reason: string; snippet: string };

export interface CodifyTextOptions {
  width: number;
  colour: boolean;
  /** --write was given: the edits are on disk. */
  written: boolean;
  /** templates/text/codify.hbs: each drift's heading and outcome, the diffs (given rendered), the summary's words. */
  render: Render;
}

/**
 * `codify --format text` (issue 17 §1): per drift its outcome, each edit as a unified diff (red and green with
 * colour on, escaped line by line), a refusal with the suggested change, and the summary line last. Pure.
 */
export function renderCodifyText(results: readonly CodifyTextResult[], options: CodifyTextOptions): string {
  const { width, colour } = options;
  const count = (status: CodifyTextResult["status"]) => results.filter((r) => r.status === status).length;
  const text = options.render({
    results: results.map((r) => ({
      symbol: r.status === "codified" ? paint("~", "yellow", colour) : r.status === "refused" ? paint("!", "red", colour) : " ",
      address: r.address,
      path: r.path,
      codified: r.status === "codified",
      upToDate: r.status === "up-to-date",
      // where, or how, the value went: a file, or driftback's sentence on a module's input; broken at spaces, never cut
      viaLines: r.status === "refused" ? [] : wrapWords(escapeTerminal(r.via), Math.max(20, width - 6)),
      // short enough to follow the template's words on one line (they take at most 60 columns)
      viaInline: r.status !== "refused" && visibleWidth(escapeTerminal(r.via)) <= width - 60 ? escapeTerminal(r.via) : "",
      // driftback's own sentence, escaped, then broken at spaces under the heading (printed raw by the template)
      reasonLines: r.status === "refused" ? wrapWords(escapeTerminal(r.reason), Math.max(20, width - 6)) : [],
      snippetLines: r.status === "refused" ? r.snippet.split("\n") : [],
      diff: r.status === "codified" ? diffText(r.diff, colour).join("\n") : "",
    })),
    count: results.length,
    codified: count("codified"),
    upToDate: count("up-to-date"),
    refused: count("refused"),
    written: options.written,
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
