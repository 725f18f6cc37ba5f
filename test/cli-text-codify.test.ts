import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText, lines } from "./support/terminal-text.js";

/** Issue 17 §1: `codify --format text`, for terminals, on the bundled example's workspace and drift. */
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const SCAN_PLAN = path.join(EXAMPLES, "scan-plan.json");
clearColourEnv();

/** A copy of the example, so paths in the diffs do not depend on where the repository is checked out. */
function example(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-codify-"));
  cpSync(EXAMPLES, dir, { recursive: true });
  return dir;
}

/** codify run from inside `dir`, as a user does: paths relative to it. */
async function codify(dir: string, args: readonly string[], env: Record<string, string>) {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await runCli(["codify", "--dir", "workspace", "--plan-json", "scan-plan.json", ...args], env);
  } finally {
    process.chdir(cwd);
  }
}

describe("driftback codify --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: each drift's outcome, its diff, a refusal's reason broken at spaces, the summary last (golden)`, async () => {
      const { code, out, err } = await codify(example(), ["--format", "text", "--mask-attribute", "instance_type"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: "Codify: 1 codified, 1 refused; nothing written (use --write)" });
      expect(out).toMatch(/^! aws_instance\.web instance_type\n {4}refused:\n/m);
      expect(out).toContain('-    cidr_blocks = ["10.0.0.0/16"]\n+    cidr_blocks = ["10.0.0.0/16", "0.0.0.0/0"]');
      expectGolden(out, new URL(`./golden/text/codify-example-${columns}.txt`, import.meta.url));
    });
  }

  it("colours the diffs with FORCE_COLOR=1, and --no-color beats it", async () => {
    const dir = example();
    const forced = await codify(dir, ["--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: "Codify: 2 codified, 0 refused; nothing written (use --write)" });
    expect(forced.out).toContain('\u001b[32m+  instance_type = "t3.large"\u001b[0m');
    const plain = await codify(dir, ["--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
  });

  it("keeps the diff report as the default in a pipe; markdown is that report in a ```diff block", async () => {
    const dir = example();
    const piped = await codify(dir, [], { COLUMNS: "80" });
    expect(piped.out).toMatch(/^# codified aws_instance\.web instance_type/);
    const markdown = await codify(dir, ["--format", "markdown"], {});
    expect(markdown.out).toBe(`\`\`\`diff\n${piped.out.trimEnd()}\n\`\`\`\n`);
  });

  it("shows a file's control characters escaped in the diff", async () => {
    const dir = example();
    const tf = path.join(dir, "workspace/main.tf");
    writeFileSync(tf, readFileSync(tf, "utf8").replace('  ami           = "ami-0c55b159cbfafe1f0"\n', '  ami           = "ami-0c55b159cbfafe1f0"\n  # \u001b]0;title\u0007\n'));
    const { code, out } = await codify(dir, ["--format", "text"], { FORCE_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("  # \\x1b]0;title\\x07");
    expect(out.replace(/\u001b\[(?:0|1|2|31|32|33|36)m/g, "")).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(lines(out).at(-1)).toContain("Codify: 2 codified");
  });
});
