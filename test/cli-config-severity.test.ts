import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyDrift } from "../src/core/drift/items.js";
import { parsePlan } from "../src/core/plan/parse.js";
import { compileRules, decideAction } from "../src/core/policy/decide.js";
import { Masker } from "../src/core/render/mask.js";
import { fakeTerraformEnv, fakeWorkspace } from "./support/fake-terraform.js";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: with --config, drift and scan give each item the severity its backport record gives (the workspace's tier).
const example = new URL("../examples/plan.json", import.meta.url).pathname;

function configFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "cli-config-")), "driftback.yml");
  writeFileSync(file, yaml);
  return file;
}

const CONFIG = "workspaces:\n  - name: prod\n    dir: infra/prod\n    tier: prod\n  - name: sandbox\n    dir: infra/sandbox\n";

type Item = { address: string; path: string; class: string; severity: string };
const severities = (out: string) => (JSON.parse(out) as { items: Item[] }).items.filter((i) => i.class === "actionable").map((i) => [i.address, i.path, i.severity]);

describe("driftback drift --config", () => {
  it("gives each drift the severity of the workspace's tier: the security group opened in prod is critical (policy, one step above prod's high)", async () => {
    const run = await runCli(["drift", example, "--config", configFile(CONFIG), "--workspace", "prod", "--format", "json"]);
    expect(run.err).toBe("");
    expect(severities(run.out)).toEqual([["aws_security_group.web", "ingress[0].cidr_blocks", "critical"]]);
  });

  it("agrees with the backport record's severity (decideAction) for every item", async () => {
    const run = await runCli(["drift", example, "--config", configFile(CONFIG), "--workspace", "prod", "--format", "json"]);
    const masker = new Masker();
    const decided = classifyDrift(parsePlan(readFileSync(example, "utf8")), "prod").map((item) => decideAction(item, { rules: compileRules([]), tier: "prod", masker }).severity);
    expect((JSON.parse(run.out) as { items: Item[] }).items.map((i) => i.severity)).toEqual(decided);
  });

  it("without --config keeps the default tier's severity (dev: policy drift medium), and a workspace without a tier gets dev", async () => {
    expect(severities((await runCli(["drift", example, "--format", "json"])).out)).toEqual([["aws_security_group.web", "ingress[0].cidr_blocks", "medium"]]);
    expect(severities((await runCli(["drift", example, "--config", configFile(CONFIG), "--workspace", "sandbox", "--format", "json"])).out)).toEqual([["aws_security_group.web", "ingress[0].cidr_blocks", "medium"]]);
  });

  it("names the config's workspaces when --workspace is not one of them, and reads no plan", async () => {
    const file = configFile(CONFIG);
    const run = await runCli(["drift", "missing-plan.json", "--config", file, "--format", "json"]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`driftback: --workspace default is not in --config ${file} (its workspaces: prod, sandbox)\n`);
  });

  it("says which config is broken", async () => {
    const run = await runCli(["drift", example, "--config", configFile("workspaces:\n  - name: prod\n    tier: production\n"), "--workspace", "prod"]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^driftback: --config .*driftback\.yml: workspaces\[0\]/);
  });
});

describe("driftback scan --config", () => {
  it("gives the scan's drift the workspace tier's severity too", async () => {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(example, "utf8"));
    const run = await runCli(["scan", "--dir", dir, "--config", configFile(CONFIG), "--workspace", "prod", "--format", "json"], { PATH: fake.env.PATH });
    expect(run.code).toBe(0);
    expect(severities(run.out)).toEqual([["aws_security_group.web", "ingress[0].cidr_blocks", "critical"]]);
  });
});
