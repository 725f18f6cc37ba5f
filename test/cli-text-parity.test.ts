import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText } from "./support/terminal-text.js";

/** Issue 17 §1: `parity --format text`, for terminals, on the bundled example (prod and staging, one parity group). */
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const SUMMARY = "Parity: 2 differences (1 declared, 0 live, 1 version) in 1 group";
clearColourEnv();

describe("driftback parity --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: a table per group, a column per member, the summary last (golden)`, async () => {
      const { code, out, err } = await runCli(["parity", "--dir", EXAMPLES, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: SUMMARY });
      expect(out).toMatch(/^~ +aws_instance\.web +instance_type +t3\.medium +t3\.small +declared$/m);
      expectGolden(out, new URL(`./golden/text/parity-examples-${columns}.txt`, import.meta.url));
    });
  }

  it("cuts long values with … to fit 40 columns, never wrapping them into the next column", async () => {
    const { out } = await runCli(["parity", "--dir", EXAMPLES, "--format", "text"], { NO_COLOR: "1", COLUMNS: "40" });
    expectTerminalText(out, { columns: 40, summary: / in 1 group$/ });
    expect(out).toMatch(/…/);
  });

  it("colours with FORCE_COLOR=1, and --no-color beats it", async () => {
    const forced = await runCli(["parity", "--dir", EXAMPLES, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: SUMMARY });
    const plain = await runCli(["parity", "--dir", EXAMPLES, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps json as the default in a pipe, and exits 2 with --detailed-exitcode in text too", async () => {
    expect(JSON.parse((await runCli(["parity", "--dir", EXAMPLES])).out).groups).toHaveLength(1);
    expect((await runCli(["parity", "--dir", EXAMPLES, "--format", "text", "--detailed-exitcode"], { NO_COLOR: "1" })).code).toBe(2);
  });

  it("shows a hostile declared value escaped", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-parity-"));
    cpSync(EXAMPLES, dir, { recursive: true });
    const tf = path.join(dir, "staging/main.tf");
    writeFileSync(tf, readFileSync(tf, "utf8").replace('"t3.small"', '"t3.\\u001b[2Jsmall<b>&amp;"'));
    const { code, out } = await runCli(["parity", "--dir", dir, "--format", "text"], { COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("t3.\\x1b[2Jsmall<b>&amp;");
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});
