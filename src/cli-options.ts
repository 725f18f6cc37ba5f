import { readFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { TerraformProgress } from "./ports.js";
import { cliWords } from "./commands/cli-words.js";
import { escapeForOneLine, escapeUnprintable } from "./core/printable.js";

/**
 * The CLI's option parsers, help texts and shared helpers (src/cli.ts builds the program from them). Light, as
 * src/cli.ts is: every command's own stack is imported when that command runs.
 */

/** Modules the commands use, loaded when one runs. */
export const load = {
  templates: async () => (await import("./templates.js")).cliTemplates(),
  checks: () => import("./commands/workspace-checks.js"),
  parse: () => import("./core/plan/parse.js"),
};

/** A command's own input error (exit 1, message only), from the lazily loaded module. */
export async function inputError(message: string): Promise<Error> {
  const { CommandInputError } = await load.checks();
  return new CommandInputError(message);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive whole number");
  return n;
}

/** Longest --timeout, as for `plan.timeout` in the config: Node timers cannot wait past 24.8 days, and no plan should run a day. */
export const MAX_TIMEOUT_MINUTES = 24 * 60;

export function timeoutMinutes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_TIMEOUT_MINUTES) {
    throw new InvalidArgumentError(`must be a whole number of minutes from 1 to ${MAX_TIMEOUT_MINUTES} (24 hours)`);
  }
  return n;
}

/** --mask-value: collected here, checked as RE2 before the command runs (checkMaskValues: the RE2 engine loads only then). */
export function collectRegex(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A --mask-value must compile as RE2 (linear time): said as commander says a bad flag value, before the command does anything. */
export async function checkMaskValues(command: Command): Promise<void> {
  const values = (command.opts() as { maskValue?: unknown }).maskValue;
  if (!Array.isArray(values) || values.length === 0) return;
  const flags = command.options.find((o) => o.attributeName() === "maskValue")?.flags ?? "--mask-value <regex>";
  const { maskPatternProblem } = await import("./core/render/mask.js");
  for (const value of values as string[]) {
    const problem = maskPatternProblem(value);
    if (problem) {
      command.error(`error: option '${flags}' argument '${value}' is invalid. must be an RE2 regular expression: ${problem} (escape ( ) [ ] { } . * + ? with a backslash to match them literally)`, { exitCode: 1, code: "commander.invalidArgument" });
    }
  }
}

/** A PlanParseError names the field; this names the file too. */
export async function withPlanFile<T>(file: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const [{ PlanParseError }, { CommandInputError }] = await Promise.all([load.parse(), load.checks()]);
    if (error instanceof PlanParseError) throw new CommandInputError(`${escapeForOneLine(file)} is not usable plan JSON: ${error.message}`, { cause: error });
    throw error;
  }
}

export const PLAN_ARGUMENT_HELP = "output of `terraform show -json <planfile>` (or `tofu show -json`), or give it with --plan-json";

export const CONFIG_HELP = "a driftback config (such as .github/driftback.yml): each drift gets the severity of --workspace's tier there, as in its backport record";

/**
 * The plan as `preview` takes it, positional, or with --plan-json as before: one of them, or both naming the same
 * file. Both naming different files is ambiguous, so neither is read.
 */
export async function planFileOf(positional: string | undefined, flag: string | undefined): Promise<string> {
  if (positional !== undefined && flag !== undefined && path.resolve(positional) !== path.resolve(flag)) {
    throw await inputError(`two plans given: <plan.json> ${escapeForOneLine(positional)} and --plan-json ${escapeForOneLine(flag)} name different files; give the plan once`);
  }
  const file = positional ?? flag;
  if (file === undefined) throw await inputError("no plan given: pass the output of `terraform show -json tfplan` as <plan.json>, or with --plan-json <plan.json>");
  return file;
}

export const QUIET_HELP = "no progress on stderr (shown only when stderr is a terminal: each init, plan and show with its time)";

/**
 * terraform's progress on stderr for a command that runs it (a terminal only, never with --quiet), the notices
 * that command writes (drawn above the spinner line), and `done` to clear the line when it ends.
 */
export async function progressFor(quiet: boolean): Promise<{ notice: (line: string) => void; runner: { progress?: TerraformProgress }; done: () => void }> {
  const { cliProgress } = await import("./commands/progress.js");
  const progress = cliProgress({ quiet });
  return { notice: (line) => progress.notice(() => warn(line)), runner: progress.listener ? { progress: progress.listener } : {}, done: () => progress.stop() };
}

// the shared use cases' warnings say the App's words ("the next scan tries again"): cliWords says the CLI's
export const warn = (line: string) => process.stderr.write(`driftback: ${escapeUnprintable(cliWords(line))}\n`);

export const DRIFT_EXITCODE_HELP = "exit 2 when there is real drift: actionable or deleted items, not noise or unapplied code (0 none, 1 error)";

export const DRIFT_FORMAT_HELP = "text: a table for terminals, the summary last (default when stdout is a terminal); json: {\"items\": [...]} (default in a pipe); markdown: a table";

/** `--format` of a command with a text format (text at a TTY, `pipeDefault` in a pipe: what it printed before), and for text the width and colour. */
export async function textOutput<F extends string>(options: { format?: F | "text"; color: boolean }, pipeDefault: F): Promise<{ format: F | "text"; textOutput: { width: number; colour: boolean } }> {
  const { colourOn, defaultFormat, terminalWidth } = await import("./commands/terminal.js");
  return { format: options.format ?? defaultFormat(pipeDefault), textOutput: { width: terminalWidth(), colour: colourOn({ noColor: !options.color }) } };
}

export const NO_COLOR_HELP = "text format without colour (beats NO_COLOR and FORCE_COLOR)";

/** package.json's version, read when `--version` asks (src/cli.ts and lib/cli.js both sit one level below it). */
export function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
