import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderAlignText } from "../src/core/render/terminal/align-text.js";
import { bundledTemplates } from "../src/templates.js";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText } from "./support/terminal-text.js";

/** Issue 17 §1: `align --dry-run --format text`, for terminals, on the bundled example's parity group (prod and staging). */
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const ARGS = ["align", "--dir", EXAMPLES, "--group", "web", "--resource", "aws_instance.web", "--attribute", "instance_type", "--to", "prod", "--dry-run"];
const SUMMARY = "Align: 1 aligned, 0 unchanged, 0 refused — dry run, nothing written";
clearColourEnv();

describe("driftback align --dry-run --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: the value, a member table, the diff, the summary last (golden)`, async () => {
      const { code, out, err } = await runCli([...ARGS, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: SUMMARY });
      expect(out).toMatch(/^~ +staging +aligned +the resource block \(staging\/main\.tf\)$/m);
      expect(out).toContain('-  instance_type = "t3.small"\n+  instance_type = "t3.medium"');
      expectGolden(out, new URL(`./golden/text/align-dry-run-${columns}.txt`, import.meta.url));
    });
  }

  it("colours the diff with FORCE_COLOR=1, and --no-color beats it", async () => {
    const forced = await runCli([...ARGS, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: SUMMARY });
    expect(forced.out).toContain('\u001b[32m+  instance_type = "t3.medium"\u001b[0m');
    const plain = await runCli([...ARGS, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps markdown as the default in a pipe", async () => {
    expect((await runCli(ARGS)).out).toMatch(/^## Align `instance_type` of `aws_instance\.web` to prod/);
  });

  it("shows a file's control characters escaped in the diff", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-align-"));
    cpSync(EXAMPLES, dir, { recursive: true });
    const tf = path.join(dir, "staging/main.tf");
    writeFileSync(tf, readFileSync(tf, "utf8").replace('  ami           = "ami-0c55b159cbfafe1f0"\n', '  ami           = "ami-0c55b159cbfafe1f0"\n  # \u001b[2J\u0007\n'));
    const { code, out } = await runCli(["align", "--dir", dir, ...ARGS.slice(3), "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("  # \\x1b[2J\\x07");
    expect(out.replace(/\u001b\[(?:0|1|2|31|32|33|36)m/g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe("driftback expect --format text", () => {
  const EXPECT = ["expect", "--dir", EXAMPLES, "--group", "web", "--resource", "aws_instance.web", "--attribute", "instance_type"];
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: the config's diff, the summary last (golden)`, async () => {
      const { code, out, err } = await runCli([...EXPECT, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: "Expect: 1 change to .github/driftback.yml; nothing written (use --write)" });
      expect(out).toContain("+      - {address: aws_instance.web, attribute: instance_type}");
      expect(out).not.toContain("\\x09"); // the diff's header tab is not shown escaped
      expectGolden(out, new URL(`./golden/text/expect-${columns}.txt`, import.meta.url));
    });
  }

  it("colours with FORCE_COLOR=1, --no-color beats it; the plain diff stays the default in a pipe", async () => {
    const forced = await runCli([...EXPECT, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: /^Expect: 1 change/ });
    const plain = await runCli([...EXPECT, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
    expect((await runCli(EXPECT)).out).toMatch(/^={10,}\n--- a\/\.github\/driftback\.yml/);
  });
});

describe("renderAlignText", () => {
  it("names a refused member with `!`, breaks its reason at spaces, and says the verification", () => {
    const { align, alignColumns } = bundledTemplates().text;
    const out = renderAlignText(
      {
        group: "svc", resource: "aws_db_proxy.shop", attribute: "pool_size", to: "staging", value: 20, origin: "declared",
        aligned: [], unchanged: [{ member: "prod-us", why: "its code already sets 20" }],
        refused: [{ member: "prod-eu", reason: "the value comes from a variable that other workspaces read too, so editing it would change them as well; set it in prod-eu's own tfvars" }],
        diffs: [],
      },
      { ok: false, reason: "terraform init failed" },
      { width: 60, colour: false, dryRun: true, written: [], render: align, columns: alignColumns },
    );
    expectTerminalText(out, { columns: 60, summary: "Align: 0 aligned, 1 unchanged, 1 refused — no file changes" });
    expect(out).toMatch(/^! +prod-eu +refused +the value comes/m);
    expect(out).toContain("prod-eu is refused:\n      the value comes from a variable");
    expect(out).toContain("Verification could not run: terraform init failed");
  });
});
