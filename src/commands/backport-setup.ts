import { stat } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { fsReason, readLocalTextFile } from "../adapters/local-file.js";
import { workspaceSchema, type Config, type WorkspaceConfig } from "../config/schema.js";
import { CONFIG_PATH, validateConfig } from "../config/validate.js";
import { classifyDrift, type DriftItem } from "../core/drift/items.js";
import { withoutIgnored } from "../core/drift/track.js";
import { parsePlan, PlanParseError } from "../core/plan/parse.js";
import { escapeForOneLine } from "../core/printable.js";
import type { PlanModel } from "../core/plan/model.js";
import { readPlanJson } from "./plan-file.js";
import { CommandInputError, requireDirectory } from "./workspace-checks.js";

/** A config file is small; a larger one is not a driftback config. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** What `driftback backport` works on: the repository, the workspace in it, the config and the plan's drift. */
export interface BackportSetup {
  /** The repository on disk (absolute): read only. */
  repoDir: string;
  config: Config;
  workspace: WorkspaceConfig;
  /** The config file read, relative to repoDir, when there was one. */
  configFile?: string;
  planJson: string;
  model: PlanModel;
  /** The workspace's drift after the config's `drift.ignore` rules. */
  items: DriftItem[];
}

export interface BackportSetupOptions {
  dir: string;
  planJson: string;
  /** A workspace named in `.github/driftback.yml`; without it `dir` is the workspace. */
  workspace?: string;
  /** `--var-file`s, relative to the workspace's dir, in order: after the workspace's `var_files` with --workspace. */
  varFiles?: readonly string[];
}

/** Reads and checks everything the command needs before anything runs: the first bad input ends it with one line. */
export async function loadBackportSetup(options: BackportSetupOptions): Promise<BackportSetup> {
  const repoDir = path.resolve(options.dir);
  await requireDirectory(repoDir, "--dir", options.dir);
  const file = await readRepoConfig(repoDir, options.dir);
  if (options.workspace !== undefined && !file) {
    throw new CommandInputError(`--workspace ${escapeForOneLine(options.workspace)} needs ${shownConfig(options.dir)}, which does not exist; leave out --workspace to use --dir as the workspace`);
  }
  const config = file?.config ?? defaultConfig();
  const picked = options.workspace === undefined ? workspaceSchema.parse({ name: "default", dir: "." }) : pickWorkspace(config, options.workspace, options.dir);
  // --var-file goes after the config's var_files, as a later -var-file on terraform's command line
  const workspace = { ...picked, var_files: [...picked.var_files, ...(options.varFiles ?? []).map((f) => checkedVarFile(f, picked.dir))] };
  // without --workspace the config's own workspaces are not what was planned: --dir is
  const effective: Config = options.workspace === undefined ? { ...config, workspaces: [workspace] } : { ...config, workspaces: config.workspaces.map((w) => (w.name === workspace.name ? workspace : w)) };
  if (options.workspace !== undefined) await requireDirectory(path.join(repoDir, workspace.dir), `workspace ${escapeForOneLine(workspace.name)}'s dir`, workspace.dir);
  await requireVarFiles(repoDir, workspace, picked.var_files.length, options.workspace !== undefined ? file?.config : undefined);

  const planJson = await readPlanJson(options.planJson, "--plan-json");
  let model: PlanModel;
  try {
    model = parsePlan(planJson);
  } catch (error) {
    if (error instanceof PlanParseError) throw new CommandInputError(`--plan-json ${escapeForOneLine(options.planJson)} is not usable plan JSON: ${error.message}`, { cause: error });
    throw error;
  }
  const items = withoutIgnored(classifyDrift(model, workspace.name), effective.drift.ignore);
  return { repoDir, config: effective, workspace, ...(file ? { configFile: CONFIG_PATH } : {}), planJson, model, items };
}

/** A --var-file as terraform takes it: relative to the workspace's dir, inside the repository. */
function checkedVarFile(file: string, dir: string): string {
  const normalized = file.replaceAll("\\", "/");
  if (path.posix.isAbsolute(normalized) || path.win32.isAbsolute(file)) throw new CommandInputError(`--var-file ${escapeForOneLine(file)} must be a path relative to the workspace's dir (${escapeForOneLine(dir)}), not an absolute path`);
  if (path.posix.normalize(path.posix.join(dir, normalized)).startsWith("..")) throw new CommandInputError(`--var-file ${escapeForOneLine(file)} climbs out of the repository once joined to the workspace's dir (${escapeForOneLine(dir)})`);
  return normalized;
}

/** Every var file the workspace is planned with is there: a missing one is named with where it came from (the config or --var-file). */
async function requireVarFiles(repoDir: string, workspace: WorkspaceConfig, fromConfig: number, config: Config | undefined): Promise<void> {
  for (const [index, file] of workspace.var_files.entries()) {
    const shown = escapeForOneLine(path.posix.join(workspace.dir, file));
    const problem = await stat(path.join(repoDir, workspace.dir, file)).then(
      (info) => (info.isFile() ? undefined : "is not a file"),
      (error: unknown) => fsReason(error),
    );
    if (problem === undefined) continue;
    const source = index < fromConfig && config ? `var_files of workspace ${escapeForOneLine(workspace.name)} in ${CONFIG_PATH}: ${escapeForOneLine(file)}` : `--var-file ${escapeForOneLine(file)}`;
    throw new CommandInputError(`${source}: ${shown} ${problem.startsWith("is ") ? `${problem} (var files are relative to the workspace's dir)` : `cannot be read (var files are relative to the workspace's dir): ${problem}`}`);
  }
}

function pickWorkspace(config: Config, name: string, dirShown: string): WorkspaceConfig {
  return configWorkspace(config, name, shownConfig(dirShown));
}

/** The workspace `--workspace` names in a config, or an error naming the config's workspaces. */
export function configWorkspace(config: Config, name: string, configShown: string): WorkspaceConfig {
  const found = config.workspaces.find((w) => w.name === name);
  if (found) return found;
  const known = config.workspaces.map((w) => w.name).join(", ");
  throw new CommandInputError(`--workspace ${escapeForOneLine(name)} is not in ${configShown} (its workspaces: ${escapeForOneLine(known)})`);
}

/** The config a repository without `.github/driftback.yml` gets: every default, one workspace at the root. */
function defaultConfig(): Config {
  const result = validateConfig({ workspaces: [{ name: "default", dir: "." }] });
  if (!result.ok) throw new Error("the default config does not validate"); // a bug, not bad input
  return result.config;
}

/** `.github/driftback.yml` of the repository on disk, validated like the App does; undefined when absent. */
export async function readRepoConfig(repoDir: string, dirShown: string): Promise<{ config: Config } | undefined> {
  const file = path.join(repoDir, CONFIG_PATH);
  const exists = await stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : true),
  );
  if (!exists) return undefined;
  return { config: await readConfigFile(file, shownConfig(dirShown)) };
}

/** A driftback config file (`--config`, or a repository's `.github/driftback.yml`), validated like the App does. */
export async function readConfigFile(file: string, shown: string): Promise<Config> {
  const text = await readLocalTextFile(file, { label: "config", displayName: shown, maxBytes: MAX_CONFIG_BYTES, tooLargeAdvice: "a driftback config is a few kilobytes" });
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const at = error.linePos?.[0];
    throw new CommandInputError(`${shown} is not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${escapeForOneLine(error.message.split("\n")[0] ?? "")}`, { cause: error });
  }
  const result = validateConfig(raw, shown);
  if (!result.ok) {
    const [first] = result.issues;
    const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : "";
    throw new CommandInputError(`${shown}: ${escapeForOneLine(first!.path)} ${escapeForOneLine(first!.message)}; ${first!.fix}${more}`);
  }
  return result.config;
}

function shownConfig(dirShown: string): string {
  return escapeForOneLine(path.join(dirShown, CONFIG_PATH));
}
