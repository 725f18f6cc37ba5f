import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: drift and codify take the plan as preview does (<plan.json>), and --plan-json keeps working.
const example = new URL("../examples/plan.json", import.meta.url).pathname;
const other = new URL("../examples/scan-plan.json", import.meta.url).pathname;
const workspace = new URL("../examples/workspace", import.meta.url).pathname;

describe("driftback drift takes the plan as <plan.json> or --plan-json", () => {
  it("prints the same items either way, and with both naming the same file", async () => {
    const flag = await runCli(["drift", "--plan-json", example, "--format", "json"]);
    expect(flag.code).toBe(0);
    expect(await runCli(["drift", example, "--format", "json"])).toEqual(flag);
    expect(await runCli(["drift", example, "--plan-json", example, "--format", "json"])).toEqual(flag);
  });

  it("refuses two different plans, naming both", async () => {
    const run = await runCli(["drift", example, "--plan-json", other]);
    expect(run).toEqual({ code: 1, out: "", err: `driftback: two plans given: <plan.json> ${example} and --plan-json ${other} name different files; give the plan once\n` });
  });

  it("says how to give the plan when there is none", async () => {
    const run = await runCli(["drift"]);
    expect(run).toEqual({ code: 1, out: "", err: "driftback: no plan given: pass the output of `terraform show -json tfplan` as <plan.json>, or with --plan-json <plan.json>\n" });
  });

  it("shows [plan.json] and --plan-json in --help", async () => {
    const run = await runCli(["drift", "--help"]);
    expect(run.out).toContain("Usage: driftback drift [options] [plan.json]");
    expect(run.out).toContain("--plan-json <plan.json>");
  });
});

describe("driftback codify takes the plan as <plan.json> or --plan-json", () => {
  it("prints the same report either way", async () => {
    const flag = await runCli(["codify", "--dir", workspace, "--plan-json", other, "--format", "json"]);
    expect(flag.code).toBe(0);
    expect(JSON.parse(flag.out).results.length).toBeGreaterThan(0);
    expect(await runCli(["codify", other, "--dir", workspace, "--format", "json"])).toEqual(flag);
  });

  it("refuses two different plans and says how to give one when there is none", async () => {
    expect((await runCli(["codify", example, "--plan-json", other, "--dir", workspace])).err).toBe(`driftback: two plans given: <plan.json> ${example} and --plan-json ${other} name different files; give the plan once\n`);
    expect((await runCli(["codify", "--dir", workspace])).err).toMatch(/^driftback: no plan given: pass the output of `terraform show -json tfplan` as <plan.json>, or with --plan-json <plan.json>\n$/);
  });
});
