import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TAG_OR_ENTITY } from "./support/terminal-text.js";

/**
 * Issue 17 §1 at a real terminal: the CLI runs inside tmux (a pseudo-terminal of a set size), so stdout IS a
 * TTY and the text format is the default; the pane is read back with `tmux capture-pane`.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const DONE = "__driftback_exit__";

/** Runs `args` in a fresh tmux server (its own socket) with a `columns`-wide pane; returns the pane's lines up to the exit marker, and the exit code. */
async function inTmux(args: readonly string[], columns: number): Promise<{ lines: string[]; code: number }> {
  const socket = `driftback-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const env = { ...process.env };
  for (const key of ["COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TMUX"]) delete env[key];
  const quoted = ["node", "--import", "tsx", "src/cli.ts", ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const tmux = (...rest: string[]) => execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...rest], { env, encoding: "utf8" });
  tmux("new-session", "-d", "-x", String(columns), "-y", "50", "-c", ROOT, `sh -c "${quoted.replaceAll('"', '\\"')}; echo ${DONE} \\$?; sleep 60"`);
  try {
    for (let waited = 0; waited < 60_000; waited += 200) {
      const pane = tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-").split("\n");
      const at = pane.findIndex((line) => line.startsWith(DONE));
      if (at >= 0) return { lines: pane.slice(0, at).map((l) => l.trimEnd()), code: Number(pane[at]!.split(" ")[1]) };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the CLI did not finish in tmux within a minute: ${tmux("capture-pane", "-p")}`);
  } finally {
    spawnSync("tmux", ["-L", socket, "kill-server"], { env });
  }
}

function expectTerminalPane(lines: string[], columns: number, summary: RegExp): void {
  const text = lines.join("\n");
  expect(text.trimStart()).not.toMatch(/^[[{]/); // text, not JSON
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
  expect(text).not.toMatch(TAG_OR_ENTITY);
  expect(lines.filter((l) => l.trim() !== "").at(-1)).toMatch(summary);
}

describe.skipIf(!hasTmux)("the text format at a real terminal (tmux)", () => {
  it("drift: text by default at a TTY, no line wider than 80, the summary last", async () => {
    const { lines, code } = await inTmux(["drift", "--plan-json", "examples/scan-plan.json"], 80);
    expect(code).toBe(0);
    expectTerminalPane(lines, 80, /^Drift: 2 real \(1 policy, medium\), 1 noise, 0 unapplied$/);
    expect(lines.join("\n")).toMatch(/^~ +aws_instance\.web/m);
  }, 90_000);

  for (const columns of [80, 200]) {
    it(`backport --dry-run: text by default at a ${columns}-column TTY, the summary last`, async () => {
      const { lines, code } = await inTmux(["backport", "--dir", "examples", "--plan-json", "examples/scan-plan.json", "--workspace", "prod", "--dry-run"], columns);
      expect(code).toBe(0);
      expectTerminalPane(lines, columns, /^Drift: 2 real \(1 policy, critical\), 1 noise — 2 pull requests would open$/);
      expect(lines).toContain('+  instance_type = "t3.large"');
    }, 90_000);
  }

  // every other command that reads local files, at an 80-column TTY: each picks text by itself
  const others: [string, string[], RegExp][] = [
    ["preview", ["preview", "examples/plan.json"], /^Plan: \d+ to add, \d+ to change, \d+ to destroy(, \d+ to move)?\.$/],
    ["codify", ["codify", "--dir", "examples/workspace", "examples/scan-plan.json"], /^Codify: \d+ codified, \d+ refused; nothing written \(use --write\)$/],
    ["parity", ["parity", "--dir", "examples"], /^Parity: \d+ differences? \(/],
  ];
  for (const [name, args, summary] of others) {
    it(`${name}: text by default at an 80-column TTY, no line wider, the summary last`, async () => {
      const { lines, code } = await inTmux(args, 80);
      expect(code, lines.join("\n")).toBe(0);
      expectTerminalPane(lines, 80, summary);
    }, 90_000);
  }
});

// said where the run shows it: the suite above did not run
if (!hasTmux) describe("the text format at a real terminal (tmux)", () => it.skip("tmux is not installed (apt-get install tmux): the TTY tests are skipped", () => {}));
