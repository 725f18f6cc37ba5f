import type { ChangeAction, PlanModel, ResourceChange } from "../../plan/model.js";
import type { Render } from "../../templates.js";
import { diffLines, namedDiffLines } from "../diff.js";
import { actionText, driftText } from "../labels.js";
import type { Masker } from "../mask.js";
import { sectionItems } from "../workspace-view.js";
import { paint, styleCodes, type Style } from "./colour.js";
import { columnHeaders } from "./diff-text.js";
import { escapeTerminal } from "./escape-terminal.js";
import { fitTable, fitWithSummary, type Column } from "./fit.js";

/** terraform's symbols and colours per action: `+` create, `~` update, `-` destroy, `-/+` replace, `<=` read. */
const SYMBOL: Record<ChangeAction, { symbol: string; style?: Style }> = {
  create: { symbol: "+", style: "green" },
  update: { symbol: "~", style: "yellow" },
  delete: { symbol: "-", style: "red" },
  "delete-create": { symbol: "-/+", style: "red" },
  "create-delete": { symbol: "+/-", style: "red" },
  read: { symbol: "<=", style: "cyan" },
  "no-op": { symbol: " " },
  forget: { symbol: ".", style: "dim" },
  unknown: { symbol: "?", style: "dim" },
};

/** The style of a diff line by its sign (diffLines puts it in column 0, as terraform's plan does). */
const SIGN_STYLE: Record<string, Style> = { "+": "green", "-": "red", "~": "yellow" };

export interface PreviewTextOptions {
  workspace: string;
  dir: string;
  tool?: string | undefined;
  masker: Masker;
  width: number;
  colour: boolean;
  /** templates/text/preview.hbs: heading, the table and each resource's lines (given rendered), the words of the `Plan:` line. */
  render: Render;
  /** templates/text/preview-columns.hbs: the table's headers (resource, action), one a line. */
  columns: Render;
}

/**
 * `preview --format text` (issue 17 §1): the plan as terraform shows it in a terminal, for one workspace: an
 * aligned table of the changed resources with terraform's symbols, each resource's changed attributes (values
 * masked, escaped and cut with `…`, never wrapped), output changes, and the `Plan:` line last. Pure.
 */
export function renderPreviewText(model: PlanModel, options: PreviewTextOptions): string {
  const { width, colour, masker } = options;
  const items = sectionItems({ kind: "planned", name: options.workspace, dir: options.dir, terraformWorkspace: "default", model });
  const resources = items.filter((i): i is Exclude<(typeof items)[number], { kind: "outputs" }> => i.kind !== "outputs");
  const symbolOf = (change: ResourceChange, drift: boolean) => (drift ? { symbol: change.action === "delete" ? "-" : "~", style: "dim" as Style } : SYMBOL[change.action]);
  const [resource, action] = columnHeaders(options.columns({}), 2, "templates/text/preview-columns.hbs") as [string, string];
  const columns: Column[] = [{ header: " ", fixed: true }, { header: resource, min: 24 }, { header: action, min: 12, shrinkFirst: true }];
  const rows = resources.map(({ kind, change }) => [symbolOf(change, kind === "drift").symbol, change.address, kind === "drift" ? driftText(change) : actionText(change)].map(escapeTerminal));
  const table = resources.length
    ? fitTable(columns, rows, width, (r, c, text) => (c === 0 ? paint(text, symbolOf(resources[r]!.change, resources[r]!.kind === "drift").style, colour) : text)).join("\n")
    : "";
  const diffOf = (lines: string[]) => lines.map((line) => paint(escapeTerminal(`    ${line}`), SIGN_STYLE[line.trimStart()[0] ?? ""], colour)).join("\n");
  const details = resources
    .filter(({ change }) => change.action !== "read" && change.action !== "no-op")
    .map(({ kind, change }) => {
      const symbol = symbolOf(change, kind === "drift");
      return {
        symbol: paint(symbol.symbol, symbol.style, colour),
        address: change.address,
        drift: kind === "drift",
        lines: diffOf(diffLines(change, { masker, normalizeEmpty: kind === "drift", replacePaths: change.replacePaths })),
      };
    });
  const outputs = model.outputChanges
    .filter((o) => o.action !== "no-op")
    .flatMap((o) => namedDiffLines(o.name, { ...o, beforeSensitive: o.sensitive || o.beforeSensitive, afterSensitive: o.sensitive || o.afterSensitive }, { masker }));
  const s = model.summary;
  const text = options.render({
    workspace: options.workspace,
    dir: options.dir,
    tool: options.tool ?? "",
    errored: model.errored,
    table,
    details,
    outputs: diffOf(outputs),
    changes: s.add + s.change + s.destroy + s.replace + s.import + s.move + s.forget > 0 || outputs.length > 0,
    // terraform counts a replacement as one to add and one to destroy
    add: s.add + s.replace,
    change: s.change,
    destroy: s.destroy + s.replace,
    import: s.import,
    move: s.move,
    forget: s.forget,
    style: styleCodes(colour),
  });
  return fitWithSummary(text, width);
}
