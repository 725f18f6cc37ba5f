import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText } from "./support/terminal-text.js";

/** Issue 17 §1: `preview --format text`, the plan as terraform shows it in a terminal, on the bundled example plan. */
const PLAN = fileURLToPath(new URL("../examples/plan.json", import.meta.url));
const SUMMARY = "Plan: 3 to add, 2 to change, 2 to destroy, 1 to move.";
clearColourEnv();

describe("driftback preview --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: terraform's symbols, each resource's attributes, the Plan: line last (golden)`, async () => {
      const { code, out, err } = await runCli(["preview", PLAN, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: SUMMARY });
      expect(out).toMatch(/^-\/\+ +aws_db_instance\.main +must be replaced/m);
      expect(out).toMatch(/^\+ +module\.queue\.aws_sqs_queue\.this\["orders"\] +will be created$/m);
      expect(out).toContain("    ~ instance_type = \"t3.small\" -> \"t3.medium\"");
      // sensitive values and masked attributes never show
      expect(out).toContain("+ api_token = (sensitive value)");
      expectGolden(out, new URL(`./golden/text/preview-plan-${columns}.txt`, import.meta.url));
    });
  }

  it("colours with FORCE_COLOR=1 (+ green, - red, ~ yellow), and --no-color beats it", async () => {
    const forced = await runCli(["preview", PLAN, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: SUMMARY });
    expect(forced.out).toContain("\u001b[32m    + name      = \"/app/api\"\u001b[0m");
    const plain = await runCli(["preview", PLAN, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps the pull-request comment (markdown) as the default in a pipe", async () => {
    const { out } = await runCli(["preview", PLAN], { COLUMNS: "80" });
    expect(out).toContain("<!-- driftback:preview -->");
  });

  it("says 'No changes.' last for a plan without changes", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-preview-"));
    writeFileSync(path.join(dir, "empty.json"), JSON.stringify({ format_version: "1.2", terraform_version: "1.9.5", resource_changes: [] }));
    const { code, out } = await runCli(["preview", path.join(dir, "empty.json"), "--format", "text"], { NO_COLOR: "1", COLUMNS: "80" });
    expect(code).toBe(0);
    expectTerminalText(out, { columns: 80, summary: "No changes. Your infrastructure matches the configuration." });
  });

  it("shows hostile values and names escaped: control characters as text, no entity", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-preview-"));
    writeFileSync(path.join(dir, "plan.json"), readFileSync(PLAN, "utf8").replaceAll('"platform-team"', JSON.stringify("\u001b[31mteam\u0007<b>&amp;")));
    const { code, out } = await runCli(["preview", path.join(dir, "plan.json"), "--format", "text", "--workspace", "w\u001b[2J"], { FORCE_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    // attribute values are quoted as terraform quotes them (JSON escapes); anything else is escaped for the terminal
    expect(out).toContain('"\\u001b[31mteam\\u0007<b>&amp;"');
    expect(out).toContain("Plan for w\\x1b[2J");
    expect(out.replace(/\u001b\[(?:0|1|2|31|32|33|36)m/g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});
