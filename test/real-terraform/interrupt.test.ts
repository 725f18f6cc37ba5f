import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { detectIsolation } from "../../src/adapters/terraform/sandbox.js";
import { createSandbox, initAndApply, REPO_ROOT, SANDBOX_PROVIDER_BLOCK, SANDBOX_PROVIDER_DIR, sandboxCliEnv } from "../support/sandbox.js";

/**
 * Issue 17 §3: Ctrl-C (SIGINT) or SIGTERM while `driftback scan` plans. The real CLI runs as a user starts it, with
 * terraform under bubblewrap where this machine allows it; the sandbox cloud answers each refresh slowly
 * (SANDBOX_READ_DELAY_MS), so the signal comes while terraform holds the state lock mid-refresh. Afterwards: the
 * exit code a shell reports (130, 143), no lock file, no terraform or provider left, no driftback-run-* directory.
 */
const real = inject("realTerraform");
const isolation = detectIsolation({ PATH: process.env.PATH });
/** Each refresh of the one resource takes this long: the plan is mid-refresh when the lock file appears. */
const READ_DELAY_MS = 5_000;
if (real.available && isolation.mode !== "bubblewrap") console.warn(`interrupt suite: terraform runs without isolation here (${isolation.problem})`);

function slowWorkspace() {
  const sandbox = createSandbox("interrupt", {
    "main.tf": `${SANDBOX_PROVIDER_BLOCK}
resource "sandbox_instance" "web" {
  name          = "web"
  instance_type = "t3.small"
}
`,
  });
  return sandbox;
}

/** Processes whose command line names `needle` (terraform, bwrap and the provider all carry the run's paths). */
function processesNaming(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (cmdline.includes(needle) && !/\) Z /.test(stat)) found.push(`${pid}: ${cmdline.slice(0, 200)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function interruptScan(signal: "SIGINT" | "SIGTERM") {
  const sandbox = slowWorkspace();
  await initAndApply(sandbox);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-interrupt-"));
  const tmp = path.join(scratch, "tmp");
  mkdirSync(tmp);
  const isolated = isolation.mode === "bubblewrap";
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: scratch,
    TMPDIR: tmp,
    ...sandboxCliEnv(sandbox),
    SANDBOX_READ_DELAY_MS: String(READ_DELAY_MS),
    // under bubblewrap the provider reads its own files and writes its cloud only through these binds
    ...(isolated ? { DRIFTBACK_SANDBOX_READ_ONLY: [SANDBOX_PROVIDER_DIR, path.dirname(sandbox.env.TF_CLI_CONFIG_FILE!)].join(path.delimiter), DRIFTBACK_SANDBOX_WRITABLE: sandbox.cloudDir } : { DRIFTBACK_TERRAFORM_ISOLATION: "none" }),
  };
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli.ts"), "scan", "--dir", sandbox.dir], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lockFile = path.join(sandbox.dir, ".terraform.tfstate.lock.info");
  const runDirs = () => readdirSync(tmp).filter((d) => d.startsWith("driftback-run-"));
  // the plan holds the state lock and waits on the slow cloud: that is when a user gives up
  await waitFor(() => existsSync(lockFile) || child.exitCode !== null, 60_000, "terraform plan to take the state lock");
  expect(child.exitCode, stderr).toBeNull();
  expect(runDirs()).toHaveLength(1);
  expect(processesNaming(tmp).length).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 500));
  child.kill(signal);
  const code = await exited;
  return { code, stderr, lockFile, runDirs: runDirs(), left: processesNaming(tmp), leftInWorkspace: processesNaming(sandbox.dir), isolated };
}

describe.skipIf(!real.available)("driftback scan interrupted mid-plan (real terraform, slow sandbox cloud)", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: exits %i, terraform released its state lock, nothing left running, no scratch directory", async (signal, expected) => {
    const result = await interruptScan(signal);
    expect(result.code, result.stderr).toBe(expected);
    expect(result.stderr).toContain(`${signal} received: stopping terraform`);
    expect(existsSync(result.lockFile)).toBe(false);
    expect(result.left).toEqual([]);
    expect(result.leftInWorkspace).toEqual([]);
    expect(result.runDirs).toEqual([]);
  }, 120_000);
});
