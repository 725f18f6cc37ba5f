import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { colourOn, defaultFormat, terminalWidth } from "../src/commands/terminal.js";
import { cut, fitTable, visibleWidth } from "../src/core/render/terminal/fit.js";
import { escapeTerminal } from "../src/core/render/terminal/escape-terminal.js";
import { driftSummary } from "../src/core/render/terminal/drift-text.js";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";

/** Issue 17 §1: `drift` and `scan --format text`, for terminals. */
const scanPlan = new URL("../examples/scan-plan.json", import.meta.url).pathname;
const ANSI = /\u001b\[/;
const TAG_OR_ENTITY = /<\/?[a-zA-Z][^>]*>|&#?[a-zA-Z0-9]+;/;
clearColourEnv();

const lines = (text: string) => text.replace(/\n$/, "").split("\n");
const width = (line: string) => [...line].length;

describe("driftback drift --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: no tag, no entity, no ANSI code, the summary on the last line (golden)`, async () => {
      const { code, out, err } = await runCli(["drift", "--plan-json", scanPlan, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      for (const line of lines(out)) expect(width(line)).toBeLessThanOrEqual(columns);
      expect(out).not.toMatch(TAG_OR_ENTITY);
      expect(out).not.toMatch(ANSI);
      expect(lines(out).at(-1)).toBe("Drift: 2 real (1 policy, medium), 1 noise, 0 unapplied");
      expect(out).toMatch(/^~ +aws_instance\.web/m);
      expectGolden(out, new URL(`./golden/text/drift-scan-plan-${columns}.txt`, import.meta.url));
    });
  }

  it("colours with FORCE_COLOR=1, and --no-color beats it; still no line wider than COLUMNS", async () => {
    const forced = await runCli(["drift", "--plan-json", scanPlan, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(forced.out).toMatch(ANSI);
    for (const line of lines(forced.out)) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    const plain = await runCli(["drift", "--plan-json", scanPlan, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).not.toMatch(ANSI);
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps json as the default in a pipe (the tests' stdout is not a TTY)", async () => {
    const { out } = await runCli(["drift", "--plan-json", scanPlan], { COLUMNS: "80" });
    expect(JSON.parse(out).items.length).toBe(3);
  });

  it("shows a hostile value escaped: control characters and escape sequences as text, <b> as it is, no entity", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-"));
    const hostile = "\u001b[31mred\u0007<b>bold</b>\r\nnext";
    const plan = readFileSync(scanPlan, "utf8").replaceAll('"t3.large"', JSON.stringify(hostile));
    writeFileSync(path.join(dir, "plan.json"), plan);
    const { code, out } = await runCli(["drift", "--plan-json", path.join(dir, "plan.json"), "--format", "text", "--workspace", "w\u001b[2Jx"], { FORCE_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("\\x1b[31mred\\x07<b>bold</b>\\x0d\\x0anext");
    expect(out).toContain("Drift in w\\x1b[2Jx");
    expect(out).not.toMatch(/&#?[a-zA-Z0-9]+;/);
    // the only escape sequences are driftback's own colours
    expect(out.replace(/\u001b\[(?:0|1|2|31|32|33|36)m/g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe("driftback scan --format text", () => {
  it("prints the same table as drift, the summary last", async () => {
    const { fakeTerraformEnv, fakeWorkspace } = await import("./support/fake-terraform.js");
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(scanPlan, "utf8"));
    const scan = await runCli(["scan", "--dir", dir, "--format", "text"], { PATH: fake.env.PATH, NO_COLOR: "1", COLUMNS: "80" });
    expect(scan.code).toBe(0);
    const drift = await runCli(["drift", "--plan-json", scanPlan, "--format", "text"], { NO_COLOR: "1", COLUMNS: "80" });
    expect(scan.out).toBe(drift.out);
    expect(lines(scan.out).at(-1)).toMatch(/^Drift: /);
  });
});

describe("the terminal decisions (commands/terminal.ts)", () => {
  it("defaults to text at a TTY and to today's format in a pipe", () => {
    expect(defaultFormat("json", { isTTY: true })).toBe("text");
    expect(defaultFormat("json", { isTTY: false })).toBe("json");
    expect(defaultFormat("json", {})).toBe("json");
  });

  it("colour: --no-color > NO_COLOR > FORCE_COLOR > TTY", () => {
    expect(colourOn({ noColor: true }, { isTTY: true, env: { FORCE_COLOR: "1" } })).toBe(false);
    expect(colourOn({}, { isTTY: true, env: { NO_COLOR: "1", FORCE_COLOR: "1" } })).toBe(false);
    expect(colourOn({}, { isTTY: false, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(colourOn({}, { isTTY: true, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colourOn({}, { isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
    expect(colourOn({}, { isTTY: true, env: {} })).toBe(true);
    expect(colourOn({}, { isTTY: false, env: {} })).toBe(false);
  });

  it("width: COLUMNS, else the terminal's columns, else 80", () => {
    expect(terminalWidth({ columns: 120, env: { COLUMNS: "100" } })).toBe(100);
    expect(terminalWidth({ columns: 120, env: { COLUMNS: "wide" } })).toBe(120);
    expect(terminalWidth({ env: {} })).toBe(80);
  });
});

describe("the terminal rendering (core/render/terminal)", () => {
  it("cuts with … and never counts escape sequences", () => {
    expect(cut("abcdef", 4)).toBe("abc…");
    expect(cut("abc", 3)).toBe("abc");
    expect(cut("\u001b[33mabcdef\u001b[0m", 4)).toBe("\u001b[33mabc…\u001b[0m");
    expect(visibleWidth("\u001b[1mab\u001b[0m")).toBe(2);
  });

  it("fits a table to its width: the shrink-first column gives way, cells cut, never wrapped", () => {
    const table = fitTable(
      [{ header: "Name", min: 6 }, { header: "Value", min: 4, shrinkFirst: true }],
      [["a-long-resource-name", "a-long-value-that-goes-on"]],
      30,
    );
    expect(table).toEqual(["Name                  Value", "a-long-resource-name  a-long-…"]);
    for (const line of fitTable([{ header: "A" }, { header: "B" }], [["x".repeat(50), "y".repeat(50)]], 20)) expect(width(line)).toBeLessThanOrEqual(20);
  });

  it("escapes for a terminal: control characters shown, HTML left alone", () => {
    expect(escapeTerminal("\u001b[31m<b>&amp;</b>\u0000\n")).toBe("\\x1b[31m<b>&amp;</b>\\x00\\x0a");
    expect(escapeTerminal(undefined)).toBe("");
    expect(escapeTerminal(3)).toBe("3");
  });

  it("counts the summary: real drift, its policy part and worst severity, noise, unapplied", () => {
    expect(
      driftSummary([
        { class: "actionable", taxonomy: "policy", severity: "critical" },
        { class: "deleted", taxonomy: "resource", severity: "high" },
        { class: "noise", taxonomy: "configuration", severity: "low" },
        { class: "unapplied", taxonomy: "configuration", severity: "low" },
      ]),
    ).toEqual({ real: 2, policy: 1, severity: "critical", noise: 1, unapplied: 1 });
    expect(driftSummary([])).toEqual({ real: 0, policy: 0, noise: 0, unapplied: 0 });
  });
});

describe("the summary line's words", () => {
  it("names the policy count only when there is policy drift", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "drift-no-policy-"));
    const plan = path.join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify({
      format_version: "1.2",
      resource_drift: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small" }, after: { instance_type: "t3.large" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
      resource_changes: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
      relevant_attributes: [{ resource: "aws_instance.web", attribute: ["instance_type"] }],
    }));
    const { code, out } = await runCli(["drift", plan, "--format", "text"], { NO_COLOR: "1", COLUMNS: "80" });
    expect(code).toBe(0);
    expect(lines(out).at(-1)).toMatch(/^Drift: 1 real \((low|medium|high|critical)\), 0 noise, 0 unapplied$/);
  });
});
