import type { Context } from "probot";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ATLANTIS_PATH, configFromAtlantis } from "../../config/atlantis.js";
import { CONFIG_PATH, validateConfig, type ConfigResult } from "../../config/validate.js";
import type { RepoRef } from "../../ports.js";

const ATLANTIS_FILES = [ATLANTIS_PATH, "atlantis.yml"];

/** The config's file name under `.github/`: driftback.yml, or the Action's `config` input (set once at its start). */
let configFileName = "driftback.yml";

/** The Action's `config` input: another file directly under `.github/` (the App always reads driftback.yml). */
export function useConfigFileName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/.test(name)) throw new Error(`config file name ${JSON.stringify(name)} is not a .yml file name`);
  configFileName = name;
}

/** What config loading needs of a Probot Context; `configReader` builds the same outside webhooks. */
export type ConfigReader = Pick<Context, "config" | "octokit">;

type MergeOptions = { arrayMerge?: (base: unknown[], repo: unknown[]) => unknown[] };

/**
 * A Context-like config reader for code that runs outside a webhook (scheduled scans), over the
 * same config plugin Probot's context.config uses, so `_extends` and the org fallback behave alike.
 */
export function configReader(octokit: Context["octokit"], ref: RepoRef): ConfigReader {
  const config = async (fileName: string, _defaults?: unknown, options?: MergeOptions) => {
    const { config, files } = await octokit.config.get({
      owner: ref.owner,
      repo: ref.repo,
      path: `.github/${fileName}`,
      defaults: (configs: Record<string, unknown>[]) => configs.reduce<Record<string, unknown>>((merged, next) => mergeDeep(merged, next, options), {}),
    });
    return files.some((file) => file.config !== null) ? config : null;
  };
  return { octokit, config: config as Context["config"] };
}

function mergeDeep(base: Record<string, unknown>, next: Record<string, unknown>, options?: MergeOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(next)) {
    const previous = out[key];
    if (Array.isArray(previous) && Array.isArray(value)) out[key] = options?.arrayMerge ? options.arrayMerge(previous, value) : [...previous, ...value];
    else if (isPlainObject(previous) && isPlainObject(value)) out[key] = mergeDeep(previous, value, options);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads `.github/driftback.yml` through Probot's `context.config` (so the org `.github` repo
 * and `_extends` work), else maps a root `atlantis.yaml`. Returns null when neither exists.
 * A broken file becomes a ConfigResult with issues, never an exception.
 */
export async function loadRepoConfig(context: ConfigReader, ref: RepoRef): Promise<ConfigResult | null> {
  let raw: unknown;
  try {
    // arrays in the repo's file replace the base's (`_extends`) instead of concatenating
    raw = await context.config(configFileName, undefined, { arrayMerge: (_base: unknown[], repo: unknown[]) => repo });
  } catch (error) {
    const yamlError = findYamlError(error);
    if (!yamlError) throw error;
    return { ok: false, source: configSource(), issues: [yamlIssue(yamlError)] };
  }
  if (raw !== null && raw !== undefined) return validateConfig(raw, configSource());

  for (const file of ATLANTIS_FILES) {
    const text = await readRootFile(context, ref, file);
    if (text === undefined) continue;
    try {
      return validateConfig(configFromAtlantis(parseYaml(text)), file);
    } catch (error) {
      if (error instanceof YAMLParseError) return { ok: false, source: file, issues: [yamlIssue(error)] };
      throw error;
    }
  }
  return null;
}

/** The config's path as messages name it. */
function configSource(): string {
  return configFileName === "driftback.yml" ? CONFIG_PATH : `.github/${configFileName}`;
}

async function readRootFile(context: Pick<ConfigReader, "octokit">, ref: RepoRef, path: string): Promise<string | undefined> {
  try {
    const { data } = await context.octokit.rest.repos.getContent({ ...ref, path, mediaType: { format: "raw" } });
    return typeof data === "string" ? data : undefined;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

function findYamlError(error: unknown): YAMLParseError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof YAMLParseError || (current as Error).name === "YAMLParseError") return current as YAMLParseError;
    if (/invalid YAML|YAML is not an object/.test(String((current as Error).message))) {
      const cause = (current as Error).cause;
      if (!cause) return Object.assign(new Error("the file is not a YAML mapping"), { name: "YAMLParseError" }) as unknown as YAMLParseError;
    }
    current = (current as Error).cause;
  }
  return undefined;
}

function yamlIssue(error: YAMLParseError) {
  const position = error.linePos?.[0];
  const where = position ? ` at line ${position.line}, column ${position.col}` : "";
  return {
    path: "(file)",
    message: `not valid YAML${where}: ${error.message.split("\n")[0]}`,
    fix: "Correct the YAML syntax (indentation, quotes, colons); a YAML linter shows the exact spot.",
  };
}
