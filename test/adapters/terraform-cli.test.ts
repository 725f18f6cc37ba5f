import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import type { PlanRequest } from "../../src/ports.js";
import { fakeTerraformEnv, fakeWorkspace, isAlive } from "../support/fake-terraform.js";

const PLAN = JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "a.b", change: { actions: ["create"], before: null, after: { x: 1 } } }] });

function setup() {
  const fake = fakeTerraformEnv();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-scratch-"));
  const runner = new TerraformCli({ env: { ...fake.env, PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----", WEBHOOK_SECRET: "s3cr3t", DRIFTBACK_SCAN_TOKEN: "t", PAGERDUTY_API_TOKEN: "pd", JIRA_API_TOKEN: "jira", JIRA_WEBHOOK_SECRET: "jw", INCIDENT_IO_API_KEY: "iio" }, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
  const request = (dir: string, extra: Partial<PlanRequest> = {}): PlanRequest => ({
    dir,
    binary: "terraform",
    workspace: "default",
    varFiles: [],
    backendConfig: [],
    timeoutMs: 20_000,
    lockTimeout: "2m",
    ...extra,
  });
  return { fake, runner, request };
}

describe("TerraformCli", () => {
  it("runs init, plan -out and show -json with argument arrays and returns the plan JSON", async () => {
    const { fake, runner, request } = setup();
    const dir = fakeWorkspace(PLAN);
    const outcome = await runner.plan(request(dir, { varFiles: ["prod.tfvars", "it's $(odd).tfvars"], backendConfig: ["backend.hcl"], workspace: "prod" }));
    expect(outcome).toEqual({ ok: true, planJson: PLAN });
    const calls = fake.calls();
    expect(calls.map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(calls[0]!.args).toEqual(["init", "-input=false", "-no-color", "-backend-config=backend.hcl"]);
    expect(calls[1]!.args.slice(0, 5)).toEqual(["plan", "-input=false", "-no-color", "-lock-timeout=2m", "-detailed-exitcode"]);
    // an odd file name stays one argument: no shell ever sees it
    expect(calls[1]!.args.slice(-2)).toEqual(["-var-file=prod.tfvars", "-var-file=it's $(odd).tfvars"]);
    expect(calls[2]!.args.slice(0, 3)).toEqual(["show", "-json", "-no-color"]);
    for (const call of calls) {
      expect(call.cwd).toBe(dir);
      expect(call.env).toMatchObject({ TF_IN_AUTOMATION: "1", TF_INPUT: "0", TF_WORKSPACE: "prod" });
      expect(call.env.TF_PLUGIN_CACHE_DIR).toBeTruthy();
      expect(call.env).not.toHaveProperty("PRIVATE_KEY");
      expect(call.env).not.toHaveProperty("WEBHOOK_SECRET");
      expect(call.env).not.toHaveProperty("DRIFTBACK_SCAN_TOKEN");
      // the incident trackers' credentials are the app's too: repository code never sees them
      for (const name of ["PAGERDUTY_API_TOKEN", "JIRA_API_TOKEN", "JIRA_WEBHOOK_SECRET", "INCIDENT_IO_API_KEY"]) expect(call.env).not.toHaveProperty(name);
    }
  });

  it("never runs two inits against the same plugin cache at once", async () => {
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-scratch-"));
    const runner = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), cacheSlots: 2 });
    const slowInit = { sleepMs: { init: 400 } };
    const request = (dir: string): PlanRequest => ({ dir, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 20_000, lockTimeout: "2m" });
    await Promise.all([1, 2, 3].map(() => runner.plan(request(fakeWorkspace(PLAN, slowInit)))));
    const inits = fake.calls().filter((c) => c.args[0] === "init").sort((a, b) => a.startedAt - b.startedAt);
    expect(inits).toHaveLength(3);
    // two slots: the first two inits run side by side in different caches, the third waits for a slot
    expect(inits[0]!.env.TF_PLUGIN_CACHE_DIR).not.toBe(inits[1]!.env.TF_PLUGIN_CACHE_DIR);
    expect(inits[2]!.startedAt - inits[0]!.startedAt).toBeGreaterThanOrEqual(400);
    const sameCache = inits.filter((c) => c.env.TF_PLUGIN_CACHE_DIR === inits[2]!.env.TF_PLUGIN_CACHE_DIR);
    expect(sameCache).toHaveLength(2);
    expect(sameCache[1]!.startedAt - sameCache[0]!.startedAt).toBeGreaterThanOrEqual(400); // never overlapping in one cache
    expect(new Set(fake.calls().map((c) => c.env.TF_DATA_DIR)).size).toBe(3); // separate .terraform per run
  });

  it("keeps a pull request's plugin cache apart from reviewed code's and from other owners' (issue 15 §1)", async () => {
    const { fake, runner, request } = setup();
    const scopes = [
      { owner: "acme", repo: "infra", code: "reviewed" as const },
      { owner: "acme", repo: "infra", code: "pull-request" as const },
      { owner: "acme", repo: "other", code: "pull-request" as const },
      { owner: "umbrella", repo: "infra", code: "reviewed" as const },
      { owner: "acme", repo: "..", code: "pull-request" as const },
    ];
    for (const pluginCache of scopes) await runner.plan(request(fakeWorkspace(PLAN), { pluginCache }));
    await runner.plan(request(fakeWorkspace(PLAN)));
    const caches = fake.calls().filter((c) => c.args[0] === "init").map((c) => c.env.TF_PLUGIN_CACHE_DIR!);
    const root = caches[0]!.split(`${path.sep}acme${path.sep}`)[0]!;
    expect(caches.map((c) => path.relative(root, c))).toEqual([
      "acme/reviewed/slot-0",
      "acme/pull-requests/infra/slot-0",
      "acme/pull-requests/other/slot-0",
      "umbrella/reviewed/slot-0",
      expect.stringMatching(/^acme\/pull-requests\/h-[0-9a-f]{16}\/slot-0$/),
      "local/slot-0",
    ]);
  });

  it("runs tofu when asked", async () => {
    const { fake, runner, request } = setup();
    await runner.plan(request(fakeWorkspace(PLAN), { binary: "tofu" }));
    expect(fake.calls().map((c) => c.bin)).toEqual(["tofu", "tofu", "tofu"]);
  });

  it("treats exit code 0 (no changes) as success too", async () => {
    const { runner, request } = setup();
    const empty = JSON.stringify({ format_version: "1.2", resource_changes: [] });
    expect(await runner.plan(request(fakeWorkspace(empty)))).toEqual({ ok: true, planJson: empty });
  });

  it("reports a failed plan with its stage, exit code and stderr", async () => {
    const { runner, request } = setup();
    const dir = fakeWorkspace(PLAN, { fail: { plan: { code: 1, stderr: "Error: Error acquiring the state lock\n\nLock Info:\n  ID: 1234\n" } } });
    const outcome = await runner.plan(request(dir));
    expect(outcome).toMatchObject({ ok: false, stage: "plan", message: "`terraform plan` exited with code 1", timedOut: false });
    if (!outcome.ok) expect(outcome.output).toContain("Error acquiring the state lock");
  });

  it("reports a failed init without planning", async () => {
    const { fake, runner, request } = setup();
    const outcome = await runner.plan(request(fakeWorkspace(PLAN, { fail: { init: { code: 1, stderr: "Error: Failed to query available provider packages" } } })));
    expect(outcome).toMatchObject({ ok: false, stage: "init" });
    expect(fake.calls().map((c) => c.args[0])).toEqual(["init"]);
  });

  it("says clearly when the binary is not installed", async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-scratch-"));
    const runner = new TerraformCli({ env: { PATH: scratch }, scratchDir: scratch, pluginCacheDir: path.join(scratch, "p") });
    const outcome = await runner.plan({ dir: scratch, binary: "tofu", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 5_000, lockTimeout: "1m" });
    expect(outcome).toMatchObject({ ok: false, stage: "init" });
    if (!outcome.ok) expect(outcome.message).toMatch(/could not start `tofu`.*Is it installed and on PATH\?/);
  });

  it("kills the whole process tree when a command hangs past the timeout", async () => {
    const { fake, runner, request } = setup();
    const outcome = await runner.plan(request(fakeWorkspace(PLAN, { hang: ["plan"] }), { timeoutMs: 1_000 }));
    expect(outcome).toMatchObject({ ok: false, stage: "plan", timedOut: true });
    const pids = readFileSync(fake.pidFile, "utf8").trim().split("\n").map(Number);
    expect(pids).toHaveLength(2); // terraform and the grandchild it started
    await expect.poll(() => pids.filter(isAlive), { timeout: 15_000, interval: 200 }).toEqual([]);
  });

  it("stops when cancelled by a newer commit", async () => {
    const { fake, runner, request } = setup();
    const controller = new AbortController();
    const pending = runner.plan(request(fakeWorkspace(PLAN, { hang: ["plan"] }), { signal: controller.signal }));
    // cancelled once the plan runs (a loaded machine may take longer than any fixed delay to finish init)
    await expect.poll(() => fake.calls().some((c) => c.args[0] === "plan"), { timeout: 15_000, interval: 50 }).toBe(true);
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, cancelled: true, stage: "plan" });
  });

  it("keeps only a bounded tail of a flood of output", async () => {
    const { runner, request } = setup();
    const outcome = await runner.plan(request(fakeWorkspace(PLAN, { flood: { plan: 20_000_000 }, fail: { plan: { code: 1, stderr: "Error: the real problem\n" } } })));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.output.length).toBeLessThanOrEqual(64 * 1024);
    expect(outcome.output).toMatch(/Error: the real problem\n$/);
  });

  it("passes each -target address as its own argument after the var files", async () => {
    const { fake, runner, request } = setup();
    const outcome = await runner.plan(request(fakeWorkspace(PLAN), { varFiles: ["prod.tfvars"], targets: ["aws_instance.api", 'module.a["x"].aws_sg.web'] }));
    expect(outcome.ok).toBe(true);
    const plan = fake.calls().find((c) => c.args[0] === "plan")!;
    expect(plan.args.slice(-3)).toEqual(["-var-file=prod.tfvars", "-target=aws_instance.api", '-target=module.a["x"].aws_sg.web']);
  });

  it("removes the plan file after a plan unless asked to keep it for apply", async () => {
    const { runner, request } = setup();
    const plain = await runner.plan(request(fakeWorkspace(PLAN)));
    expect(plain.ok && plain.saved).toBeFalsy();
    const kept = await runner.plan(request(fakeWorkspace(PLAN), { keepPlanFile: true }));
    if (!kept.ok || !kept.saved) throw new Error("expected a kept plan file");
    expect(existsSync(kept.saved.planFile)).toBe(true);
    await kept.saved.release();
    expect(existsSync(kept.saved.planFile)).toBe(false);
  });

  it("applies exactly the saved plan file in the data dir it was planned in, without the app's secrets", async () => {
    const { fake, runner, request } = setup();
    const dir = fakeWorkspace(PLAN);
    const kept = await runner.plan(request(dir, { keepPlanFile: true, workspace: "prod" }));
    if (!kept.ok || !kept.saved) throw new Error("expected a kept plan file");
    const applied = await runner.apply({ dir, binary: "terraform", workspace: "prod", saved: kept.saved, timeoutMs: 20_000, lockTimeout: "2m" });
    await kept.saved.release();
    expect(applied).toMatchObject({ ok: true, output: expect.stringContaining("Apply complete!") });
    const [plan, apply] = [fake.calls().find((c) => c.args[0] === "plan")!, fake.calls().find((c) => c.args[0] === "apply")!];
    expect(apply.args).toEqual(["apply", "-input=false", "-no-color", "-lock-timeout=2m", kept.saved.planFile]);
    expect(apply.env.TF_DATA_DIR).toBe(plan.env.TF_DATA_DIR);
    expect(apply.env).toMatchObject({ TF_WORKSPACE: "prod", TF_IN_AUTOMATION: "1" });
    expect(apply.env).not.toHaveProperty("PRIVATE_KEY");
    expect(apply.env).not.toHaveProperty("WEBHOOK_SECRET");
  });

  it("reports a failed apply with its exit code and output, and a hung one as timed out with its process tree killed", async () => {
    const { fake, runner, request } = setup();
    const failing = fakeWorkspace(PLAN, { fail: { apply: { code: 1, stderr: "Error: Saved plan is stale\n" } } });
    const kept = await runner.plan(request(failing, { keepPlanFile: true }));
    if (!kept.ok || !kept.saved) throw new Error("expected a kept plan file");
    const failed = await runner.apply({ dir: failing, binary: "terraform", workspace: "default", saved: kept.saved, timeoutMs: 20_000, lockTimeout: "2m" });
    expect(failed).toMatchObject({ ok: false, message: "`terraform apply` exited with code 1", output: expect.stringContaining("Saved plan is stale"), timedOut: false });

    const hanging = fakeWorkspace(PLAN, { hang: ["apply"] });
    const kept2 = await runner.plan(request(hanging, { keepPlanFile: true }));
    if (!kept2.ok || !kept2.saved) throw new Error("expected a kept plan file");
    const hung = await runner.apply({ dir: hanging, binary: "terraform", workspace: "default", saved: kept2.saved, timeoutMs: 500, lockTimeout: "2m" });
    expect(hung).toMatchObject({ ok: false, timedOut: true });
    const pids = readFileSync(fake.pidFile, "utf8").trim().split("\n").map(Number);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    await Promise.all([kept.saved.release(), kept2.saved.release()]);
  });
});
