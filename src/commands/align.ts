import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { hclToolchain } from "../adapters/hcl/toolchain.js";
import { cliTerraform } from "../adapters/terraform/cli-runner.js";
import { parsePlan, PlanParseError } from "../core/plan/parse.js";
import { escapeForOneLine } from "../core/printable.js";
import { Masker } from "../core/render/mask.js";
import { renderAlignText } from "../core/render/terminal/align-text.js";
import { bundledTemplates, type Templates } from "../templates.js";
import type { TerraformProgress, TerraformRunner } from "../ports.js";
import { alignDifference, AlignInputError, type Alignment } from "../usecases/align.js";
import { verifyAlignment, type AlignVerification } from "../usecases/align-verify.js";
import { readRepoConfig } from "./backport-setup.js";
import { readPlanJson } from "./plan-file.js";
import { CommandInputError, requireDirectory } from "./workspace-checks.js";

export type AlignFormat = "text" | "json" | "markdown";

export interface AlignCommandOptions {
  /** The repository's root, holding .github/driftback.yml. */
  dir: string;
  group: string;
  resource: string;
  attribute: string;
  /** The member whose value the others get. */
  to: string;
  /** `<workspace>=<plan.json>`, repeatable: live differences, planned values, and the verification's base plans. */
  planJson: readonly string[];
  /** Print the edits; write nothing. */
  dryRun: boolean;
  /** Plan the edited code (on a scratch copy) and check every aligned member and every other reader of an edited file. */
  verify: boolean;
  format: AlignFormat;
  /** For the text format: the terminal's width and colour (80 columns, no colour by default), and its templates. */
  textOutput?: { width: number; colour: boolean };
  templates?: Pick<Templates, "text">;
  terraform?: TerraformRunner;
  /** Stops the verification plans (SIGINT to terraform's process group, so it releases its state lock): the CLI's Ctrl-C. */
  signal?: AbortSignal;
  /** Told when each terraform command starts and ends: the CLI's progress on stderr at a terminal. */
  progress?: TerraformProgress;
  scratchDir?: string;
  notice?: (line: string) => void;
}

export interface AlignCommandResult {
  text: string;
  exitCode: number;
  alignment: Alignment;
  verification?: AlignVerification;
  written: string[];
}

/**
 * `driftback align` (issue 16 §6): one parity difference aligned to one member's value. With --dry-run the
 * diffs are printed; otherwise the edited files are written into the working tree (as `codify --write`), unless
 * --verify found a problem. Exit code 1 when a member was refused or the verification failed, else 0.
 */
export async function alignCommand(options: AlignCommandOptions): Promise<AlignCommandResult> {
  await requireDirectory(options.dir, "--dir");
  const repoDir = path.resolve(options.dir);
  const found = await readRepoConfig(repoDir, options.dir);
  if (!found) throw new CommandInputError(`${escapeForOneLine(path.join(options.dir, ".github/driftback.yml"))} does not exist: align works on the parity groups of the workspaces it configures`);
  const { config } = found;
  const plans = new Map<string, string>();
  for (const pair of options.planJson) {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) throw new CommandInputError(`--plan-json ${escapeForOneLine(pair)}: write it as <workspace>=<plan.json>, e.g. prod-eu=prod-eu.plan.json`);
    const [workspace, file] = [pair.slice(0, at), pair.slice(at + 1)];
    if (!config.workspaces.some((w) => w.name === workspace)) {
      throw new CommandInputError(`--plan-json ${escapeForOneLine(pair)}: ${escapeForOneLine(workspace)} is not a workspace of .github/driftback.yml (its workspaces: ${escapeForOneLine(config.workspaces.map((w) => w.name).join(", "))})`);
    }
    if (plans.has(workspace)) throw new CommandInputError(`--plan-json names ${escapeForOneLine(workspace)} twice: give one plan per workspace`);
    const json = await readPlanJson(file, "--plan-json");
    try {
      parsePlan(json);
    } catch (error) {
      if (error instanceof PlanParseError) throw new CommandInputError(`${escapeForOneLine(file)} (--plan-json for ${escapeForOneLine(workspace)}) is not usable plan JSON: ${error.message}`, { cause: error });
      throw error;
    }
    plans.set(workspace, json);
  }
  const masker = new Masker(config.mask);
  let alignment: Alignment;
  try {
    alignment = await alignDifference(
      { parser: await loadHclParser(), toolchain: hclToolchain },
      { checkoutDir: repoDir, config, group: options.group, resource: options.resource, attribute: options.attribute, to: options.to, plans, masker },
    );
  } catch (error) {
    if (error instanceof AlignInputError) throw new CommandInputError(escapeForOneLine(error.message), { cause: error });
    throw error;
  }

  let verification: AlignVerification | undefined;
  if (options.verify && alignment.files.size > 0) {
    verification = await verifyAlignment(
      { terraform: options.terraform ?? cliTerraform(options.notice, process.env, options.signal, options.progress), masker, ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}) },
      { config, checkoutDir: repoDir, files: alignment.files, expectations: alignment.expectations, readers: alignment.readers, basePlans: plans },
    );
  }
  const failed = verification !== undefined && (!verification.ok || verification.problems.length > 0);
  const written: string[] = [];
  if (!options.dryRun && !failed) {
    for (const [file, text] of alignment.files) {
      await mkdir(path.dirname(path.join(repoDir, file)), { recursive: true });
      await writeFile(path.join(repoDir, file), text);
      written.push(file);
    }
  }
  const text =
    options.format === "json"
      ? `${JSON.stringify(alignJson(alignment, verification, options.dryRun, written), null, 2)}\n`
      : options.format === "text"
        ? renderAlignText(alignment, verification, { ...(options.textOutput ?? { width: 80, colour: false }), dryRun: options.dryRun, written, render: (options.templates ?? bundledTemplates()).text.align, columns: (options.templates ?? bundledTemplates()).text.alignColumns })
        : alignMarkdown(alignment, verification, options.dryRun, written);
  return { text, exitCode: alignment.refused.length > 0 || failed ? 1 : 0, alignment, ...(verification ? { verification } : {}), written };
}

/** `driftback align --format json`: what a caller needs to open the pull request, and what happened per member. */
export function alignJson(alignment: Alignment, verification: AlignVerification | undefined, dryRun: boolean, written: readonly string[]) {
  return {
    key: alignment.key,
    branch: alignment.branch,
    title: alignment.title,
    group: alignment.group,
    resource: alignment.resource,
    attribute: alignment.attribute,
    to: alignment.to,
    value: alignment.value,
    origin: alignment.origin,
    aligned: alignment.aligned,
    unchanged: alignment.unchanged,
    refused: alignment.refused,
    files: alignment.diffs,
    readers: alignment.readers,
    verification: verification === undefined ? null : verification.ok ? { ok: verification.problems.length === 0, verified: verification.verified, problems: verification.problems } : { ok: false, reason: verification.reason },
    dry_run: dryRun,
    written,
  };
}

const ORIGIN: Record<Alignment["origin"], (member: string) => string> = {
  live: (member) => `${member}'s live value: it drifted, and its own code is set to it too`,
  planned: (member) => `what ${member}'s code plans`,
  declared: (member) => `what ${member}'s code declares`,
};

function alignMarkdown(alignment: Alignment, verification: AlignVerification | undefined, dryRun: boolean, written: readonly string[]): string {
  const lines = [`## ${alignment.title}`, "", `Value: \`${JSON.stringify(alignment.value)}\` (${ORIGIN[alignment.origin](alignment.to)})`, ""];
  for (const a of alignment.aligned) lines.push(`- **${a.member}**: aligned${a.source ? " (its own drift codified, so applying it keeps the value)" : ""}: ${a.via} (${a.files.map((f) => `\`${f}\``).join(", ")})`);
  for (const u of alignment.unchanged) lines.push(`- **${u.member}**: no edit: ${u.why}`);
  for (const r of alignment.refused) lines.push(`- **${r.member}**: refused: ${r.reason}`);
  if (alignment.aligned.length + alignment.unchanged.length + alignment.refused.length === 0) lines.push("- every other member already has the value");
  lines.push("");
  if (verification) {
    if (!verification.ok) lines.push(`Verification could not run: ${verification.reason}`, "");
    else if (verification.problems.length === 0) lines.push(`Verified: ${verification.verified.map((w) => `\`${w}\``).join(", ")} plan exactly the aligned value and nothing else.`, "");
    else {
      lines.push("Verification found problems; nothing was written:");
      for (const p of verification.problems) lines.push(`- \`${p.workspace}\`: ${p.problem}`);
      lines.push("");
    }
  }
  for (const file of alignment.diffs) lines.push("```diff", file.diff.trimEnd(), "```", "");
  if (alignment.diffs.length === 0) lines.push("No file changes.", "");
  else if (dryRun) lines.push("Dry run: nothing was written.", "");
  else if (written.length > 0) lines.push(`Written: ${written.map((f) => `\`${f}\``).join(", ")}.`, "");
  return `${lines.join("\n").trimEnd()}\n`;
}
