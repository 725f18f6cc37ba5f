import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadHclParser } from "../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../src/adapters/hcl/toolchain.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import type { Config, RawConfig } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";
import { classifyDrift, type DriftItem } from "../../src/core/drift/items.js";
import type { IgnoredDrift } from "../../src/core/backport/index.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import type { Logger, TerraformRunner } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import { backportDrift, type BackportDeps, type BackportInput, type BackportReport } from "../../src/usecases/backport-drift.js";
import { fakeTerraformEnv, type FakeCall } from "./fake-terraform.js";
import { BOT, MemoryGitHub } from "./memory-github.js";

export const WS_DIR = "infra/prod";
export const MAIN_TF = `${WS_DIR}/main.tf`;

/** The code the scans plan: an instance (configuration drift), a security group (policy drift), one more instance (deleted outside Terraform). */
export const MAIN_TF_TEXT = `resource "aws_instance" "api" {
  ami           = "ami-1"
  instance_type = "t3.small"

  tags = {
    Owner = "alice"
  }
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"
}

# the batch worker
resource "aws_instance" "gone" {
  ami = "ami-9"
}
`;

export interface ResourceDrift {
  address: string;
  recorded: Record<string, unknown>;
  /** The live object; null: deleted outside Terraform. */
  live: Record<string, unknown> | null;
  /** Marks of the live object's sensitive attributes. */
  sensitive?: Record<string, unknown>;
}

export const API_RECORDED = { ami: "ami-1", instance_type: "t3.small", tags: { Owner: "alice" }, id: "i-1" };
export const SG_RECORDED = { name: "web", description: "web servers", id: "sg-1" };
export const GONE_RECORDED = { ami: "ami-9", id: "i-9" };

export const apiDrift = (instanceType = "t3.large"): ResourceDrift => ({ address: "aws_instance.api", recorded: API_RECORDED, live: { ...API_RECORDED, instance_type: instanceType } });
export const sgDrift = (description = "open to all"): ResourceDrift => ({ address: "aws_security_group.web", recorded: SG_RECORDED, live: { ...SG_RECORDED, description } });
export const goneDrift = (): ResourceDrift => ({ address: "aws_instance.gone", recorded: GONE_RECORDED, live: null });

/** A scan's `show -json`: each resource drifted (resource_drift) and planned back to what state recorded (resource_changes). */
export function scanPlanJson(drifts: readonly ResourceDrift[]): string {
  const base = (address: string) => {
    const [type, name] = address.split(".");
    return { address, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws" };
  };
  const marks = (sensitive: Record<string, unknown> | undefined) => ({ after_unknown: {}, before_sensitive: sensitive ?? {}, after_sensitive: sensitive ?? {} });
  const resource_drift = drifts.map((d) => ({ ...base(d.address), change: { actions: [d.live ? "update" : "delete"], before: d.recorded, after: d.live, ...marks(d.sensitive) } }));
  const resource_changes = drifts.map((d) =>
    d.live
      ? { ...base(d.address), change: { actions: ["update"], before: d.live, after: d.recorded, ...marks(d.sensitive) } }
      : { ...base(d.address), change: { actions: ["create"], before: null, after: d.recorded, after_unknown: { id: true }, before_sensitive: false, after_sensitive: d.sensitive ?? {} } },
  );
  return JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", resource_drift, resource_changes, relevant_attributes: null, output_changes: {}, errored: false });
}

/** A verification plan: each address planned no-op, or `update` with the given live/planned objects. */
export function verifyPlanJson(changes: { address: string; before: Record<string, unknown>; after?: Record<string, unknown> }[]): string {
  const resource_changes = changes.map((c) => {
    const [type, name] = c.address.split(".");
    return { address: c.address, mode: "managed", type, name, change: { actions: [c.after ? "update" : "no-op"], before: c.before, after: c.after ?? c.before, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } };
  });
  return JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", resource_changes, output_changes: {}, errored: false });
}

export function configOf(raw: Omit<RawConfig, "workspaces"> = {}): Config {
  const result = validateConfig({ workspaces: [{ name: "prod", dir: WS_DIR, tier: "prod" }], ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

export interface LoggedLine {
  level: string;
  obj: object;
  msg?: string;
}

export function memoryLogger(lines: LoggedLine[] = []): Logger & { lines: LoggedLine[] } {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  return { lines, info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

export interface ScanOptions {
  config?: Config;
  /** Incident sources and the window (issue 9). */
  incidents?: BackportInput["incidents"];
  /** What the verification plan replays; undefined: a plan that proposes nothing for every drifted resource. */
  verifyPlan?: string;
  /** The fake terraform fails every plan with this stderr. */
  failPlan?: string;
  remembered?: IgnoredDrift[];
  reopen?: string[];
  firstSeen?: Map<string, string>;
  /** A fresh logger per scan unless given. */
  logger?: ReturnType<typeof memoryLogger>;
  /** Replace the runner (e.g. to count or refuse plans). */
  terraform?: TerraformRunner;
  withExcerpts?: boolean;
  planLimit?: BackportDeps["planLimit"];
  signal?: AbortSignal;
  /** Where verification copies go (default a fresh temp dir). */
  scratchDir?: string;
}

export interface ScanResult {
  report: BackportReport;
  items: DriftItem[];
  plans: FakeCall[];
  logger: ReturnType<typeof memoryLogger>;
}

/**
 * One scan as the app runs it after its plans: a fresh checkout of the default branch (with the
 * fake terraform's control files beside the code), fresh deps (a restart each time), the drift
 * the scan plan shows, and backportDrift. The fake terraform only ever runs verification plans here.
 */
export async function scanOnce(github: MemoryGitHub, drifts: readonly ResourceDrift[], options: ScanOptions = {}): Promise<ScanResult> {
  const config = options.config ?? configOf();
  const checkout = github.checkout();
  const planJson = scanPlanJson(drifts);
  const items = classifyDrift(parsePlan(planJson), "prod");
  const verify = options.verifyPlan ?? verifyPlanJson(drifts.filter((d) => d.live).map((d) => ({ address: d.address, before: d.live! })));
  writeFileSync(path.join(checkout.dir, WS_DIR, "verify.json"), verify);
  writeFileSync(path.join(checkout.dir, WS_DIR, ".fake-terraform.json"), JSON.stringify({ plan: "verify.json", planWhenTargeted: "verify.json", ...(options.failPlan ? { fail: { plan: { code: 1, stderr: options.failPlan } } } : {}) }));
  const fake = fakeTerraformEnv();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "backport-scratch-"));
  const logger = options.logger ?? memoryLogger();
  const deps: BackportDeps = {
    host: github,
    terraform: options.terraform ?? new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins") }),
    toolchain: hclToolchain,
    loadParser: loadHclParser,
    templates: bundledTemplates(),
    logger,
    botLogin: BOT,
    scratchDir: options.scratchDir ?? scratch,
    ...(options.planLimit ? { planLimit: options.planLimit } : {}),
  };
  const input: BackportInput = {
    repo: { owner: "acme", repo: "infra" },
    baseBranch: "main",
    baseSha: checkout.sha,
    checkoutDir: checkout.dir,
    config,
    items,
    scanned: ["prod"],
    remembered: options.remembered ?? [],
    reopen: options.reopen ?? [],
    firstSeen: options.firstSeen ?? new Map(),
    ...(options.withExcerpts === false ? {} : { planExcerpts: new Map([["prod", planJson]]) }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
  };
  const report = await backportDrift(deps, input);
  return { report, items, plans: fake.calls().filter((c) => c.args[0] === "plan"), logger };
}

export function newGitHub(extra: Record<string, string> = {}): MemoryGitHub {
  return new MemoryGitHub({ [MAIN_TF]: MAIN_TF_TEXT, "README.md": "# infra\n", ...extra });
}

/** Scans until a scan writes nothing; returns how many scans wrote. Throws when it never settles. */
export async function settle(github: MemoryGitHub, drifts: readonly ResourceDrift[], options: ScanOptions = {}, rounds = 4): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    const { report } = await scanOnce(github, drifts, options);
    if (report.writes === 0) return round;
  }
  throw new Error(`still writing after ${rounds} scans`);
}
