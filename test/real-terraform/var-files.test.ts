import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { codifyCommand } from "../../src/commands/codify.js";
import type { CodifyResult } from "../../src/usecases/codify-drift.js";
import { runCli } from "../support/run-cli.js";
import { createSandbox, initAndApply, outOfBand, planWithRunner, sandboxCliEnv, verificationPlan, type PlanJson, type Sandbox, SANDBOX_PROVIDER_BLOCK } from "../support/sandbox.js";

const probe = inject("realTerraform");

/**
 * Var files as terraform reads them (issue 14, seen 6): terraform.tfvars, terraform.tfvars.json
 * (which wins over it) and a -var-file the team plans with. The codified values must land where
 * terraform reads them, so that a real plan with the same var files proposes nothing.
 */
const FILES = {
  "main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

variable "replicas" {
  type    = number
  default = 2
}

variable "image" {
  type    = string
  default = "registry.local/api:1.0"
}

variable "env" {
  type    = map(string)
  default = {}
}

variable "memory" {
  type    = string
  default = "256Mi"
}

variable "namespace" {
  type = string
}

resource "sandbox_deployment" "api" {
  name      = "api"
  namespace = var.namespace
  replicas  = var.replicas
  image     = var.image
  env       = var.env
  memory    = var.memory
}
`,
  "terraform.tfvars": 'image    = "registry.local/api:1.1"\nreplicas = 4\n',
  // terraform.tfvars.json wins over terraform.tfvars; its layout is the team's own
  "terraform.tfvars.json": '{\n    "image" : "registry.local/api:1.2",\n    "env": { "LOG_LEVEL": "info",\n             "DB_TIMEOUT": "10s" }\n}\n',
  // the var file the team plans prod with: it wins over both
  "prod.tfvars": 'namespace = "shop"\nreplicas  = 3\nmemory    = "512Mi"\n',
};

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!probe.available)("real terraform: var files, .tfvars.json and --var-file", { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let planFile: string;
  let drift: PlanJson;
  let withoutVarFile: { results: CodifyResult[]; files: Record<string, string> };
  let written: CodifyResult[];
  let verify: { exitCode: number | undefined; json: PlanJson; output: string };
  let backportWithout: { code: number; out: string; err: string };
  let backportWith: { code: number; out: string; err: string };

  const read = (file: string) => readFileSync(path.join(sandbox.dir, file), "utf8");
  const byPath = (results: CodifyResult[], p: string) => results.find((r) => r.path === p)!;

  beforeAll(async () => {
    sandbox = createSandbox("var-files", FILES);
    await initAndApply(sandbox, ["prod.tfvars"]);
    await outOfBand(sandbox, ["set", "sandbox_deployment", "api", "replicas", 6]);
    await outOfBand(sandbox, ["set", "sandbox_deployment", "api", "image", "registry.local/api:2.0"]);
    await outOfBand(sandbox, ["set", "sandbox_deployment", "api", "env.LOG_LEVEL", "debug"]);
    await outOfBand(sandbox, ["set", "sandbox_deployment", "api", "memory", "1Gi"]);
    const text = await planWithRunner(sandbox, ["prod.tfvars"]);
    drift = JSON.parse(text) as PlanJson;
    planFile = path.join(path.dirname(sandbox.dir), "drift-plan.json");
    writeFileSync(planFile, text);
    // 1. backport --verify, before anything is written: without the var file, then with it
    const backport = async (extra: string[]) => runCli(["backport", "--dir", sandbox.dir, "--plan-json", planFile, "--dry-run", "--verify", "--format", "json", ...extra], sandboxCliEnv(sandbox));
    backportWithout = await backport([]);
    backportWith = await backport(["--var-file", "prod.tfvars"]);
    // 2. codify without the var file the team plans with: nothing written
    const dry = await codifyCommand({ cwd: sandbox.dir, dir: ".", planJson: planFile, varFiles: [], write: false });
    withoutVarFile = { results: dry.results, files: Object.fromEntries(Object.keys(FILES).map((f) => [f, read(f)])) };
    // 3. with it, written; then a real plan with the same var files
    written = (await codifyCommand({ cwd: sandbox.dir, dir: ".", planJson: planFile, varFiles: ["prod.tfvars"], write: true })).results;
    verify = await verificationPlan(sandbox, ["prod.tfvars"]);
  }, 300_000);

  it("plans the drift with the var file, and the plan's own variables say which values terraform used", () => {
    expect(drift.variables).toMatchObject({ replicas: { value: 3 }, image: { value: "registry.local/api:1.2" }, memory: { value: "512Mi" }, namespace: { value: "shop" }, env: { value: { LOG_LEVEL: "info", DB_TIMEOUT: "10s" } } });
    expect((drift.resource_drift ?? []).map((d) => d.address)).toEqual(['sandbox_deployment.api']);
  });

  it("without --var-file, refuses what prod.tfvars sets, naming it, and edits no default", () => {
    for (const p of ["replicas", "memory"]) {
      const result = byPath(withoutVarFile.results, p);
      expect(result.status, p).toBe("refused");
      expect(result.status === "refused" && result.reason, p).toContain("`prod.tfvars` sets it: pass the var files the plan used (`--var-file prod.tfvars`;");
    }
    // what terraform.tfvars.json sets is what terraform used: codified there (in the dry run)
    expect(byPath(withoutVarFile.results, "image")).toMatchObject({ status: "codified", file: "terraform.tfvars.json" });
    expect(withoutVarFile.files).toEqual(FILES);
  });

  it("with --var-file, codifies each value where terraform reads it: the -var-file, terraform.tfvars.json over terraform.tfvars", () => {
    expect(written.map((r) => [r.path, r.status, r.status === "codified" ? r.file : r.status === "refused" ? r.reason : ""]).sort()).toEqual([
      ["env.LOG_LEVEL", "codified", "terraform.tfvars.json"],
      ["image", "codified", "terraform.tfvars.json"],
      ["memory", "codified", "prod.tfvars"],
      ["replicas", "codified", "prod.tfvars"],
    ]);
    expect(read("prod.tfvars")).toBe('namespace = "shop"\nreplicas  = 6\nmemory    = "1Gi"\n');
    // only the values' text changed: the JSON file keeps its spacing and line breaks
    expect(read("terraform.tfvars.json")).toBe('{\n    "image" : "registry.local/api:2.0",\n    "env": { "LOG_LEVEL": "debug",\n             "DB_TIMEOUT": "10s" }\n}\n');
    expect(read("terraform.tfvars")).toBe(FILES["terraform.tfvars"]);
    expect(read("main.tf")).toBe(FILES["main.tf"]);
  });

  it("a real `terraform plan -detailed-exitcode -var-file=prod.tfvars` then exits 0", () => {
    const changing = (verify.json.resource_changes ?? []).filter((r) => r.change.actions.join() !== "no-op").map((r) => `${r.address}: ${r.change.actions.join("+")}`);
    expect(changing, verify.output.slice(-3000)).toEqual([]);
    expect(verify.exitCode).toBe(0);
  });

  it("backport --verify without the var file: the verification plan fails naming the variable it had no value for", () => {
    expect(backportWithout.code).toBe(1);
    expect(backportWithout.err).toMatch(/No value for required variable `namespace`: plan with the var file that sets it \(the workspace's `var_files` in \.github\/driftback\.yml, or `--var-file`\)/);
  });

  it("backport --verify --var-file prod.tfvars: one codify pull request, verified by a real plan, editing the var files terraform reads", () => {
    expect(backportWith.err).toBe("");
    expect(backportWith.code).toBe(0);
    const [pr, ...others] = (JSON.parse(backportWith.out) as { pullRequests: { action: string; verified: boolean | null; files: { path: string; diff: string }[] }[] }).pullRequests;
    expect(others).toEqual([]);
    expect(pr).toMatchObject({ action: "codify", verified: true });
    expect(pr!.files.map((f) => f.path).filter((f) => !f.startsWith(".driftback/"))).toEqual(["prod.tfvars", "terraform.tfvars.json"]);
  });
});
