import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { sandboxCliEnv } from "../support/sandbox.js";
import { SERVICE_REPO_FILES, SERVICE_REPO_WORKSPACES } from "../support/service-repo.js";
import { applyAll, change, createSandboxRepo, scanPlan, tf, tfOk, type SandboxRepo } from "../support/sandbox-repo.js";

const probe = inject("realTerraform");

const FILES = SERVICE_REPO_FILES;
const WORKSPACES = SERVICE_REPO_WORKSPACES;

interface AlignJson {
  value: unknown;
  origin: string;
  aligned: { member: string; files: string[]; source?: boolean }[];
  unchanged: { member: string }[];
  refused: { member: string; reason: string }[];
  files: { path: string; diff: string }[];
  readers: string[];
  verification: { ok: boolean; verified?: string[]; problems?: { workspace: string; problem: string }[]; reason?: string } | null;
  written: string[];
}

interface ParityJson {
  groups: { name: string; differences: { kind: string; resource: string; attribute: string; cause?: string }[] }[];
}

/** Every workspace's scan plan written to a file, as `--plan-json <workspace>=<file>` arguments. */
async function planArgs(repo: SandboxRepo, tag: string): Promise<string[]> {
  const args: string[] = [];
  for (const workspace of Object.keys(WORKSPACES)) {
    const file = path.join(repo.dir, `${workspace}.${tag}.plan.json`);
    writeFileSync(file, await scanPlan(repo, workspace));
    args.push("--plan-json", `${workspace}=${file}`);
  }
  return args;
}

const ALIGN = ["align", "--group", "modules/service", "--resource", "sandbox_deployment.app", "--attribute", "env.DB_TIMEOUT", "--to", "prod-eu", "--verify", "--format", "json"];

/**
 * Issue 16 §6 with real terraform: prod-eu's DB_TIMEOUT was raised to 60s during an incident (outside terraform).
 * `driftback align --to prod-eu --verify` sets staging and prod-us to 60s in their own calls (and codifies prod-eu's
 * drift in its own call, so applying it keeps 60s), never the shared module; verified by plans. After the edits are
 * written and every workspace applied, every member plans nothing and parity no longer lists the difference.
 */
describe.skipIf(!probe.available)("real terraform: align a drifted value across three environments", { timeout: 900_000 }, () => {
  let repo: SandboxRepo;
  let dry: AlignJson;
  let written: AlignJson;
  let writeCode: number;

  beforeAll(async () => {
    repo = createSandboxRepo("align", FILES, WORKSPACES);
    await applyAll(repo);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.DB_TIMEOUT", "60s"]);
    const plans = await planArgs(repo, "before");
    const env = sandboxCliEnv(repo);
    const first = await runCli([...ALIGN, "--dir", repo.dir, ...plans, "--dry-run"], env);
    expect(first.code, first.err + first.out).toBe(0);
    dry = JSON.parse(first.out) as AlignJson;
    const second = await runCli([...ALIGN, "--dir", repo.dir, ...plans], env);
    writeCode = second.code;
    written = JSON.parse(second.out) as AlignJson;
  }, 900_000);

  it("aligns staging and prod-us to prod-eu's live 60s, and codifies prod-eu's own drift", () => {
    expect(dry.value).toBe("60s");
    expect(dry.origin).toBe("live");
    expect(dry.refused).toEqual([]);
    expect(dry.aligned.map((a) => [a.member, a.source ?? false])).toEqual([
      ["staging", false],
      ["prod-us", false],
      ["prod-eu", true],
    ]);
    expect(dry.written).toEqual([]);
  });

  it("edits only each member's own root (the module's input), never the shared module", () => {
    expect(dry.files.map((f) => f.path)).toEqual(["envs/prod-eu/main.tf", "envs/prod-us/main.tf", "envs/staging/main.tf"]);
    for (const file of dry.files) expect(file.diff).toMatch(/\+\s+db_timeout\s+= "60s"/);
    expect(dry.readers).toEqual(["prod-eu", "prod-us", "staging"]);
  });

  it("the verification plans pass: each member plans exactly DB_TIMEOUT to 60s (prod-eu nothing), nothing else", () => {
    expect(dry.verification).toEqual({ ok: true, verified: ["staging", "prod-us", "prod-eu"], problems: [] });
  });

  it("without --dry-run the verified edits are written into the working tree", () => {
    expect(writeCode).toBe(0);
    expect(written.written).toEqual(["envs/prod-eu/main.tf", "envs/prod-us/main.tf", "envs/staging/main.tf"]);
    expect(written.verification?.ok).toBe(true);
  });

  it("after apply in each workspace every member plans nothing, and parity no longer lists the difference", async () => {
    for (const workspace of Object.keys(WORKSPACES)) await tfOk(repo, workspace, ["apply", "-auto-approve", "-input=false"]);
    for (const workspace of Object.keys(WORKSPACES)) {
      const plan = await tf(repo, workspace, ["plan", "-detailed-exitcode", "-input=false"]);
      expect(plan.exitCode, `${workspace}:\n${plan.output.slice(-2000)}`).toBe(0);
    }
    const run = await runCli(["parity", "--dir", repo.dir, "--format", "json", ...(await planArgs(repo, "after"))]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as ParityJson;
    const listed = report.groups.flatMap((g) => g.differences.map((d) => `${d.kind} ${d.resource} ${d.attribute}`));
    expect(listed.filter((d) => d.includes("DB_TIMEOUT") || d.includes("db_timeout"))).toEqual([]);
    // what was not aligned is still there
    expect(listed).toContain("declared module.shop replicas");
  });
});

/**
 * The image is a literal of the shared module, no input: aligning prod-eu's drifted image parameterizes the module
 * (default today's image, so any other caller keeps it) and sets it in each member's call; the verification plans
 * every workspace that loads the module, and after apply every member plans nothing.
 */
describe.skipIf(!probe.available)("real terraform: align an attribute the shared module does not expose", { timeout: 900_000 }, () => {
  let repo: SandboxRepo;
  let result: AlignJson;
  let code: number;

  beforeAll(async () => {
    repo = createSandboxRepo("align-image", FILES, WORKSPACES);
    await applyAll(repo);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "image", "registry.local/shop:1.1"]);
    const run = await runCli(["align", "--dir", repo.dir, "--group", "modules/service", "--resource", "sandbox_deployment.app", "--attribute", "image", "--to", "prod-eu", "--verify", "--format", "json", ...(await planArgs(repo, "before"))], sandboxCliEnv(repo));
    code = run.code;
    result = JSON.parse(run.out) as AlignJson;
  }, 900_000);

  it("parameterizes the module with today's image as the default, and each member's call sets prod-eu's", () => {
    expect(code).toBe(0);
    expect(result.refused).toEqual([]);
    expect(result.aligned.map((a) => a.member)).toEqual(["staging", "prod-us", "prod-eu"]);
    const byPath = new Map(result.files.map((f) => [f.path, f.diff]));
    expect([...byPath.keys()]).toEqual(["envs/prod-eu/main.tf", "envs/prod-us/main.tf", "envs/staging/main.tf", "modules/service/main.tf", "modules/service/variables.tf"]);
    expect(byPath.get("modules/service/main.tf")).toMatch(/\+\s+image\s+= var\.image/);
    expect(byPath.get("modules/service/variables.tf")).toMatch(/\+\s+default\s+= "registry\.local\/shop:1\.0"/);
    expect(result.verification).toEqual({ ok: true, verified: ["staging", "prod-us", "prod-eu"], problems: [] });
    expect(result.written).toHaveLength(5);
  });

  it("after apply every member plans nothing and parity lists no image difference", async () => {
    for (const workspace of Object.keys(WORKSPACES)) await tfOk(repo, workspace, ["apply", "-auto-approve", "-input=false"]);
    for (const workspace of Object.keys(WORKSPACES)) {
      const plan = await tf(repo, workspace, ["plan", "-detailed-exitcode", "-input=false"]);
      expect(plan.exitCode, `${workspace}:\n${plan.output.slice(-2000)}`).toBe(0);
    }
    const run = await runCli(["parity", "--dir", repo.dir, "--format", "json", ...(await planArgs(repo, "after"))]);
    const report = JSON.parse(run.out) as ParityJson;
    const listed = report.groups.flatMap((g) => g.differences.map((d) => `${d.kind} ${d.resource} ${d.attribute}`));
    expect(listed.filter((d) => d.includes("image"))).toEqual([]);
  });
});
