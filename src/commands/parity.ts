import path from "node:path";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { differenceCount, publicParity } from "../core/parity/public.js";
import { parsePlan, PlanParseError } from "../core/plan/parse.js";
import type { PlanModel } from "../core/plan/model.js";
import { escapeForOneLine } from "../core/printable.js";
import { Masker } from "../core/render/mask.js";
import { parityView } from "../core/render/parity.js";
import { renderParityText } from "../core/render/terminal/parity-text.js";
import type { Templates } from "../templates.js";
import { parityOf } from "../usecases/parity.js";
import { readRepoConfig } from "./backport-setup.js";
import { readPlanJson } from "./plan-file.js";
import { CommandInputError, requireDirectory } from "./workspace-checks.js";

export type ParityFormat = "text" | "json" | "markdown";

export interface ParityCommandOptions {
  /** The repository's root, holding .github/driftback.yml. */
  dir: string;
  /** `<workspace>=<plan.json>`, repeatable: the live comparison of those workspaces. */
  planJson: readonly string[];
  format: ParityFormat;
  /** For the text format: the terminal's width and colour (80 columns, no colour by default). */
  textOutput?: { width: number; colour: boolean };
  detailedExitcode: boolean;
  templates: Templates;
  notice?: (line: string) => void;
}

/**
 * `driftback parity`: the repository's parity groups and how their members differ, offline: declared
 * differences from the code, live ones from the plans given, version differences from the code and lock files.
 * Exit code with --detailed-exitcode: 2 when a difference no expected glob covers exists, else 0.
 */
export async function parityCommand(options: ParityCommandOptions): Promise<{ text: string; exitCode: number }> {
  await requireDirectory(options.dir, "--dir");
  const found = await readRepoConfig(options.dir, options.dir);
  if (!found) throw new CommandInputError(`${escapeForOneLine(path.join(options.dir, ".github/driftback.yml"))} does not exist: parity compares the workspaces it configures; add one with a \`workspaces\` list`);
  const { config } = found;
  const plans = new Map<string, PlanModel>();
  for (const pair of options.planJson) {
    const [workspace, file] = splitPair(pair);
    if (!config.workspaces.some((w) => w.name === workspace)) {
      throw new CommandInputError(`--plan-json ${escapeForOneLine(pair)}: ${escapeForOneLine(workspace)} is not a workspace of .github/driftback.yml (its workspaces: ${escapeForOneLine(config.workspaces.map((w) => w.name).join(", "))})`);
    }
    if (plans.has(workspace)) throw new CommandInputError(`--plan-json names ${escapeForOneLine(workspace)} twice: give one plan per workspace`);
    try {
      plans.set(workspace, parsePlan(await readPlanJson(file, "--plan-json")));
    } catch (error) {
      if (error instanceof PlanParseError) throw new CommandInputError(`${escapeForOneLine(file)} (--plan-json for ${escapeForOneLine(workspace)}) is not usable plan JSON: ${error.message}`, { cause: error });
      throw error;
    }
  }
  const result = await parityOf(await loadHclParser(), { checkoutDir: path.resolve(options.dir), config, ...(plans.size > 0 ? { plans } : {}) });
  for (const problem of result.problems) options.notice?.(problem);
  const report = publicParity(result, new Masker(config.mask));
  const text = options.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : options.format === "text" ? parityText(report.groups, options) : `${options.templates.parity(parityView(report.groups)).trimEnd()}\n`;
  return { text, exitCode: options.detailedExitcode && differenceCount(result) > 0 ? 2 : 0 };
}

function parityText(groups: Parameters<typeof renderParityText>[0], options: Pick<ParityCommandOptions, "templates" | "textOutput">): string {
  const { width, colour } = options.textOutput ?? { width: 80, colour: false };
  const { parity, parityColumns, parityWhy } = options.templates.text;
  return renderParityText(groups, { width, colour, render: parity, columns: parityColumns, why: parityWhy });
}

function splitPair(pair: string): [string, string] {
  const at = pair.indexOf("=");
  if (at <= 0 || at === pair.length - 1) throw new CommandInputError(`--plan-json ${escapeForOneLine(pair)}: write it as <workspace>=<plan.json>, e.g. prod-eu=prod-eu.plan.json`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}
