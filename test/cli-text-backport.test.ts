import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { renderBackportText } from "../src/core/render/terminal/backport-text.js";
import { bundledTemplates } from "../src/templates.js";
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

describe("backport --format text: incidents, a real run, drift without a pull request", () => {
  it("names the linked incident with its confidence, never its text", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-backport-incidents-"));
    const plan = path.join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify({ ...JSON.parse(readFileSync(SCAN_PLAN, "utf8")), timestamp: "2024-05-01T04:00:00Z" }));
    const incidents = path.join(dir, "incidents.json");
    writeFileSync(incidents, JSON.stringify([{ key: "INC-123", title: "Checkout down", url: "https://status.example.com/INC-123", status: "resolved", opened_at: "2024-05-01T02:10:00Z", resolved_at: "2024-05-01T03:40:00Z", text: "Opened sg-0a1b2c3d to 0.0.0.0/0 for customer-canary-7", service: "shop" }]));
    const { code, out } = await runCli(["backport", "--dir", EXAMPLES, "--plan-json", plan, "--workspace", "prod", "--dry-run", "--format", "text", "--incidents-from", incidents, "--last-clean", "2024-05-01T01:00:00Z"], { NO_COLOR: "1", COLUMNS: "80" });
    expect(code).toBe(0);
    expectTerminalText(out, { columns: 80, summary: SUMMARY });
    expect(out).toMatch(/^ {4}Incident: +INC-123 \(\d+% confidence\)$/m);
    expect(out).not.toContain("customer-canary-7");
  });

  it("lists a real run's pull requests and the drift left without one with its reason broken at spaces, the summary last", () => {
    const { backport, backportColumns } = bundledTemplates().text;
    const out = renderBackportText(
      {
        dryRun: false,
        repo: "acme/infra",
        workspace: "prod",
        proposed: [],
        opened: [{ number: 12, url: "https://github.com/acme/infra/pull/12", status: "open", action: "codify", drift: [] }],
        skipped: [{ address: "aws_security_group.web", attribute: "ingress[0].cidr_blocks", status: "waiting", reason: "backport.max_open (3) pull requests are open already; this drift waits for one to close \u001b[2J" }],
        writes: 4,
      },
      { width: 60, colour: false, summary: { real: 2, policy: 1, severity: "critical", noise: 0, unapplied: 1 }, recordsDir: ".driftback/drift", render: backport, columns: backportColumns },
    );
    expectTerminalText(out, { columns: 60, summary: / sent to GitHub$/ });
    expect(out).toMatch(/^#12 +codify +open +https:/m);
    expect(out).toMatch(/^ {2}aws_security_group\.web ingress\[0\]\.cidr_blocks \(waiting\)\n {6}backport\.max_open \(3\) pull requests/m);
    expect(out).toContain("\\x1b[2J");
    expect(out.replace(/\n/g, " ")).toContain("Drift: 2 real (1 policy, critical), 1 unapplied — 1 pull request open, 4 writes sent to GitHub");
  });
});
