import path from "node:path";
import { cliTerraform } from "../adapters/terraform/cli-runner.js";
import { classifyDrift, type DriftItem } from "../core/drift/items.js";
import { publicItem, type PublicDriftItem } from "../core/drift/report.js";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { cellText } from "../core/render/cell.js";
import { renderDriftText } from "../core/render/terminal/drift-text.js";
import type { WorkspaceConfig } from "../config/schema.js";
import { escapeForOneLine } from "../core/printable.js";
import type { TerraformProgress, TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import { configWorkspace, readConfigFile } from "./backport-setup.js";
import { newerFormatNotice, readPlanJson } from "./plan-file.js";

export type DriftFormat = "json" | "markdown" | "text";

/** For `--format text`: the terminal's width and whether to colour (decided in commands/terminal.ts). */
export interface TextOutput {
  width: number;
  colour: boolean;
}

/** What `drift` and `scan` print, and how many items are real drift (for `--detailed-exitcode`). */
export interface DriftCommandResult {
  text: string;
  /** Actionable and deleted items: not noise, not unapplied code. */
  realDrift: number;
}

/** Real drift, as `--detailed-exitcode` counts it: actionable and deleted items (noise and unapplied code are not). */
export function realDriftCount(items: readonly DriftItem[]): number {
  return items.filter((item) => item.class === "actionable" || item.class === "deleted").length;
}

export interface DriftCommandOptions {
  planJson: string;
  workspace: string;
  format: DriftFormat;
  templates: Templates;
  notice?: (line: string) => void;
  textOutput?: TextOutput;
  /** `--config`: a driftback config whose workspace `workspace` gives each item its tier's severity. */
  config?: string;
}

/** `driftback drift`: the classified drift items of one plan file. */
export async function driftCommand(options: DriftCommandOptions): Promise<string> {
  return (await driftCommandResult(options)).text;
}

/** `driftback drift`, with the count of real drift. */
export async function driftCommandResult(options: DriftCommandOptions): Promise<DriftCommandResult> {
  const tier = await tierOf(options); // a bad config is said before the plan is read
  const model = parsePlan(await readPlanJson(options.planJson, "--plan-json"));
  const notice = newerFormatNotice(model, options.templates);
  if (notice) options.notice?.(notice);
  const masker = new Masker(); // one for all items: building one compiles every mask glob
  const items = classifyDrift(model, options.workspace);
  return { text: formatItems(items.map((item) => publicItem(item, masker, tier)), options), realDrift: realDriftCount(items) };
}

/**
 * The tier severities come from: the `--config` workspace's (as the backport record's severity, from
 * the same severityOf), else dev, the config's default tier.
 */
async function tierOf(options: { config?: string; workspace: string }): Promise<WorkspaceConfig["tier"]> {
  if (options.config === undefined) return "dev";
  const shown = `--config ${escapeForOneLine(options.config)}`;
  return configWorkspace(await readConfigFile(options.config, shown), options.workspace, shown).tier;
}

export interface ScanCommandOptions {
  dir: string;
  workspace: string;
  binary: "terraform" | "tofu";
  varFiles: string[];
  backendConfig: string[];
  timeoutMs: number;
  format: DriftFormat;
  templates: Templates;
  textOutput?: TextOutput;
  terraform?: TerraformRunner;
  notice?: (line: string) => void;
  /** Stops terraform (SIGINT to its process group, so it releases its state lock): the CLI's Ctrl-C. */
  signal?: AbortSignal;
  /** Told when each terraform command starts and ends: the CLI's progress on stderr at a terminal. */
  progress?: TerraformProgress;
  /** `--config`: a driftback config whose workspace `workspace` gives each item its tier's severity. */
  config?: string;
}

/** `driftback scan`: plan a workspace directory with terraform or tofu and print its drift. */
export async function scanCommand(options: ScanCommandOptions): Promise<string> {
  return (await scanCommandResult(options)).text;
}

/** `driftback scan`, with the count of real drift. */
export async function scanCommandResult(options: ScanCommandOptions): Promise<DriftCommandResult> {
  const tier = await tierOf(options); // before terraform runs: a bad config costs no plan
  const runner = options.terraform ?? cliTerraform(options.notice, process.env, options.signal, options.progress);
  const outcome = await runner.plan({
    dir: path.resolve(options.dir),
    label: options.dir,
    binary: options.binary,
    workspace: "default",
    varFiles: options.varFiles,
    backendConfig: options.backendConfig,
    timeoutMs: options.timeoutMs,
    lockTimeout: "2m",
  });
  if (!outcome.ok) {
    const masker = new Masker();
    throw new Error(`scan failed: ${outcome.message}\n${masker.scrubText(outcome.output).trimEnd().split("\n").slice(-20).join("\n")}`);
  }
  const model = parsePlan(outcome.planJson);
  const notice = newerFormatNotice(model, options.templates);
  if (notice) options.notice?.(notice);
  const masker = new Masker();
  const items = classifyDrift(model, options.workspace);
  return { text: formatItems(items.map((item) => publicItem(item, masker, tier)), options), realDrift: realDriftCount(items) };
}

function formatItems(items: PublicDriftItem[], options: { workspace: string; format: DriftFormat; templates: Templates; textOutput?: TextOutput }): string {
  if (options.format === "json") return `${JSON.stringify({ items }, null, 2)}\n`;
  if (options.format === "text") {
    const { width, colour } = options.textOutput ?? { width: 80, colour: false };
    return renderDriftText(items, { workspace: options.workspace, width, colour, render: options.templates.text.driftItems, columns: options.templates.text.driftColumns });
  }
  return options.templates.driftItems({
    workspace: options.workspace,
    // unapplied code's `after` is what apply would make it: the template labels it planned, not live
    items: items.map((i) => ({ ...i, path: i.path || "(whole resource)", before: cellText(i.before), after: cellText(i.after), planned: i.class === "unapplied" })),
  });
}
