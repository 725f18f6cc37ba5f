import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fakeTerraformEnv, isAlive } from "./support/fake-terraform.js";

// Issue 17 §3 with the fake terraform (test/real-terraform/interrupt.test.ts does it with the real one): a signal
// during `backport --dry-run --verify` stops the verification plan's whole process group, removes the scratch
// copies and run dirs, and exits as a shell reports the signal.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLES = path.join(ROOT, "examples");

/** Running (a zombie waiting for its reaper has ended). */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function interruptVerify(signal: "SIGINT" | "SIGTERM") {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cli-interrupt-"));
  const repo = path.join(dir, "repo");
  cpSync(EXAMPLES, repo, { recursive: true });
  // the verification plan never ends (and its grandchild neither) until its group is signalled
  writeFileSync(path.join(repo, "workspace", ".fake-terraform.json"), JSON.stringify({ plan: "plan.json", hang: ["plan"] }));
  writeFileSync(path.join(repo, "workspace", "plan.json"), readFileSync(path.join(repo, "scan-plan.json")));
  const tmp = path.join(dir, "tmp");
  mkdirSync(tmp);
  const fake = fakeTerraformEnv();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src/cli.ts"), "backport", "--dir", repo, "--workspace", "prod", "--plan-json", path.join(repo, "scan-plan.json"), "--dry-run", "--verify"], {
    cwd: ROOT,
    env: { ...fake.env, TMPDIR: tmp, DRIFTBACK_TERRAFORM_ISOLATION: "none", DRIFTBACK_PLUGIN_CACHE_DIR: path.join(dir, "plugins") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const until = Date.now() + 25_000;
  while (!(existsSync(fake.pidFile) && readFileSync(fake.pidFile, "utf8").trim().split("\n").length >= 2)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`the verification plan never started: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const pids = readFileSync(fake.pidFile, "utf8").trim().split("\n").map(Number);
  const scratchDuringPlan = readdirSync(tmp).filter((d) => d.startsWith("driftback-"));
  child.kill(signal);
  const code = await exited;
  return { code, stderr, pids, scratchDuringPlan, scratchAfter: readdirSync(tmp).filter((d) => d.startsWith("driftback-")) };
}

describe("driftback backport --dry-run --verify interrupted during the verification plan", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: exits %i, terraform's group is gone, no scratch copy or run dir is left", async (signal, expected) => {
    const result = await interruptVerify(signal);
    expect(result.code, result.stderr).toBe(expected);
    expect(result.scratchDuringPlan.some((d) => d.startsWith("driftback-run-"))).toBe(true);
    expect(result.pids.filter(running)).toEqual([]);
    expect(result.scratchAfter).toEqual([]);
    expect(result.stderr).toContain(`${signal} received`);
  }, 60_000);
});
