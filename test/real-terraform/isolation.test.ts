import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { detectIsolation } from "../../src/adapters/terraform/sandbox.js";
import { REPO_ROOT } from "../support/sandbox.js";

/**
 * Issue 15 §1: a pull request's code must reach none of the App's secrets. driftback's runner, made as the app
 * makes it, plans hostile HCL (and a hostile program in terraform's place) as uid 1000 without capabilities
 * (the image's user; `setpriv` emulates it when the suite runs as root), with canary secrets in its environment.
 */
const CANARY = `CANARY-${process.pid}-x9q`;
const real = inject("realTerraform");
const bwrap = detectIsolation({ PATH: process.env.PATH });
const missing = !real.available ? real.reason : bwrap.mode !== "bubblewrap" ? bwrap.problem : undefined;
if (missing && process.env.CI && real.available) throw new Error(`CI=true: the isolation suite must run, but ${missing}`);
if (missing) console.warn(`real-terraform isolation suite SKIPPED: ${missing}`);

interface Report {
  uid: number;
  isolation: { mode: string };
  hcl: { ok: boolean; planJson?: string; message?: string; output?: string };
  applied: { ok: boolean; message?: string; output?: string };
  cli: { ok: boolean; planJson?: string; message?: string };
  cliWarnings: string[];
  hostile: { ok: boolean; message?: string; output?: string };
  before: string;
  after: string;
}

function runChild(extraEnv: Record<string, string>): Report {
  const asRoot = process.getuid?.() === 0;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: "/tmp",
    TMPDIR: "/tmp",
    CHECKPOINT_DISABLE: "1",
    DRIFTBACK_TEST_CANARY: CANARY,
    // the App's secrets, as the image's environment holds them
    PRIVATE_KEY: `-----BEGIN RSA PRIVATE KEY-----${CANARY}-env-key`,
    WEBHOOK_SECRET: `${CANARY}-webhook`,
    DRIFTBACK_SCAN_TOKEN: `${CANARY}-scan-token`,
    DRIFTBACK_STATE_KEY: `${CANARY}-state-key`,
    PAGERDUTY_API_TOKEN: `${CANARY}-pagerduty`,
    JIRA_API_TOKEN: `${CANARY}-jira`,
    INCIDENT_IO_API_KEY: `${CANARY}-incident-io`,
    REDIS_URL: `redis://:${CANARY}-redis@127.0.0.1:6379`,
    ...extraEnv,
  };
  const node = [process.execPath, "--import", "tsx", path.join(REPO_ROOT, "test/real-terraform/isolation-child.ts")];
  const argv = asRoot ? ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--inh-caps=-all", "--", ...node] : node;
  const run = spawnSync(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 180_000 });
  if (run.status !== 0) throw new Error(`the child failed (${run.status}): ${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Report;
}

describe.skipIf(missing !== undefined)("terraform started by driftback's runner under bubblewrap", () => {
  it("plans hostile HCL that reads /proc/<ppid>/environ, PID 1, the key file and other checkouts: nothing secret comes back", () => {
    const report = runChild({});
    if (process.getuid?.() === 0) expect(report.uid).toBe(1000);
    expect(report.isolation.mode).toBe("bubblewrap");
    expect(report.hcl.ok, report.hcl.message).toBe(true);
    const outputs = (JSON.parse(report.hcl.planJson!) as { planned_values: { outputs: Record<string, { value: string }> } }).planned_values.outputs;
    // the control: the run reads its own checkout, so the reads below really ran
    expect(outputs.own_file!.value).toBe("readable-own-file");
    for (const name of ["driftback_environ", "git_clone_environ", "key_file", "other_checkout", "other_checkout_absolute"]) expect(outputs[name]!.value, name).toBe("unreadable");
    // /proc/<ppid> and /proc/1 exist, but they are bwrap's own processes in the sandbox's PID namespace
    expect(outputs.parent_cmdline!.value).toContain("bwrap");
    expect(report.hcl.planJson).not.toContain(CANARY);
    expect(Buffer.from(report.hcl.planJson!).toString("base64")).not.toContain(Buffer.from(CANARY).toString("base64").slice(0, 12));
    // the CLI's runner is sandboxed the same way, without a warning
    expect(report.cliWarnings).toEqual([]);
    expect(report.cli.ok, report.cli.message).toBe(true);
    expect(report.cli.planJson).toContain("readable-own-file");
    expect(report.cli.planJson).not.toContain(CANARY);
    // apply of the kept plan runs under the same rules and works (it writes the state into the run's own checkout)
    expect(report.applied.ok, report.applied.message).toBe(true);
    expect(report.applied.output ?? "").not.toContain(CANARY);
    const leak = JSON.parse(report.hcl.planJson!).resource_changes[0].change.after.input as string;
    expect(Buffer.from(leak, "base64").toString("utf8")).not.toContain(CANARY);
  }, 200_000);

  it("a hostile program in terraform's place reads no secret and writes nothing to the plugin cache or another checkout", () => {
    const report = runChild({});
    const output = report.hostile.output ?? "";
    expect(report.hostile.ok).toBe(false); // the program exits 1 after its attempts
    expect(output).toMatch(/DENIED cat .*app-key\.pem/);
    expect(output).toMatch(/DENIED cat .*driftback-src-victim/);
    expect(output).toMatch(/DENIED sh -c echo hacked > .*terraform-provider-x/);
    expect(output).toMatch(/DENIED sh -c echo planted > .*slot-0\/planted/);
    // a pull request's run does not reach the cache its owner's reviewed code runs providers from
    expect(output).toMatch(/DENIED sh -c echo hacked > .*acme\/reviewed\/slot-0\/registry\.example\/x\/terraform-provider-x/);
    expect(output).toMatch(/DENIED sh -c echo planted > .*driftback-src-victim\/planted\.tf/);
    expect(output).toContain("ENV "); // it did run to the end
    expect(output).not.toContain(CANARY);
    // nothing outside the run's own checkout and scratch dir changed (the plugin cache, the other checkout, the key)
    expect(report.after).toBe(report.before);
  }, 200_000);

  it("the control: with isolation off (DRIFTBACK_TERRAFORM_ISOLATION=none, allowed) the same HCL leaks, so the checks above can fail", () => {
    const report = runChild({ DRIFTBACK_TERRAFORM_ISOLATION: "none", DRIFTBACK_ALLOW_UNISOLATED_PLANS: "true" });
    expect(report.isolation.mode).toBe("none");
    expect(report.hcl.planJson).toContain(CANARY);
    expect(report.cli.planJson).toContain(CANARY);
  }, 200_000);

  it("without isolation and without the operator's allowance, no repository code runs at all", () => {
    const report = runChild({ DRIFTBACK_TERRAFORM_ISOLATION: "none" });
    expect(report.hcl.ok).toBe(false);
    expect(report.hcl.message).toContain("DRIFTBACK_ALLOW_UNISOLATED_PLANS");
    expect(report.hostile.output ?? "").toBe("");
  }, 200_000);
});

it("setpriv (util-linux) is here to run the isolation suite as the image's user", () => {
  if (process.getuid?.() === 0 && missing === undefined) expect(existsSync("/usr/bin/setpriv") || existsSync("/bin/setpriv")).toBe(true);
});
