import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText, lines } from "./support/terminal-text.js";

/** Issue 17 §1: `backport --dry-run --format text`, for terminals. */
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const SCAN_PLAN = path.join(EXAMPLES, "scan-plan.json");
const ARGS = ["backport", "--dir", EXAMPLES, "--plan-json", SCAN_PLAN, "--workspace", "prod", "--dry-run"];
const SUMMARY = "Drift: 2 real (1 policy, critical), 1 noise — 2 pull requests would open";
clearColourEnv();

describe("driftback backport --dry-run --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: the pull requests, the code diff, the summary last (golden)`, async () => {
      const { code, out, err } = await runCli([...ARGS, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: SUMMARY });
      expect(out).toMatch(/^~ 2\. Codify drift: aws_instance\.web instance_type \(prod\)$/m);
      expect(out).toContain('-  instance_type = "t3.medium"\n+  instance_type = "t3.large"');
      // the drift records are markdown: named with their size, never printed here
      expect(out).toMatch(/Record: +\.driftback\/drift\/prod\/[0-9a-f]{16}\.md \(\d+ lines\)/);
      expectGolden(out, new URL(`./golden/text/backport-dry-run-${columns}.txt`, import.meta.url));
    });
  }

  it("colours the diff red and green with FORCE_COLOR=1, and --no-color beats it", async () => {
    const forced = await runCli([...ARGS, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: SUMMARY });
    expect(forced.out).toContain('\u001b[31m-  instance_type = "t3.medium"\u001b[0m');
    expect(forced.out).toContain('\u001b[32m+  instance_type = "t3.large"\u001b[0m');
    const plain = await runCli([...ARGS, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps markdown as the default in a pipe", async () => {
    const { out } = await runCli(ARGS, { COLUMNS: "80" });
    expect(out).toMatch(/^## Backport pull requests driftback would open for <code>prod<\/code> \(dry run\)/);
  });

  it("shows a file's control characters escaped in the diff: no escape sequence of the repository reaches the terminal", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-backport-"));
    cpSync(EXAMPLES, dir, { recursive: true });
    const tf = path.join(dir, "workspace/main.tf");
    // a comment beside the codified line: it shows as the diff's context
    writeFileSync(tf, readFileSync(tf, "utf8").replace('  ami           = "ami-0c55b159cbfafe1f0"\n', '  ami           = "ami-0c55b159cbfafe1f0"\n  # \u001b[2Jcleared\u0007\n'));
    const { code, out } = await runCli(["backport", "--dir", dir, "--plan-json", SCAN_PLAN, "--workspace", "prod", "--dry-run", "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("  # \\x1b[2Jcleared\\x07");
    expect(out.replace(/\u001b\[(?:0|1|2|31|32|33|36)m/g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(lines(out).at(-1)).toContain("2 pull requests would open");
  });
});
