import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FAKE_TERRAFORM_DIR = fileURLToPath(new URL("./fake-terraform", import.meta.url));

export interface FakeControl {
  plan?: string;
  /** Replayed instead of `plan` for a verification plan (`-target`ed, or run in the driftback-verify-* copy). */
  planWhenTargeted?: string;
  fail?: Record<string, { code?: number; stderr?: string }>;
  hang?: string[];
  flood?: Record<string, number>;
  sleepMs?: Record<string, number>;
}

/** An environment whose PATH finds the fake terraform/tofu first, with a log of every call. */
export function fakeTerraformEnv(): { env: NodeJS.ProcessEnv; logFile: string; pidFile: string; calls: () => FakeCall[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fake-tf-log-"));
  const logFile = path.join(dir, "calls.jsonl");
  const pidFile = path.join(dir, "pids");
  const env = {
    ...process.env,
    PATH: `${FAKE_TERRAFORM_DIR}${path.delimiter}${process.env.PATH ?? ""}`,
    FAKE_TERRAFORM_LOG: logFile,
    FAKE_TERRAFORM_PIDS: pidFile,
  };
  const calls = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as FakeCall) : []);
  return { env, logFile, pidFile, calls };
}

export interface FakeCall {
  bin: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  pid: number;
  startedAt: number;
}

/** A workspace dir holding a plan to replay and the control file. */
/** Plans a scan made: not a backport verification (run in a driftback-verify-* copy, or -target'ed) nor the base plan it is compared with. */
export function scanPlanCalls(calls: readonly FakeCall[]): FakeCall[] {
  return calls.filter((c) => c.args[0] === "plan" && !c.args.some((a) => a.startsWith("-target=")) && !/[\\/]driftback-(verify|base)-/.test(c.cwd));
}

export function fakeWorkspace(planJson: string, control: FakeControl = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fake-ws-"));
  writeFileSync(path.join(dir, "plan.json"), planJson);
  writeFileSync(path.join(dir, ".fake-terraform.json"), JSON.stringify({ plan: "plan.json", ...control }));
  writeFileSync(path.join(dir, "main.tf"), 'resource "null_resource" "x" {}\n');
  return dir;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
