import { writeFile } from "node:fs/promises";
import path from "node:path";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { loadRepoView } from "../adapters/hcl/load-repo-view.js";
import { loadWorkspace } from "../adapters/hcl/load-workspace.js";
import { hclToolchain } from "../adapters/hcl/toolchain.js";
import { classifyDrift } from "../core/drift/items.js";
import { isSecretItem } from "../core/drift/report.js";
import { fenceFor } from "../core/render/fence.js";
import { Masker } from "../core/render/mask.js";
import { renderCodifyText } from "../core/render/terminal/codify-text.js";
import { plannedVariablesIn } from "../core/hcl/planned-inputs.js";
import type { DriftTarget } from "../core/hcl/resolve.js";
import { parsePlan } from "../core/plan/parse.js";
import { escapeForOneLine } from "../core/printable.js";
import { bundledTemplates, type Templates } from "../templates.js";
import { readPlanJson } from "./plan-file.js";
import { requireDeclaredDrift, requireDirectory, requireTfFiles, workspaceParseErrors } from "./workspace-checks.js";
import { codifyDrift, type CodifyResult } from "../usecases/codify-drift.js";

export interface CodifyCommandOptions {
  dir: string;
  planJson: string;
  varFiles: string[];
  write: boolean;
  /** Where paths are relative to; the current directory by default. */
  cwd?: string;
  templates?: Templates;
  /** Extra mask rules (the defaults always apply), as in a repository's `mask` config. */
  maskAttributes?: string[];
  maskValues?: string[];
}

/** `driftback codify`: read the plan and the code, codify what can be, write only with --write. */
/** Why `codify` leaves module code alone. */
const CODIFY_ROOT_ONLY =
  "`driftback codify` plans nothing, so it edits only the root's own files; `driftback backport --workspace NAME --dry-run --verify` lifts the value out of the module and proves the edit for every workspace that calls it";

export async function codifyCommand(options: CodifyCommandOptions): Promise<{ results: CodifyResult[]; text: string; terminalText: (output: { width: number; colour: boolean }) => string; parseErrors: string[] }> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const absoluteDir = path.resolve(cwd, options.dir);
  // local modules may sit beside the workspace: paths are kept relative to the current directory when they can be
  const repoRoot = absoluteDir.startsWith(`${cwd}${path.sep}`) || absoluteDir === cwd ? cwd : path.parse(absoluteDir).root;
  const dir = path.relative(repoRoot, absoluteDir).split(path.sep).join("/") || ".";

  await requireDirectory(absoluteDir, "--dir", options.dir);
  const planJson = await readPlanJson(path.resolve(cwd, options.planJson), "--plan-json", { displayName: options.planJson });
  const model = parsePlan(planJson);
  const masker = new Masker({ attributes: options.maskAttributes, values: options.maskValues });
  const targets: DriftTarget[] = classifyDrift(model, dir)
    .filter((item) => item.class === "actionable")
    // mask rules count as sensitive too: a secret the provider does not mark must not land in code either
    .map((item) => ({ address: item.address, path: item.path, live: item.after, liveResource: item.liveResource, recordedResource: item.recordedResource, sensitive: isSecretItem(item, masker), managed: item.managed }));

  // symbolic links are followed inside the current directory (or inside --dir when it lies elsewhere)
  const boundary = repoRoot === cwd ? cwd : absoluteDir;
  const { workspace: ws, unparsable } = await loadWorkspace(await loadHclParser(), repoRoot, dir, options.varFiles, { boundary });
  // the roots under the current directory say who else reads a var file; with no plan to prove an edit of a module, only the root's own files are edited
  ws.scope = { view: await loadRepoView(await loadHclParser(), repoRoot, [{ name: dir, dir, varFiles: options.varFiles }]), workspace: dir, rootOnly: CODIFY_ROOT_ONLY };
  // what terraform planned each root variable with: a value the code and var files resolve otherwise is refused
  const planned = plannedVariablesIn(planJson);
  if (planned) ws.planned = planned;
  requireTfFiles(ws, options.dir);
  const parseErrors = await workspaceParseErrors(ws, unparsable, hclToolchain, repoRoot);
  // code that does not parse says why on its own; code that parses must be the plan's workspace
  if (parseErrors.length === 0) requireDeclaredDrift(ws, targets.map((t) => t.address), `--dir ${escapeForOneLine(options.dir)}`);
  const before = new Map(ws.files().map((file) => [file, ws.source(file)]));
  const results = await codifyDrift({ toolchain: hclToolchain }, ws, targets);
  if (options.write) {
    for (const file of ws.files()) {
      if (ws.source(file) !== before.get(file)) await writeFile(path.join(repoRoot, file), ws.source(file));
    }
  }
  const templates = options.templates ?? bundledTemplates();
  return {
    results,
    text: codifyReportText(templates, results, options.write),
    // --format text: the same outcome for a terminal (escaped, coloured diffs, fitted to its width)
    terminalText: ({ width, colour }) => renderCodifyText(results, { width, colour, written: options.write, render: templates.text.codify }),
    parseErrors,
  };
}

export type CodifyFormat = "text" | "diff" | "markdown" | "json";

/** What `codify --format` prints: the report for a terminal (text), as diffs (diff), fenced as a ```diff block (markdown), or the results (json). */
export function formatCodify(report: Awaited<ReturnType<typeof codifyCommand>>, format: CodifyFormat, output: { width: number; colour: boolean }): string {
  if (format === "json") return `${JSON.stringify({ results: report.results }, null, 2)}\n`;
  if (format === "text") return report.terminalText(output);
  if (format === "markdown") {
    const fence = fenceFor(report.text);
    return `${fence}diff\n${report.text.trimEnd()}\n${fence}\n`;
  }
  return report.text;
}

/** The codify report (templates/codify-report.hbs) of `results`: `driftback codify` prints it, and so does the demo. */
export function codifyReportText(templates: Templates, results: readonly CodifyResult[], written: boolean): string {
  const count = (status: CodifyResult["status"]) => results.filter((r) => r.status === status).length;
  return templates.codifyReport({
    results: results.map((r) =>
      r.status === "refused" ? { ...r, diff: null, upToDate: false, snippetLines: r.snippet.split("\n") } : { ...r, diff: r.status === "codified" ? r.diff : null, upToDate: r.status === "up-to-date", snippetLines: [] },
    ),
    codified: count("codified"),
    upToDate: count("up-to-date"),
    refused: count("refused"),
    written,
  });
}
