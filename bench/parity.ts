import { execa } from "execa";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { readRepoSources } from "../src/adapters/hcl/load-repo-view.js";
import { loadHclParser, type HclParser } from "../src/adapters/hcl/parser.js";
import type { Config } from "../src/config/schema.js";
import { validateConfig } from "../src/config/validate.js";
import type { PlanModel } from "../src/core/plan/model.js";
import { parsePlan } from "../src/core/plan/parse.js";
import type { GroupReport } from "../src/core/parity/types.js";
import { repoGraphOf } from "../src/core/repo/graph.js";
import { RepoView } from "../src/core/repo/view.js";
import { parityOf, type ParityResult } from "../src/usecases/parity.js";
import { forgetIndexedSources } from "../src/core/hcl/workspace.js";
import { forgetVersionFacts } from "../src/core/parity/versions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FILES = 2_000;
const GROUPS = 10;
const MEMBERS = 5;
const WORKSPACES = GROUPS * MEMBERS;
/** Resource files per module: the 50 roots and 10 variables.tf make up the rest of the 2,000 files. */
const RESOURCE_FILES = (FILES - WORKSPACES - GROUPS) / GROUPS;
const RESOURCES_PER_FILE = 2;
const RESOURCES = RESOURCE_FILES * RESOURCES_PER_FILE;
/** The member of each group that sets replicas = 4 (the others 2): a declared and a live `code` difference. */
const BIGGER = 0;
/** The member of each group whose first DRIFTED resources drifted (instance_type, tags.Team): live `drift` differences. */
const DRIFTING = 2;
const DRIFTED = 3;
/** The member of each group whose lock file holds an older aws provider: a version row. */
const OLDER = 4;
const ROUNDS = 5;

const workspaceName = (g: number, e: number) => `g${g}-e${e}`;

/**
 * Environment parity (issue 16): the whole parity of a repository of 50 workspaces in 10 groups of 5 (groups,
 * declared, live and version differences) over the time to index the same 2,000 files into the repository view,
 * and the peak memory of `driftback parity` over them with a plan per workspace.
 */
export async function benchParity(): Promise<void> {
  const parser = await loadHclParser();
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-parity-"));
  try {
    console.log(`parity of ${WORKSPACES} workspaces in ${GROUPS} groups of ${MEMBERS} over indexing the repository`);
    const { config, planFiles } = writeRepository(dir);
    await benchInProcess(parser, dir, config, planFiles);
    await benchCli(dir, planFiles);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeRepository(dir: string): { config: Config; planFiles: Map<string, string> } {
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  for (let g = 0; g < GROUPS; g++) {
    write(
      `modules/mod${g}/variables.tf`,
      `terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
}

variable "timeout" {
  type    = string
  default = "30s"
}
`,
    );
    for (let f = 0; f < RESOURCE_FILES; f++) {
      const resources = Array.from({ length: RESOURCES_PER_FILE }, (_, k) => resourceHcl(f * RESOURCES_PER_FILE + k));
      write(`modules/mod${g}/file${String(f).padStart(3, "0")}.tf`, resources.join("\n"));
    }
    for (let e = 0; e < MEMBERS; e++) {
      write(
        `envs/${workspaceName(g, e)}/main.tf`,
        `module "m" {
  source   = "../../modules/mod${g}"
  name     = "${workspaceName(g, e)}"
  replicas = ${e === BIGGER ? 4 : 2}
}
`,
      );
      write(`envs/${workspaceName(g, e)}/.terraform.lock.hcl`, lockFile(e === OLDER ? "5.20.1" : "5.31.0"));
    }
  }
  const workspaces = Array.from({ length: GROUPS }, (_, g) => Array.from({ length: MEMBERS }, (_, e) => ({ name: workspaceName(g, e), dir: `envs/${workspaceName(g, e)}` }))).flat();
  write(".github/driftback.yml", `workspaces:\n${workspaces.map((w) => `  - name: ${w.name}\n    dir: ${w.dir}\n`).join("")}`);
  const validated = validateConfig({ workspaces });
  if (!validated.ok) throw new Error(`bench config: ${JSON.stringify(validated)}`);

  const planFiles = new Map<string, string>();
  mkdirSync(path.join(dir, "plans"));
  for (let g = 0; g < GROUPS; g++) {
    for (let e = 0; e < MEMBERS; e++) {
      const file = path.join(dir, "plans", `${workspaceName(g, e)}.json`);
      writeFileSync(file, planJson(g, e));
      planFiles.set(workspaceName(g, e), file);
    }
  }
  return { config: validated.config, planFiles };
}

/** An aws_instance-like resource: literal attributes, a nested tags map, one attribute (two in r0, r1) from a variable. */
function resourceHcl(n: number): string {
  const fromVariable = n === 0 ? "  cpu_core_count = var.replicas\n" : n === 1 ? '  user_data      = "timeout=$' + '{var.timeout}"\n' : "";
  return `resource "aws_instance" "r${n}" {
  ami           = "ami-0abc${n}"
  instance_type = "t3.small"
  monitoring    = true
${fromVariable}
  tags = {
    Name = "\${var.name}-r${n}"
    Team = "platform"
  }
}
`;
}

/** `.terraform.lock.hcl` exactly as `terraform init` writes it. */
function lockFile(aws: string): string {
  return `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "${aws}"
  constraints = "~> 5.0"
  hashes = [
    "h1:0123456789abcdefghijklmnopqrstuvwxyzABCDEFG=",
    "zh:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "zh:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.3"
  hashes = [
    "h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=",
    "zh:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  ]
}
`;
}

/** What the module's resource rN holds for workspace (g, e), as terraform's state would. */
function resourceValues(g: number, e: number, n: number, live: boolean): Record<string, unknown> {
  const name = workspaceName(g, e);
  const drifted = live && e === DRIFTING && n < DRIFTED;
  return {
    id: `i-${(g * 1_000_000 + e * 10_000 + n).toString(16).padStart(17, "0")}`,
    arn: `arn:aws:ec2:eu-west-1:123456789012:instance/${name}-r${n}`,
    ami: `ami-0abc${n}`,
    instance_type: drifted ? "t3.large" : "t3.small",
    monitoring: true,
    ...(n === 0 ? { cpu_core_count: e === BIGGER ? 4 : 2 } : {}),
    ...(n === 1 ? { user_data: "timeout=30s" } : {}),
    tags: { Name: `${name}-r${n}`, Team: drifted ? "ops" : "platform" },
  };
}

/** `terraform show -json` of workspace (g, e): every resource of its module, no-op but the drifted ones. */
function planJson(g: number, e: number): string {
  const entry = (n: number, actions: string[], before: object, after: object) => ({
    address: `module.m.aws_instance.r${n}`,
    module_address: "module.m",
    mode: "managed",
    type: "aws_instance",
    name: `r${n}`,
    provider_name: "registry.terraform.io/hashicorp/aws",
    change: { actions, before, after, after_unknown: {}, before_sensitive: { tags: {} }, after_sensitive: { tags: {} } },
  });
  const changes = [];
  const drift = [];
  for (let n = 0; n < RESOURCES; n++) {
    const recorded = resourceValues(g, e, n, false);
    const live = resourceValues(g, e, n, true);
    const drifted = JSON.stringify(recorded) !== JSON.stringify(live);
    changes.push(entry(n, drifted ? ["update"] : ["no-op"], live, recorded));
    if (drifted) drift.push(entry(n, ["update"], recorded, live));
  }
  return JSON.stringify({
    format_version: "1.2",
    terraform_version: e === OLDER ? "1.9.8" : "1.11.4",
    planned_values: { root_module: {} },
    ...(drift.length > 0 ? { resource_drift: drift } : {}),
    resource_changes: changes,
  });
}

async function benchInProcess(parser: HclParser, dir: string, config: Config, planFiles: ReadonlyMap<string, string>): Promise<void> {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const parse = (source: string) => parser.parse(source);
  const roots = config.workspaces.map((w) => ({ name: w.name, dir: w.dir, varFiles: w.var_files }));
  // the plans as the scan holds them: parsed once, outside the timed part
  const plans = new Map<string, PlanModel>();
  for (const [workspace, file] of planFiles) plans.set(workspace, parsePlan(await readFile(file, "utf8")));

  const index = async () => {
    const { sources } = await readRepoSources(dir);
    const graph = repoGraphOf(parse, sources);
    new RepoView({ calls: graph.calls, resourceDirs: graph.resourceDirs }, roots);
    return sources.size;
  };
  // cold each round: nothing a previous round indexed is kept (HclWorkspace's per-text cache)
  const parity = () => {
    forgetIndexedSources();
    forgetVersionFacts();
    return parityOf(parser, { checkoutDir: dir, config, plans });
  };

  // warm up both, and check what parity finds before timing it: a broken parity must not produce a fast number
  const files = await index();
  if (files !== FILES) throw new Error(`bench indexed ${files} of ${FILES} files`);
  const found = checkResult(await parity());

  const indexed: number[] = [];
  const compared: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let start = performance.now();
    await index();
    indexed.push(performance.now() - start);
    start = performance.now();
    checkResult(await parity());
    compared.push(performance.now() - start);
  }
  const ratio = median(compared) / median(indexed);
  console.log(`  index ${FILES} files (${WORKSPACES} workspaces) into the view  ${median(indexed).toFixed(0)} ms`);
  console.log(`  parity of ${found.groups} groups of ${MEMBERS} (${plans.size} plans of ${RESOURCES} resources, parsed beforehand)  ${median(compared).toFixed(0)} ms: ${found.declared} declared, ${found.live} live, ${found.versions} version differences`);
  console.log(`    parity over index  ${ratio.toFixed(2)}  (goal <= 1.5) ${ratio <= 1.5 ? "OK" : "OVER GOAL"}`);
}

/** Throws unless parity found exactly the groups and the differences the corpus plants. */
function checkResult(result: ParityResult): { groups: number; declared: number; live: number; versions: number } {
  const fail = (what: string) => {
    throw new Error(`bench parity: ${what}`);
  };
  if (result.problems.length > 0) fail(`problems ${JSON.stringify(result.problems.slice(0, 3))}`);
  if (result.groups.length !== GROUPS) fail(`${result.groups.length} groups, not ${GROUPS}`);
  let declared = 0;
  let live = 0;
  let versions = 0;
  for (const [g, report] of [...result.groups].sort((a, b) => a.group.name.localeCompare(b.group.name, "en", { numeric: true })).entries()) {
    const members = Array.from({ length: MEMBERS }, (_, e) => workspaceName(g, e));
    const found = summary(report);
    const expected = {
      name: `modules/mod${g}`,
      members,
      unknown: [],
      differences: [
        `declared module.m replicas ${members.map((m, e) => `${m}=${e === BIGGER ? 4 : 2}`).join(" ")}`,
        `live aws_instance.r0 cpu_core_count code ${members.map((m, e) => `${m}=${e === BIGGER ? 4 : 2}`).join(" ")}`,
        ...Array.from({ length: DRIFTED }, (_, n) => [
          `live aws_instance.r${n} instance_type drift ${members.map((m, e) => `${m}=${e === DRIFTING ? '"t3.large"' : '"t3.small"'}`).join(" ")}`,
          `live aws_instance.r${n} tags.Team drift ${members.map((m, e) => `${m}=${e === DRIFTING ? '"ops"' : '"platform"'}`).join(" ")}`,
        ]).flat(),
      ].sort(),
      versions: [`provider registry.terraform.io/hashicorp/aws ${members.map((m, e) => `${m}=${e === OLDER ? "5.20.1" : "5.31.0"} (~> 5.0)`).sort().join(" ")}`],
    };
    if (JSON.stringify(found) !== JSON.stringify(expected)) fail(`group ${g} is not what the corpus plants:\n  found    ${JSON.stringify(found)}\n  expected ${JSON.stringify(expected)}`);
    declared += report.differences.filter((d) => d.kind === "declared").length;
    live += report.differences.filter((d) => d.kind === "live").length;
    versions += report.versions.length;
  }
  return { groups: result.groups.length, declared, live, versions };
}

function summary(report: GroupReport) {
  const values = (record: Record<string, unknown>) =>
    Object.entries(record)
      .map(([member, value]) => `${member}=${value !== null && typeof value === "object" && "value" in value ? JSON.stringify(value.value) : JSON.stringify(value)}`)
      .join(" ");
  return {
    name: report.group.name,
    members: report.group.members.map((m) => m.id),
    unknown: report.unknown,
    differences: report.differences.map((d) => `${d.kind} ${d.resource} ${d.attribute}${d.cause ? ` ${d.cause}` : ""} ${values(d.values)}`).sort(),
    versions: report.versions.map((v) => `${v.kind} ${v.name} ${Object.entries(v.values).map(([m, value]) => `${m}=${value}`).sort().join(" ")}`),
  };
}

/** Runs the CLI as its own process (as bench/drift-cli.ts does), so wall time and peak RSS are that command's alone. */
async function measure(args: string[]): Promise<{ seconds: number; rssMb: number; stdout: string }> {
  const start = performance.now();
  const result = await execa(process.execPath, ["--import", "tsx", "--import", path.join(root, "bench/support/report-rss.mjs"), path.join(root, "src/cli.ts"), ...args], { cwd: root, reject: false, maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (result.exitCode !== 0) throw new Error(`driftback ${args[0]} failed: ${result.stderr.slice(-500)}`);
  const kb = Number(/DRIFTBACK_BENCH_MAXRSS_KB=(\d+)/.exec(result.stderr)?.[1] ?? Number.NaN);
  return { seconds, rssMb: kb / 1024, stdout: result.stdout };
}

async function benchCli(dir: string, planFiles: ReadonlyMap<string, string>): Promise<void> {
  const parity = await measure(["parity", "--dir", dir, ...[...planFiles].flatMap(([workspace, file]) => ["--plan-json", `${workspace}=${file}`]), "--format", "json"]);
  const report = JSON.parse(parity.stdout) as { groups: { members: string[]; differences: unknown[]; versions: unknown[] }[] };
  const differences = report.groups.reduce((sum, g) => sum + g.differences.length + g.versions.length, 0);
  if (report.groups.length !== GROUPS || report.groups.some((g) => g.members.length !== MEMBERS)) throw new Error(`bench parity CLI: ${report.groups.length} groups, not ${GROUPS} of ${MEMBERS}`);
  const help = await measure(["--help"]);
  console.log(`  driftback parity --plan-json ×${planFiles.size} --format json (${report.groups.length} groups, ${differences} differences)  ${parity.seconds.toFixed(1)} s, peak RSS ${parity.rssMb.toFixed(0)} MB`);
  console.log(`  driftback --help (for scale)  ${help.seconds.toFixed(1)} s, peak RSS ${help.rssMb.toFixed(0)} MB`);
  console.log(`    parity over --help: peak RSS ${(parity.rssMb / help.rssMb).toFixed(2)}`);
}
