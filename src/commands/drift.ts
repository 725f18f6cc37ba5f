import path from "node:path";
import { cliTerraform } from "../adapters/terraform/cli-runner.js";
import { classifyDrift } from "../core/drift/items.js";
import { publicItem, type PublicDriftItem } from "../core/drift/report.js";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { cellText } from "../core/render/cell.js";
import type { TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import { newerFormatNotice, readPlanJson } from "./plan-file.js";

export type DriftFormat = "json" | "markdown";

/** `driftback drift`: the classified drift items of one plan file. */
export async function driftCommand(options: { planJson: string; workspace: string; format: DriftFormat; templates: Templates; notice?: (line: string) => void }): Promise<string> {
  const model = parsePlan(await readPlanJson(options.planJson, "--plan-json"));
  const notice = newerFormatNotice(model, options.templates);
  if (notice) options.notice?.(notice);
  const masker = new Masker(); // one for all items: building one compiles every mask glob
  return formatItems(classifyDrift(model, options.workspace).map((item) => publicItem(item, masker)), options);
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
  terraform?: TerraformRunner;
  notice?: (line: string) => void;
}

/** `driftback scan`: plan a workspace directory with terraform or tofu and print its drift. */
export async function scanCommand(options: ScanCommandOptions): Promise<string> {
  const runner = options.terraform ?? cliTerraform(options.notice);
  const outcome = await runner.plan({
    dir: path.resolve(options.dir),
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
  return formatItems(classifyDrift(model, options.workspace).map((item) => publicItem(item, masker)), options);
}

function formatItems(items: PublicDriftItem[], options: { workspace: string; format: DriftFormat; templates: Templates }): string {
  if (options.format === "json") return `${JSON.stringify({ items }, null, 2)}\n`;
  return options.templates.driftItems({
    workspace: options.workspace,
    items: items.map((i) => ({ ...i, path: i.path || "(whole resource)", before: cellText(i.before), after: cellText(i.after) })),
  });
}
