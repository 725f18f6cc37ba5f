import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";

/**
 * The real terraform and the sandbox provider (../shared/tools/sandbox-provider), driven from
 * TypeScript: the CLI config env.sh would write, the sandbox cloud's console, plain terraform
 * runs for what the project's runner does not do (apply), and the project's own runner.
 */

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SANDBOX_PROVIDER_DIR = path.resolve(REPO_ROOT, "../shared/tools/sandbox-provider");

/** The `terraform` block every sandbox root (and module) declares: the provider from the filesystem mirror. */
export const SANDBOX_PROVIDER_BLOCK = `terraform {
  required_providers {
    sandbox = {
      source  = "example.com/driftback/sandbox"
      version = "0.1.0"
    }
  }
}
`;

export type TerraformProbe = { available: true; version: string } | { available: false; reason: string };

/** Whether a real terraform and the sandbox provider are both here, and if not, why. */
export async function probeRealTerraform(): Promise<TerraformProbe> {
  const run = await execa("terraform", ["version", "-json"], { reject: false, timeout: 30_000, env: { CHECKPOINT_DISABLE: "1" } });
  if (run.failed) return { available: false, reason: `no terraform binary on PATH (\`terraform version\`: ${(run.shortMessage ?? "failed").split("\n")[0]})` };
  let version = "unknown";
  try {
    version = (JSON.parse(run.stdout) as { terraform_version?: string }).terraform_version ?? version;
  } catch {
    // an old terraform without -json still runs the suite
  }
  if (!existsSync(path.join(SANDBOX_PROVIDER_DIR, "provider.mjs"))) return { available: false, reason: `the sandbox provider is absent (${SANDBOX_PROVIDER_DIR})` };
  return { available: true, version };
}

export interface Sandbox {
  /** The terraform root module. */
  dir: string;
  /** The sandbox cloud: one JSON file per object; editing one is a change made outside Terraform. */
  cloudDir: string;
  /** What terraform needs to find the sandbox provider offline. */
  env: NodeJS.ProcessEnv;
  /** The project's runner, with a real plugin cache and its own scratch dir. */
  runner: TerraformCli;
}

/** A fresh workspace dir and cloud, with the CLI config `env.sh` writes (a filesystem mirror), in TypeScript. */
export function createSandbox(name: string, files: Record<string, string>): Sandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), `real-tf-${name}-`));
  const dir = path.join(root, "ws");
  const cloudDir = path.join(root, "cloud");
  const configDir = path.join(root, "tf-config");
  for (const d of [dir, cloudDir, configDir]) mkdirSync(d, { recursive: true });
  const cliConfig = path.join(configDir, "terraformrc");
  const mirror = path.join(SANDBOX_PROVIDER_DIR, "mirror");
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["example.com/driftback/sandbox"]\n  }\n  direct {\n    exclude = ["example.com/driftback/sandbox"]\n  }\n}\n`,
  );
  writeFiles(dir, files);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    SANDBOX_CLOUD_DIR: cloudDir,
    // the plugin cache copies the launcher, so it cannot find provider.mjs through a symlink
    SANDBOX_PROVIDER_HOME: SANDBOX_PROVIDER_DIR,
    CHECKPOINT_DISABLE: "1",
  };
  const runner = new TerraformCli({ env, pluginCacheDir: path.join(root, "plugin-cache"), scratchDir: path.join(root, "scratch"), killGraceMs: 2_000 });
  return { dir, cloudDir, env, runner };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
}

export interface TerraformRun {
  exitCode: number | undefined;
  stdout: string;
  output: string;
}

/** Plain terraform in the workspace (its own .terraform), for apply and the verification plan. */
export async function terraform(sandbox: Sandbox, args: string[]): Promise<TerraformRun> {
  const run = await execa("terraform", [...args, "-no-color"], { cwd: sandbox.dir, env: sandbox.env, extendEnv: false, reject: false, all: true, timeout: 120_000 });
  return { exitCode: run.exitCode, stdout: run.stdout, output: run.all ?? "" };
}

/** Runs terraform and fails with its output unless it exits with one of `codes`. */
export async function terraformOk(sandbox: Sandbox, args: string[], codes: number[] = [0]): Promise<TerraformRun> {
  const run = await terraform(sandbox, args);
  if (run.exitCode === undefined || !codes.includes(run.exitCode)) throw new Error(`terraform ${args.join(" ")} exited ${run.exitCode}:\n${run.output.slice(-4000)}`);
  return run;
}

/** init + apply: the sandbox cloud now holds what the code says. */
export async function initAndApply(sandbox: Sandbox, varFiles: string[] = []): Promise<void> {
  await terraformOk(sandbox, ["init", "-input=false"]);
  await terraformOk(sandbox, ["apply", "-auto-approve", "-input=false", ...varFiles.map((f) => `-var-file=${f}`)]);
}

export type ConsoleCommand = ["set" | "append", string, string, string, unknown] | ["unset", string, string, string] | ["delete", string, string] | ["put", string, string, unknown];

/** One out-of-band change with the sandbox cloud's console (`sandbox-cloud.mjs`). */
export async function outOfBand(sandbox: Sandbox, command: ConsoleCommand): Promise<void> {
  const [verb, type, name, ...rest] = command;
  const args = rest.map((arg, i) => (verb === "put" || i === 1 ? JSON.stringify(arg) : String(arg)));
  await execa("node", [path.join(SANDBOX_PROVIDER_DIR, "sandbox-cloud.mjs"), verb, sandbox.cloudDir, type, name, ...args], { timeout: 30_000 });
}

/** The project's runner: init (plugin cache, its own TF_DATA_DIR), plan -detailed-exitcode -out, show -json. */
export async function planWithRunner(sandbox: Sandbox, varFiles: string[] = []): Promise<string> {
  const outcome = await sandbox.runner.plan({ dir: sandbox.dir, binary: "terraform", workspace: "default", varFiles, backendConfig: [], timeoutMs: 120_000, lockTimeout: "30s" });
  if (!outcome.ok) throw new Error(`the runner failed at ${outcome.stage}: ${outcome.message}\n${outcome.output.slice(-4000)}`);
  return outcome.planJson;
}

/** A saved plan and its JSON, with terraform's -detailed-exitcode (0 = nothing to do). */
export async function verificationPlan(sandbox: Sandbox, varFiles: string[] = []): Promise<{ exitCode: number | undefined; json: PlanJson; output: string }> {
  const plan = await terraformOk(sandbox, ["plan", "-input=false", "-detailed-exitcode", "-out=verify.tfplan", ...varFiles.map((f) => `-var-file=${f}`)], [0, 2]);
  const show = await terraformOk(sandbox, ["show", "-json", "verify.tfplan"]);
  return { exitCode: plan.exitCode, json: JSON.parse(show.stdout) as PlanJson, output: plan.output };
}

export interface PlanJson {
  resource_changes?: { address: string; change: { actions: string[] } }[];
  resource_drift?: { address: string }[];
  relevant_attributes?: { resource: string; attribute: (string | number)[] }[] | null;
  [key: string]: unknown;
}

/** Every file under `dir` (terraform's own dirs and plan files left out), relative path -> bytes. */
export function fileBytes(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${entry}` : entry;
      if (entry === ".terraform" || entry.endsWith(".tfplan") || entry.startsWith("terraform.tfstate")) continue;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  walk("");
  return out;
}

/** The environment `driftback` needs to run terraform against this sandbox, with a plugin cache of its own. */
export function sandboxCliEnv(sandbox: Sandbox): Record<string, string | undefined> {
  const pluginCache = mkdtempSync(path.join(os.tmpdir(), "cli-plugin-cache-"));
  return { TF_CLI_CONFIG_FILE: sandbox.env.TF_CLI_CONFIG_FILE, SANDBOX_CLOUD_DIR: sandbox.env.SANDBOX_CLOUD_DIR, SANDBOX_PROVIDER_HOME: sandbox.env.SANDBOX_PROVIDER_HOME, CHECKPOINT_DISABLE: "1", DRIFTBACK_PLUGIN_CACHE_DIR: pluginCache };
}
