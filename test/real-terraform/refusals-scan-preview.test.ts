import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { codifyWrite, type CodifyRun } from "../support/codify-run.js";
import { createSandbox, initAndApply, outOfBand, planWithRunner, sandboxCliEnv, type Sandbox } from "../support/sandbox.js";
import { runCli } from "../support/run-cli.js";

/** `driftback ...` as a user runs it, with the sandbox's terraform settings in the environment. */
const cli = (sandbox: Sandbox, args: string[]) => runCli(args, sandboxCliEnv(sandbox));
import { REFUSAL_CASES, REFUSAL_WORKSPACE, SANDBOX_DB_PASSWORD, SANDBOX_DB_PASSWORD_CHANGED } from "../support/sandbox-workspaces.js";

const probe = inject("realTerraform");

afterEach(() => vi.restoreAllMocks());

/** Drift codify must refuse, a scan of real drift, and the preview of a real plan holding a changed password. */
describe.skipIf(!probe.available)("real terraform: refusals, scan --dir and the preview of real drift", { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let planFile: string;
  let run: CodifyRun;

  beforeAll(async () => {
    sandbox = createSandbox("refusals", REFUSAL_WORKSPACE.files);
    await initAndApply(sandbox);
    for (const c of REFUSAL_CASES) for (const change of c.changes) await outOfBand(sandbox, change);
    planFile = path.join(path.dirname(sandbox.dir), "drift-plan.json");
    writeFileSync(planFile, await planWithRunner(sandbox));
    run = await codifyWrite(sandbox.dir, planFile, []);
  }, 240_000);

  it.each(REFUSAL_CASES)("refuses $name and leaves every file byte-identical", (c) => {
    const result = run.results.find((r) => r.address === c.address && r.path === c.path);
    expect(result, JSON.stringify(run.results, null, 1)).toMatchObject({ status: "refused" });
    expect(result?.status === "refused" && result.reason).toMatch(c.reason);
    expect([...run.after.keys()]).toEqual([...run.before.keys()]);
    for (const [file, bytes] of run.before) expect(run.after.get(file)?.equals(bytes), file).toBe(true);
  });

  it("codifies nothing at all in that workspace", () => {
    expect(run.results.filter((r) => r.status === "codified")).toEqual([]);
    expect(run.results.length).toBeGreaterThanOrEqual(REFUSAL_CASES.length);
  });

  it("runs the project's runner with a real plugin cache and its own TF_DATA_DIR, leaving no scratch behind", () => {
    const root = path.dirname(sandbox.dir);
    const cached = path.join(root, "plugin-cache", "local", "slot-0", "example.com", "driftback", "sandbox", "0.1.0");
    expect(existsSync(cached), cached).toBe(true);
    expect(readdirSync(path.join(root, "scratch"))).toEqual([]);
  });

  it("driftback scan --dir finds the real drift and never prints the password, old or new", async () => {
    const { code, out, err } = await cli(sandbox, ["scan", "--dir", sandbox.dir, "--workspace", "sandbox", "--format", "json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const items = (JSON.parse(out) as { items: { address: string; path: string; class: string; sensitive: boolean; before: unknown; after: unknown }[] }).items;
    const drift = items.map((i) => `${i.address} ${i.path} ${i.class}`);
    expect(drift).toEqual(expect.arrayContaining(["sandbox_deployment.counted[0] replicas actionable", "sandbox_deployment.interp image actionable", "sandbox_db.orders password actionable"]));
    expect(items.find((i) => i.path === "password")).toMatchObject({ sensitive: true });
    for (const secret of [SANDBOX_DB_PASSWORD, SANDBOX_DB_PASSWORD_CHANGED]) expect(out + err).not.toContain(secret);
  });

  it("driftback preview shows the drift the plan sets back, though relevant_attributes names none of it, and never the password", async () => {
    const { code, out, err } = await cli(sandbox, ["preview", planFile, "--workspace", "sandbox"]);
    expect(code).toBe(0);
    expect(out).toMatch(/3 resources were changed outside of Terraform/);
    expect(out).toContain("<code>sandbox_db.orders</code> was changed outside of Terraform");
    expect(out).toContain("password = (sensitive value)");
    for (const secret of [SANDBOX_DB_PASSWORD, SANDBOX_DB_PASSWORD_CHANGED]) expect(out + err).not.toContain(secret);
  });
});
