import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scratchCopy } from "./support/codify-cases.js";
import { fakeTerraformEnv, fakeWorkspace } from "./support/fake-terraform.js";
import { runCli } from "./support/run-cli.js";

// --detailed-exitcode, as `terraform plan -detailed-exitcode`: 0 no real drift, 1 error, 2 real drift (an error wins)
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
/** Two actionable drifts and one noise. */
const SCAN_PLAN = path.join(EXAMPLES, "scan-plan.json");

function tmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** scan-plan.json with only the noise drift left: the rest of its changes become unapplied code. */
function quietPlanJson(): string {
  const plan = JSON.parse(readFileSync(SCAN_PLAN, "utf8")) as { resource_drift: { address: string }[] };
  plan.resource_drift = plan.resource_drift.filter((r) => r.address === "aws_s3_bucket.logs");
  return JSON.stringify(plan);
}

function quietPlanFile(): string {
  const file = path.join(tmp("exit-quiet-"), "plan.json");
  writeFileSync(file, quietPlanJson());
  return file;
}

/** A file that exists but cannot be read (a directory where the plan should be). */
function unreadablePlan(): string {
  const dir = path.join(tmp("exit-unreadable-"), "plan.json");
  mkdirSync(dir);
  return dir;
}

function examplesCopy(config?: string): string {
  const dir = tmp("exit-examples-");
  cpSync(EXAMPLES, dir, { recursive: true });
  if (config !== undefined) writeFileSync(path.join(dir, ".github", "driftback.yml"), config);
  return dir;
}

describe("driftback drift --detailed-exitcode", () => {
  it("exits 2 for actionable drift, and still prints the items", async () => {
    const { code, out } = await runCli(["drift", "--plan-json", SCAN_PLAN, "--detailed-exitcode"]);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { items: unknown[] }).items).toHaveLength(3);
  });

  it("exits 0 when the plan holds only noise and unapplied code", async () => {
    const file = quietPlanFile();
    const { code, out } = await runCli(["drift", "--plan-json", file, "--detailed-exitcode"]);
    expect(code).toBe(0);
    const classes = (JSON.parse(out) as { items: { class: string }[] }).items.map((i) => i.class).sort();
    expect(classes).toEqual(["noise", "unapplied", "unapplied"]);
  });

  it("exits 1 when the plan cannot be read", async () => {
    const { code, err } = await runCli(["drift", "--plan-json", unreadablePlan(), "--detailed-exitcode"]);
    expect(code).toBe(1);
    expect(err).toMatch(/^driftback: /);
  });

  it("exits 0 for real drift without the flag (as before)", async () => {
    expect((await runCli(["drift", "--plan-json", SCAN_PLAN])).code).toBe(0);
  });
});

describe("driftback scan --detailed-exitcode (a fake terraform replays the plan)", () => {
  const scan = (planJson: string, control = {}, flag = true) => {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(planJson, control);
    return runCli(["scan", "--dir", dir, ...(flag ? ["--detailed-exitcode"] : [])], { PATH: fake.env.PATH, DRIFTBACK_TERRAFORM_ISOLATION: "none", DRIFTBACK_PLUGIN_CACHE_DIR: tmp("exit-plugins-") });
  };

  it("exits 2 when the plan has real drift", async () => {
    const { code, out } = await scan(readFileSync(SCAN_PLAN, "utf8"));
    expect(code).toBe(2);
    expect(out).toContain("aws_instance.web");
  });

  it("exits 0 when the plan has only noise and unapplied code", async () => {
    expect((await scan(quietPlanJson())).code).toBe(0);
  });

  it("exits 1 when terraform fails, even with drift in the plan (an error wins)", async () => {
    const { code, err } = await scan(readFileSync(SCAN_PLAN, "utf8"), { fail: { plan: { code: 1, stderr: "Error: provider exploded\n" } } });
    expect(code).toBe(1);
    expect(err).toContain("scan failed");
  });

  it("exits 0 for real drift without the flag", async () => {
    expect((await scan(readFileSync(SCAN_PLAN, "utf8"), {}, false)).code).toBe(0);
  });
});

describe("driftback backport --dry-run --detailed-exitcode", () => {
  it("exits 2 when drift would get a pull request", async () => {
    const { code, out } = await runCli(["backport", "--dir", EXAMPLES, "--workspace", "prod", "--plan-json", SCAN_PLAN, "--dry-run", "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { pullRequests: unknown[] }).pullRequests.length).toBeGreaterThan(0);
  });

  it("exits 0 when the plan has only noise and unapplied code", async () => {
    const { code, out } = await runCli(["backport", "--dir", EXAMPLES, "--workspace", "prod", "--plan-json", quietPlanFile(), "--dry-run", "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { pullRequests: unknown[] }).pullRequests).toEqual([]);
  });

  it("exits 0 when the config's rules ignore every drift (ignored drift is not real drift)", async () => {
    const dir = examplesCopy("workspaces:\n  - name: prod\n    dir: workspace\nbackport:\n  rules:\n    - { address: \"*\", action: ignore }\n");
    const { code, out } = await runCli(["backport", "--dir", dir, "--workspace", "prod", "--plan-json", path.join(dir, "scan-plan.json"), "--dry-run", "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { pullRequests: unknown[]; skipped: { status: string }[] };
    expect(result.pullRequests).toEqual([]);
    expect(result.skipped.map((s) => s.status)).toEqual(["none", "none"]);
  });

  it("exits 2 for drift held back by backport.max_open (it waits for a pull request)", async () => {
    const dir = examplesCopy("workspaces:\n  - name: prod\n    dir: workspace\nbackport:\n  max_open: 1\n");
    const { code, out } = await runCli(["backport", "--dir", dir, "--workspace", "prod", "--plan-json", path.join(dir, "scan-plan.json"), "--dry-run", "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { skipped: { status: string }[] }).skipped.map((s) => s.status)).toContain("waiting");
  });

  it("exits 1 when the plan cannot be read", async () => {
    const { code } = await runCli(["backport", "--dir", EXAMPLES, "--workspace", "prod", "--plan-json", unreadablePlan(), "--dry-run", "--detailed-exitcode"]);
    expect(code).toBe(1);
  });

  it("refuses the flag without --dry-run", async () => {
    const { code, err } = await runCli(["backport", "--dir", EXAMPLES, "--workspace", "prod", "--plan-json", SCAN_PLAN, "--repo", "acme/infra", "--detailed-exitcode"], { GITHUB_TOKEN: "x" });
    expect(code).toBe(1);
    expect(err).toContain("--detailed-exitcode goes with --dry-run");
  });

  it("exits 0 for real drift without the flag", async () => {
    expect((await runCli(["backport", "--dir", EXAMPLES, "--workspace", "prod", "--plan-json", SCAN_PLAN, "--dry-run"])).code).toBe(0);
  });
});

describe("driftback codify --detailed-exitcode", () => {
  it("exits 2 when a drift was refused", async () => {
    const dir = scratchCopy("refusals");
    const { code, out } = await runCli(["codify", "--dir", dir, "--plan-json", path.join(dir, "plan.json"), "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { results: { status: string }[] }).results.map((r) => r.status)).toContain("refused");
  });

  it("exits 0 when every drift was codified", async () => {
    const { code, out } = await runCli(["codify", "--dir", path.join(EXAMPLES, "workspace"), "--plan-json", SCAN_PLAN, "--format", "json", "--detailed-exitcode"]);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(["codified", "codified"]);
  });

  it("exits 1 when the plan cannot be read", async () => {
    expect((await runCli(["codify", "--dir", path.join(EXAMPLES, "workspace"), "--plan-json", unreadablePlan(), "--detailed-exitcode"])).code).toBe(1);
  });

  it("exits 0 with refusals without the flag", async () => {
    const dir = scratchCopy("refusals");
    expect((await runCli(["codify", "--dir", dir, "--plan-json", path.join(dir, "plan.json")])).code).toBe(0);
  });
});
