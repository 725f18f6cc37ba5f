import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import { loadRepoGraph, readRepoSources } from "../src/adapters/hcl/load-repo-view.js";
import { loadHclParser, type HclParser } from "../src/adapters/hcl/parser.js";
import { hclToolchain } from "../src/adapters/hcl/toolchain.js";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { validateConfig } from "../src/config/validate.js";
import type { PlannedDrift } from "../src/core/backport/index.js";
import { classifyDrift } from "../src/core/drift/items.js";
import { fingerprintOf } from "../src/core/drift/track.js";
import { parsePlan } from "../src/core/plan/parse.js";
import { Masker } from "../src/core/render/mask.js";
import { repoGraphOf } from "../src/core/repo/graph.js";
import { RepoView } from "../src/core/repo/view.js";
import { WorkspaceCode } from "../src/usecases/backport-files.js";
import { verifyCodify } from "../src/usecases/backport-verify.js";
import { latencyTerraform } from "./support/latency-terraform.js";
import { TimedRunner } from "./support/timed-runner.js";

const FILES = 2_000;
const WORKSPACES = 10;
const LATENCY_S = 1;
const PARALLELISM = 4;

/**
 * The repository-wide view (issue 14): how much indexing who-calls-which-module costs over parsing
 * the files at all, and a codify that parameterizes a module ten workspaces share: its
 * verification plans every one of them, in parallel within the plan limit.
 */
export async function benchRepoView(): Promise<void> {
  const parser = await loadHclParser();
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-repo-view-"));
  try {
    console.log("repository-wide view (who evaluates which code) and repository-wide verification");
    await benchIndex(parser, path.join(root, "index"));
    await benchVerification(parser, path.join(root, "verify"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** 2,000 files: 20 environment roots, each calling 5 of 20 modules, the rest resources. */
function writeCorpus(dir: string): string[] {
  const files: string[] = [];
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
    files.push(file);
  };
  const resource = (n: number) => `resource "aws_instance" "r${n}" {\n  ami           = "ami-${n}"\n  instance_type = "t3.small"\n\n  tags = {\n    Name = "r${n}"\n  }\n}\n`;
  for (let e = 0; e < 20; e++) {
    const calls = Array.from({ length: 5 }, (_, m) => `module "m${m}" {\n  source = "../../modules/mod${(e + m) % 20}"\n  name   = "e${e}"\n}\n`).join("\n");
    write(`envs/env${e}/main.tf`, calls);
  }
  for (let i = files.length; i < FILES; i++) write(`modules/mod${i % 20}/file${i}.tf`, Array.from({ length: 10 }, (_, r) => resource(i * 10 + r)).join("\n"));
  return files;
}

async function benchIndex(parser: HclParser, dir: string): Promise<void> {
  const files = writeCorpus(dir);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  // the same sources, read once as the adapter reads them; interleaved rounds, medians of 5
  const { sources } = await readRepoSources(dir);
  if (sources.size !== files.length) throw new Error(`bench read ${sources.size} of ${files.length} files`);
  const parse = (source: string) => parser.parse(source);
  for (const source of [...sources.values()].slice(0, 100)) parser.parse(source).delete();
  const raw: number[] = [];
  const indexed: number[] = [];
  let dirs = 0;
  for (let round = 0; round < 5; round++) {
    let start = performance.now();
    for (const source of sources.values()) parser.parse(source).delete();
    raw.push(performance.now() - start);
    start = performance.now();
    const graph = repoGraphOf(parse, sources).calls;
    new RepoView({ calls: graph }, Array.from({ length: 20 }, (_, e) => ({ name: `env${e}`, dir: `envs/env${e}`, varFiles: [] })));
    indexed.push(performance.now() - start);
    dirs = graph.size;
  }
  const ratio = median(indexed) / median(raw);
  console.log(`  index ${files.length} files (${dirs} dirs, 20 workspaces) into the view  ${median(indexed).toFixed(0)} ms; parsing them alone ${median(raw).toFixed(0)} ms`);
  console.log(`    view over raw parse  ${ratio.toFixed(2)}  (goal <= 1.2) ${ratio <= 1.2 ? "OK" : "OVER GOAL"}`);
}

async function benchVerification(parser: HclParser, dir: string): Promise<void> {
  mkdirSync(path.join(dir, "modules/svc"), { recursive: true });
  writeFileSync(path.join(dir, "modules/svc/main.tf"), 'variable "name" {\n  type = string\n}\n\nresource "aws_instance" "app" {\n  ami           = "ami-1"\n  instance_type = "t3.small"\n}\n');
  const names = Array.from({ length: WORKSPACES }, (_, i) => `w${i}`);
  const change = (before: object, after: object, actions: string[]) => ({
    address: "module.svc.aws_instance.app",
    module_address: "module.svc",
    mode: "managed",
    type: "aws_instance",
    name: "app",
    provider_name: "registry.terraform.io/hashicorp/aws",
    change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
  });
  const recorded = { ami: "ami-1", instance_type: "t3.small" };
  const live = { ami: "ami-1", instance_type: "t3.large" };
  const quiet = JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", planned_values: {}, resource_changes: [change(recorded, recorded, ["no-op"])] });
  const drifted = JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", planned_values: {}, resource_drift: [change(recorded, live, ["update"])], resource_changes: [change(live, recorded, ["update"])] });
  for (const name of names) {
    mkdirSync(path.join(dir, "envs", name), { recursive: true });
    writeFileSync(path.join(dir, "envs", name, "main.tf"), `module "svc" {\n  source = "../../modules/svc"\n  name   = "${name}"\n}\n`);
    // what the latency terraform replays: after the codify, w0 plans nothing either
    writeFileSync(path.join(dir, "envs", name, "plan.json"), quiet);
  }
  const config = validateConfig({ workspaces: names.map((name) => ({ name, dir: `envs/${name}` })), parallelism: PARALLELISM });
  if (!config.ok) throw new Error(`bench config: ${JSON.stringify(config)}`);
  const view = new RepoView(await loadRepoGraph(parser, dir), config.config.workspaces.map((w) => ({ name: w.name, dir: w.dir, varFiles: w.var_files })));
  const model = parsePlan(drifted);
  const items: PlannedDrift[] = classifyDrift(model, "w0").map((item) => ({ item, fingerprint: fingerprintOf(item), valueHash: "", secret: false, decision: { action: "codify" } as PlannedDrift["decision"] }));
  const code = await WorkspaceCode.load(parser, hclToolchain, dir, config.config.workspaces[0]!, view);
  const { outcomes, files } = await code.codify(items);
  const edited = [...files.keys()].sort();
  if (outcomes.get(items[0]!.fingerprint)?.status !== "codified") throw new Error(`bench codify refused: ${JSON.stringify([...outcomes.values()])}`);

  const scratch = `${dir}-scratch`;
  mkdirSync(scratch);
  const bin = latencyTerraform(scratch, { latencySeconds: LATENCY_S, planExitCode: 0 });
  const runner = new TimedRunner(new TerraformCli({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), cacheSlots: PARALLELISM }));
  const basePlans = new Map(names.map((name) => [name, name === "w0" ? drifted : quiet]));
  const start = performance.now();
  const result = await verifyCodify(
    { terraform: runner, planLimit: pLimit(PARALLELISM), masker: new Masker(config.config.mask), scratchDir: scratch },
    { config: config.config, workspace: config.config.workspaces[0]!, checkoutDir: dir, files, items, view, basePlans },
  );
  const wallS = (performance.now() - start) / 1000;
  if (!result.ok || result.stillChanges.size > 0 || result.sideEffects.size > 0) throw new Error(`bench verification did not pass: ${JSON.stringify(result)}`);
  const loading = readdirSync(path.join(dir, "envs")).length;
  const ideal = Math.ceil(runner.plans / PARALLELISM) * LATENCY_S;
  console.log(`  one codify parameterizing a module ${WORKSPACES} workspaces call (edits ${edited.join(", ")})`);
  console.log(`    plans the verification ran  ${runner.plans}  (goal: one per workspace loading an edited file, ${loading}) ${runner.plans === loading ? "OK" : "OVER GOAL"}; verified in ${result.verified.length} workspaces`);
  console.log(`    wall ${wallS.toFixed(2)} s over ceil(n/c)·L = ceil(${runner.plans}/${PARALLELISM})·${LATENCY_S} s = ${ideal.toFixed(2)} s  ratio ${(wallS / ideal).toFixed(2)}  (goal <= 1.15) ${wallS / ideal <= 1.15 ? "OK" : "OVER GOAL"} (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
}
