#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, Option } from "commander";
// only what building the program needs loads here: `driftback --help` starts like a terminal tool. Each command's
// stack (the HCL toolchain, Octokit, terraform's runner, templates) loads when that command runs (see `load`).
import { load, inputError, positiveInt, MAX_TIMEOUT_MINUTES, timeoutMinutes, collectRegex, checkMaskValues, withPlanFile, PLAN_ARGUMENT_HELP, CONFIG_HELP, planFileOf, QUIET_HELP, progressFor, warn, DRIFT_EXITCODE_HELP, DRIFT_FORMAT_HELP, textOutput, NO_COLOR_HELP, packageVersion, collect } from "./cli-options.js";
import type { AlignFormat } from "./commands/align.js";
import type { BackportFormat } from "./commands/backport-output.js";
import type { CodifyFormat } from "./commands/codify.js";
import type { DriftFormat } from "./commands/drift.js";
import type { ExpectFormat } from "./commands/expect.js";
import type { IncidentsFormat } from "./commands/incidents.js";
import type { ParityFormat } from "./commands/parity.js";
import type { PreviewFormat } from "./commands/preview.js";
import { cliWords } from "./commands/cli-words.js";
import { escapeUnprintable } from "./core/printable.js";
import { COMMENT_LIMIT } from "./core/render/limits.js";

/**
 * The commander program. `stop` (from main) starts catching Ctrl-C and SIGTERM and returns the signal that stops the
 * terraform runs of `scan`, `backport --verify` and `align --verify`; the other commands end on a signal as any
 * program does.
 */
export function buildProgram(stop?: () => AbortSignal): Command {
  const program = new Command("driftback")
    .description("Plan previews, drift detection and drift backports for Terraform and OpenTofu")
    .showHelpAfterError()
    .exitOverride() // usage errors become exceptions, so main() decides the exit code
    // commander's own .version() wants the string now; this reads package.json only when asked
    .option("-V, --version", "print driftback's version")
    .on("option:version", () => {
      const version = packageVersion();
      process.stdout.write(`${version}\n`);
      throw new CommanderError(0, "commander.version", version);
    })
    // commander echoes arguments in its errors ("unknown option '…'"): never let them drive the terminal
    .configureOutput({ writeErr: (text) => process.stderr.write(escapeUnprintable(text)) })
    // markers the CLI writes are sealed only when the operator gives it the App's DRIFTBACK_STATE_KEY; else unsigned (the App adopts them)
    .hook("preAction", async (_program, command) => {
      await checkMaskValues(command);
      const { parseStateKeys, useStateKeys } = await import("./core/state-seal.js");
      useStateKeys(parseStateKeys(process.env.DRIFTBACK_STATE_KEY));
    });

  program
    .command("preview")
    .description("print the pull-request comment driftback would post for a plan (`terraform show -json` output)")
    .argument("<plan.json>", "file with the output of `terraform show -json <planfile>` (or `tofu show -json`)")
    .option("--max-chars <n>", `longest comment to produce (GitHub allows ${COMMENT_LIMIT})`, positiveInt, COMMENT_LIMIT)
    .option("--workspace <name>", "workspace name shown in the comment", "default")
    .option("--dir <dir>", "workspace directory shown in the comment", ".")
    .option("--mask-attribute <glob>", "also hide attributes whose name matches (repeatable)", collect, [])
    .option("--mask-value <regex>", "also hide string values matching (repeatable)", collectRegex, [])
    .addOption(new Option("--format <format>", "text: the plan as terraform shows it, the Plan: line last (default when stdout is a terminal); markdown: the pull-request comment (default in a pipe)").choices(["text", "markdown"]))
    .option("--no-color", NO_COLOR_HELP)
    .action(async (file: string, options: { maxChars: number; workspace: string; dir: string; maskAttribute: string[]; maskValue: string[]; format?: PreviewFormat; color: boolean }) => {
      const [{ previewCommand }, templates, output] = await Promise.all([import("./commands/preview.js"), load.templates(), textOutput(options, "markdown")]);
      process.stdout.write(await withPlanFile(file, () => previewCommand({ ...options, ...output, file, templates, notice: warn })));
    });

  program
    .command("codify")
    .description("write the live value of each actionable drift in a plan back into the workspace's HCL")
    .argument("[plan.json]", `${PLAN_ARGUMENT_HELP}, for that workspace`)
    .requiredOption("--dir <workspace>", "the workspace's root module directory")
    .option("--plan-json <plan.json>", "the same as <plan.json>")
    .option("--var-file <file>", "a -var-file of the workspace, relative to --dir (repeatable, in order)", collect, [])
    .option("--write", "apply the edits to the files (without it, nothing on disk changes)", false)
    .option("--mask-attribute <glob>", "also treat attributes whose name matches as secret: never codified (repeatable)", collect, [])
    .option("--mask-value <regex>", "also treat string values matching as secret (repeatable)", collectRegex, [])
    .addOption(new Option("--format <format>", "text: coloured diffs for terminals, the summary last (default when stdout is a terminal); diff: unified diffs and reasons (default in a pipe); markdown: the same in a ```diff block; json: {\"results\": [...]}").choices(["text", "diff", "markdown", "json"]))
    .option("--no-color", NO_COLOR_HELP)
    .option("--detailed-exitcode", "exit 2 when a drift was refused (0 none refused, 1 error)", false)
    .action(async (file: string | undefined, options: { dir: string; planJson?: string; varFile: string[]; write: boolean; format?: CodifyFormat; color: boolean; maskAttribute: string[]; maskValue: string[]; detailedExitcode: boolean }) => {
      const planJson = await planFileOf(file, options.planJson);
      const [{ codifyCommand, formatCodify }, templates, output] = await Promise.all([import("./commands/codify.js"), load.templates(), textOutput(options, "diff")]);
      const report = await withPlanFile(planJson, () =>
        codifyCommand({ dir: options.dir, planJson, varFiles: options.varFile, write: options.write, maskAttributes: options.maskAttribute, maskValues: options.maskValue, templates }),
      );
      process.stdout.write(formatCodify(report, output.format, output.textOutput));
      // the engine refused what sits in those files; the run still failed: terraform could not have planned this code
      if (report.parseErrors.length > 0) throw await inputError(`the workspace does not parse, so the plan cannot be from this code: ${report.parseErrors.join("; ")}`);
      if (options.detailedExitcode && report.results.some((r) => r.status === "refused")) exitCode = 2;
    });

  program
    .command("drift")
    .description("print the classified drift items of one plan (actionable, noise, unapplied, deleted)")
    .argument("[plan.json]", PLAN_ARGUMENT_HELP)
    .option("--plan-json <plan.json>", "the same as <plan.json>")
    .option("--workspace <name>", "workspace name to put on each item (with --config, the config's workspace)", "default")
    .option("--config <file>", CONFIG_HELP)
    .addOption(new Option("--format <format>", DRIFT_FORMAT_HELP).choices(["text", "json", "markdown"]))
    .option("--no-color", "text format without colour (beats NO_COLOR and FORCE_COLOR)")
    .option("--detailed-exitcode", DRIFT_EXITCODE_HELP, false)
    .action(async (file: string | undefined, options: { planJson?: string; workspace: string; config?: string; format?: DriftFormat; color: boolean; detailedExitcode: boolean }) => {
      const planJson = await planFileOf(file, options.planJson);
      const [{ driftCommandResult }, templates, output] = await Promise.all([import("./commands/drift.js"), load.templates(), textOutput(options, "json")]);
      const result = await withPlanFile(planJson, () => driftCommandResult({ planJson, workspace: options.workspace, ...(options.config !== undefined ? { config: options.config } : {}), templates, notice: warn, ...output }));
      process.stdout.write(result.text);
      if (options.detailedExitcode && result.realDrift > 0) exitCode = 2;
    });

  program
    .command("scan")
    .description("plan a workspace directory with terraform or tofu and print its drift")
    .requiredOption("--dir <workspace>", "the workspace's root module directory")
    .option("--workspace <name>", "workspace name to put on each item", "default")
    .addOption(new Option("--binary <binary>", "terraform or tofu").choices(["terraform", "tofu"]).default("terraform"))
    .option("--var-file <file>", "-var-file, relative to --dir (repeatable)", collect, [])
    .option("--backend-config <file>", "-backend-config for init, relative to --dir (repeatable)", collect, [])
    .option("--timeout <minutes>", `longest a single init, plan or show may run (1 to ${MAX_TIMEOUT_MINUTES})`, timeoutMinutes, 20)
    .addOption(new Option("--format <format>", DRIFT_FORMAT_HELP).choices(["text", "json", "markdown"]))
    .option("--no-color", "text format without colour (beats NO_COLOR and FORCE_COLOR)")
    .option("--config <file>", CONFIG_HELP)
    .option("--quiet", QUIET_HELP, false)
    .option("--detailed-exitcode", DRIFT_EXITCODE_HELP, false)
    .action(async (options: { dir: string; workspace: string; binary: "terraform" | "tofu"; varFile: string[]; backendConfig: string[]; timeout: number; config?: string; quiet: boolean; format?: DriftFormat; color: boolean; detailedExitcode: boolean }) => {
      const [{ requireDirectory }, { scanCommandResult }, templates, output] = await Promise.all([load.checks(), import("./commands/drift.js"), load.templates(), textOutput(options, "json")]);
      await requireDirectory(options.dir, "--dir"); // otherwise terraform "cannot start" and the install gets the blame
      const progress = await progressFor(options.quiet);
      const result = await scanCommandResult({ dir: options.dir, workspace: options.workspace, binary: options.binary, varFiles: options.varFile, backendConfig: options.backendConfig, timeoutMs: options.timeout * 60_000, ...(options.config !== undefined ? { config: options.config } : {}), templates, notice: progress.notice, ...progress.runner, ...output, ...(stop ? { signal: stop() } : {}) }).finally(progress.done);
      process.stdout.write(result.text);
      if (options.detailedExitcode && result.realDrift > 0) exitCode = 2;
    });

  program
    .command("backport")
    .description("open, or with --dry-run print, the pull requests that codify or revert a workspace's drift")
    .requiredOption("--dir <repo>", "the repository's root (without --workspace: the workspace's root module)")
    .requiredOption("--plan-json <plan.json>", "output of `terraform show -json <planfile>` for that workspace at this commit")
    .option("--workspace <name>", "a workspace of the repository's .github/driftback.yml (its dir, var files and binary)")
    .option("--var-file <file>", "a -var-file the plan used, relative to the workspace's dir (repeatable, in order; with --workspace, after its var_files)", collect, [])
    .option("--dry-run", "print the pull requests with their diffs; nothing on GitHub or on disk changes", false)
    .option("--verify", "plan the codified code (on a scratch copy) with the configured binary before proposing a codify", false)
    .option("--repo <owner/name>", "open the pull requests in this repository, with the token in GITHUB_TOKEN")
    .option("--base <branch>", "branch the pull requests target (default: backport.base, else the repository's default branch)")
    .option("--bot-login <login>", "whose commits and closings are driftback's (default: the token's user)")
    .option("--incidents-from <file.json>", "with --dry-run: correlate the drift with the incidents in this JSON array (key, title, url, status, opened_at, resolved_at, text, service)")
    .option("--last-clean <time>", "with --incidents-from: the workspace's last clean scan, ISO 8601 (default: 24 hours before the plan's timestamp)")
    .addOption(new Option("--format <format>", "text: the pull requests and coloured diffs for terminals, the summary last (default when stdout is a terminal); markdown (default in a pipe); json: {\"pullRequests\": [...]}").choices(["text", "json", "markdown"]))
    .option("--no-color", NO_COLOR_HELP)
    .option("--quiet", QUIET_HELP, false)
    .option("--detailed-exitcode", "with --dry-run: exit 2 when drift would get a pull request or waits for one (0 none, 1 error)", false)
    .action(async (options: { dir: string; planJson: string; workspace?: string; varFile: string[]; dryRun: boolean; verify: boolean; repo?: string; base?: string; botLogin?: string; format?: BackportFormat; color: boolean; incidentsFrom?: string; lastClean?: string; quiet: boolean; detailedExitcode: boolean }) => {
      const { varFile, detailedExitcode, color: _color, quiet, ...rest } = options;
      if (detailedExitcode && !rest.dryRun) throw await inputError("--detailed-exitcode goes with --dry-run: a real run's outcome is the pull requests it opened");
      const [{ backportCommand, failureLine, realDriftCount }, templates, output] = await Promise.all([import("./commands/backport.js"), load.templates(), textOutput(options, "markdown")]);
      const progress = await progressFor(quiet);
      const result = await backportCommand({ ...rest, ...output, varFiles: varFile, templates, notice: progress.notice, ...progress.runner, ...(stop ? { signal: stop() } : {}) }).finally(progress.done);
      process.stdout.write(result.text);
      const failed = failureLine(result.report);
      if (failed) throw await inputError(failed);
      if (detailedExitcode && realDriftCount(result.report) > 0) exitCode = 2;
    });

  program
    .command("incidents")
    .description("list what each incident source of .github/driftback.yml returns since a time, in the neutral shape --incidents-from reads (tokens from the environment)")
    .requiredOption("--since <time>", "ISO 8601 time, or a duration back from now such as 24h or 7d")
    .option("--dir <repo>", "the repository whose .github/driftback.yml configures the sources", ".")
    .option("--with-text", "also print each incident's description and timeline (they can hold customer data; json only)", false)
    .addOption(new Option("--format <format>", "text: a table for terminals, the summary last (default when stdout is a terminal); json: the shape --incidents-from reads (default in a pipe)").choices(["text", "json"]))
    .option("--no-color", NO_COLOR_HELP)
    .action(async (options: { since: string; dir: string; withText: boolean; format?: IncidentsFormat; color: boolean }) => {
      const [{ incidentsCommand }, templates, output] = await Promise.all([import("./commands/incidents.js"), load.templates(), textOutput(options, "json")]);
      if (options.withText && options.format === "text") throw await inputError("--with-text prints the incidents' text in the json format: leave out --format text");
      // the text is for reading back with --incidents-from: json, even at a terminal
      const result = await incidentsCommand({ ...options, ...output, ...(options.withText ? { format: "json" as const } : {}), templates });
      process.stdout.write(result.text);
      for (const problem of result.problems) warn(problem);
      if (result.problems.length > 0) throw await inputError(`${result.problems.length === 1 ? "one incident source" : `${result.problems.length} incident sources`} could not be read (see above)`);
    });

  program
    .command("parity")
    .description("compare workspaces meant to be alike (parity groups): declared, live and version differences, offline")
    .option("--dir <repo>", "the repository's root, with .github/driftback.yml", ".")
    .option("--plan-json <workspace=file>", "a workspace's `terraform show -json` output, for the live comparison (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "text: tables for terminals, the summary last (default when stdout is a terminal); json: {\"groups\": [...]} (default in a pipe); markdown: tables").choices(["text", "json", "markdown"]))
    .option("--no-color", NO_COLOR_HELP)
    .option("--detailed-exitcode", "exit 2 when a difference no expected glob covers exists (0 none, 1 error)", false)
    .action(async (options: { dir: string; planJson: string[]; format?: ParityFormat; color: boolean; detailedExitcode: boolean }) => {
      const [{ parityCommand }, templates, output] = await Promise.all([import("./commands/parity.js"), load.templates(), textOutput(options, "json")]);
      const result = await parityCommand({ ...options, ...output, templates, notice: warn });
      process.stdout.write(result.text);
      exitCode = result.exitCode;
    });

  program
    .command("align")
    .description("align one parity difference to one member's value: edit the other members' own code (its live value when it drifted, else its declared one)")
    .option("--dir <repo>", "the repository's root, with .github/driftback.yml", ".")
    .requiredOption("--group <name>", "the parity group (as `driftback parity` names it)")
    .requiredOption("--resource <address>", "the difference's resource: the address inside the module (`sandbox_deployment.app`), or a call (`module.shop`) for a module input")
    .requiredOption("--attribute <path>", "the difference's attribute path (`env.DB_TIMEOUT`), or the module input's name")
    .requiredOption("--to <member>", "the member whose value the others get")
    .option("--plan-json <workspace=file>", "a workspace's `terraform show -json` output: live differences, planned values, verification base (repeatable)", collect, [])
    .option("--dry-run", "print the diffs and what each member gets; write nothing", false)
    .option("--verify", "plan the edited code (on a scratch copy): each aligned member plans only the aligned value, every other reader of an edited file nothing new", false)
    .addOption(new Option("--format <format>", "text: per-member outcome and coloured diffs for terminals, the summary last (default when stdout is a terminal); markdown: diffs and per-member outcome (default in a pipe); json: the change set").choices(["text", "json", "markdown"]))
    .option("--no-color", NO_COLOR_HELP)
    .option("--quiet", QUIET_HELP, false)
    .action(async (options: { dir: string; group: string; resource: string; attribute: string; to: string; planJson: string[]; dryRun: boolean; verify: boolean; format?: AlignFormat; color: boolean; quiet: boolean }) => {
      const { quiet, color: _color, ...rest } = options;
      const [{ alignCommand }, progress, templates, output] = await Promise.all([import("./commands/align.js"), progressFor(quiet), load.templates(), textOutput(options, "markdown")]);
      const result = await alignCommand({ ...rest, ...output, templates, notice: progress.notice, ...progress.runner, ...(stop ? { signal: stop() } : {}) }).finally(progress.done);
      process.stdout.write(result.text);
      exitCode = result.exitCode;
    });

  program
    .command("expect")
    .description("mark one parity difference expected by design: add its glob to the group's `expected` in .github/driftback.yml")
    .option("--dir <repo>", "the repository's root, with .github/driftback.yml", ".")
    .requiredOption("--group <name>", "the parity group (as `driftback parity` names it)")
    .requiredOption("--resource <address>", "the difference's resource glob (as `driftback parity` names it)")
    .requiredOption("--attribute <path>", "the difference's attribute glob")
    .option("--write", "write the config; without it, print the diff", false)
    .addOption(new Option("--format <format>", "text: the coloured diff for terminals, the summary last (default when stdout is a terminal); diff: the unified diff, or one line (default in a pipe)").choices(["text", "diff"]))
    .option("--no-color", NO_COLOR_HELP)
    .action(async (options: { dir: string; group: string; resource: string; attribute: string; write: boolean; format?: ExpectFormat; color: boolean }) => {
      const [{ expectCommand }, templates, output] = await Promise.all([import("./commands/expect.js"), load.templates(), textOutput(options, "diff")]);
      process.stdout.write(await expectCommand({ ...options, ...output, templates }));
    });

  program
    .command("demo")
    .description("run the whole loop offline on the bundled example: plan preview, drift scan, codify, backport pull requests (dry run), environment parity")
    .action(async () => {
      const [{ demoCommand }, templates] = await Promise.all([import("./commands/demo.js"), load.templates()]);
      process.stdout.write(await demoCommand(templates));
    });

  return program;
}

/** An exit code a command asked for (`--detailed-exitcode`): 0 unless set. */
let exitCode = 0;

/** The exit code after a signal, as a shell reports it: 128 + the signal's number. */
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (SIGINT) or SIGTERM while a command that runs terraform runs: aborts the signal `catch()` returned (and
 * started catching with), which stops terraform (SIGINT to its process group, a bounded wait for it to release its
 * state lock, then SIGKILL); the command's own cleanup removes its scratch directories, and main returns 130 or 143.
 */
function stopOnSignals(): { catch: () => AbortSignal; received: () => "SIGINT" | "SIGTERM" | undefined; remove: () => void } {
  const controller = new AbortController();
  let received: "SIGINT" | "SIGTERM" | undefined;
  let handlers: (readonly ["SIGINT" | "SIGTERM", () => void])[] | undefined;
  const install = () =>
    (["SIGINT", "SIGTERM"] as const).map((name) => {
      const handler = () => {
        if (received) return; // a second Ctrl-C must not cut terraform's graceful stop short: the SIGKILL after the grace still comes
        received = name;
        // at a terminal the progress line may be drawn: start on a clean line
        process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}driftback: ${name} received: stopping terraform (it releases its state lock) and removing scratch files\n`);
        controller.abort(new Error(`driftback received ${name}`));
      };
      process.on(name, handler);
      return [name, handler] as const;
    });
  return {
    catch: () => {
      handlers ??= install();
      return controller.signal;
    },
    received: () => received,
    remove: () => handlers?.forEach(([name, handler]) => process.off(name, handler)),
  };
}

export async function main(argv: string[]): Promise<number> {
  exitCode = 0;
  const signals = stopOnSignals();
  const interrupted = (): number | undefined => {
    const name = signals.received();
    return name ? SIGNAL_EXIT[name] : undefined;
  };
  try {
    await buildProgram(signals.catch).parseAsync(argv);
    return interrupted() ?? exitCode;
  } catch (error) {
    // commander has already printed usage errors and help: `--help` exits 0, help shown for a missing command 1
    if (error instanceof CommanderError) return error.exitCode;
    // a run stopped by Ctrl-C or SIGTERM fails as cancelled: the signal is the reason, not the failure it caused
    const stopped = interrupted();
    if (stopped !== undefined) return stopped;
    // the one exit point for every other error: whatever a bad file or flag put in the message, the terminal only displays it
    process.stderr.write(`driftback: ${escapeUnprintable(cliWords(await errorMessage(error)))}\n`);
    return 1;
  } finally {
    signals.remove();
  }
}

async function errorMessage(error: unknown): Promise<string> {
  const { PlanParseError } = await load.parse();
  if (error instanceof PlanParseError) return `the plan JSON is not usable: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

// run only when executed, not when imported by tests
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv);
}
