import type { Render } from "../../templates.js";
import { styleCodes } from "./colour.js";
import { diffText } from "./diff-text.js";
import { fitWithSummary } from "./fit.js";

export interface ExpectTextOptions {
  group: string;
  resource: string;
  attribute: string;
  /** The config's unified diff, or "" when nothing changes (already expected) or it was written. */
  diff: string;
  outcome: "already" | "written" | "diff";
  width: number;
  colour: boolean;
  /** templates/text/expect.hbs: the diff (given rendered) and the summary's words. */
  render: Render;
}

/** `expect --format text` (issue 17 §1): the config's diff, red and green with colour on, and the summary line last. Pure. */
export function renderExpectText(options: ExpectTextOptions): string {
  const text = options.render({
    group: options.group,
    resource: options.resource,
    attribute: options.attribute,
    diff: options.diff ? diffText(options.diff, options.colour).join("\n") : "",
    already: options.outcome === "already",
    written: options.outcome === "written",
    style: styleCodes(options.colour),
  });
  return fitWithSummary(text, options.width);
}
