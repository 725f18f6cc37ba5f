import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";
import type { PlannedDrift } from "../../src/core/backport/index.js";
import { classifyDrift } from "../../src/core/drift/items.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { Masker } from "../../src/core/render/mask.js";
import { RepoView } from "../../src/core/repo/view.js";
import type { PlanOutcome, PlanRequest, TerraformRunner } from "../../src/ports.js";
import { verifyCodify } from "../../src/usecases/backport-verify.js";
import { planForStorage, replacedValuesIn } from "../../src/core/plan/stored-plan.js";

/**
 * verifyCodify for the whole repository (issue 14, must 3), against a runner that answers by where
 * it plans: the edited copy (driftback-verify-*), a base copy (driftback-base-*), each workspace.
 */

const change = (address: string, actions: string[], before: object | null, after: object | null) => ({
  address,
  mode: "managed",
  type: "x_app",
  name: address.split(".").at(-1),
  ...(address.startsWith("module.") ? { module_address: "module.app" } : {}),
  provider_name: "registry.terraform.io/x/x",
  change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
});
const plan = (changes: object[], drift: object[] = [], refreshOnly = false) =>
  JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", planned_values: {}, ...(refreshOnly ? {} : { resource_changes: changes }), resource_drift: drift });

const recorded = { size: "s" };
const live = { size: "l" };
const DRIFTED = plan([change("module.app.x_app.a", ["update"], live, recorded)], [change("module.app.x_app.a", ["update"], recorded, live)]);
const QUIET = plan([change("module.app.x_app.a", ["no-op"], recorded, recorded)]);

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verify-repo-"));
  for (const env of ["prod", "staging"]) {
    mkdirSync(path.join(dir, "envs", env), { recursive: true });
    writeFileSync(path.join(dir, "envs", env, "main.tf"), 'module "app" {\n  source = "../../modules/app"\n}\n');
  }
  mkdirSync(path.join(dir, "modules/app"), { recursive: true });
  writeFileSync(path.join(dir, "modules/app/main.tf"), 'resource "x_app" "a" {\n  size = "s"\n}\n');
  const validated = validateConfig({ workspaces: [{ name: "prod", dir: "envs/prod" }, { name: "staging", dir: "envs/staging" }] });
  if (!validated.ok) throw new Error("config");
  const config = validated.config;
  const calls = new Map([
    ["envs/prod", [{ name: "app", source: "../../modules/app", dir: "modules/app", repeated: false }]],
    ["envs/staging", [{ name: "app", source: "../../modules/app", dir: "modules/app", repeated: false }]],
    ["modules/app", []],
  ]);
  const view = new RepoView({ calls }, config.workspaces.map((w) => ({ name: w.name, dir: w.dir, varFiles: w.var_files })));
  const items: PlannedDrift[] = classifyDrift(parsePlan(DRIFTED), "prod").map((item) => ({ item, fingerprint: fingerprintOf(item), valueHash: "", secret: false, decision: { action: "codify" } as PlannedDrift["decision"] }));
  return { dir, config, view, items };
}

/** A runner answering per (copy, workspace): a plan JSON, or a failure. */
function runner(answer: (copy: "verify" | "base" | "checkout", workspace: string) => string | { fail: string; timedOut?: boolean }): TerraformRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    plan: async (request: PlanRequest): Promise<PlanOutcome> => {
      const copy = request.dir.includes("driftback-verify-") ? "verify" : request.dir.includes("driftback-base-") ? "base" : "checkout";
      const workspace = path.basename(request.dir);
      calls.push(`${copy}:${workspace}`);
      const out = answer(copy, workspace);
      if (typeof out === "string") return { ok: true, planJson: out };
      return { ok: false, stage: "plan", message: out.fail, output: `Error: ${out.fail}\n`, timedOut: out.timedOut === true, cancelled: false };
    },
  };
}

const run = (terraform: TerraformRunner, basePlans?: Map<string, string>) => {
  const { dir, config, view, items } = setup();
  return verifyCodify(
    { terraform, masker: new Masker(config.mask) },
    { config, workspace: config.workspaces[0]!, checkoutDir: dir, files: new Map([["envs/prod/main.tf", "# edited\n"], ["modules/app/main.tf", "# edited\n"]]), items, view, ...(basePlans ? { basePlans } : {}), filesOf: new Map(items.map((i) => [i.fingerprint, ["envs/prod/main.tf", "modules/app/main.tf"]])) },
  );
};

describe("verifyCodify for the whole repository", () => {
  it("plans every workspace that loads an edited file, with its scan plan as the base, and keeps a codify that changes nothing else", async () => {
    const terraform = runner((copy, workspace) => (workspace === "prod" && copy === "checkout" ? DRIFTED : QUIET));
    const result = await run(terraform, new Map([["prod", DRIFTED], ["staging", QUIET]]));
    expect(result).toMatchObject({ ok: true, verified: ["prod", "staging"] });
    expect(result.ok && result.sideEffects.size + result.stillChanges.size).toBe(0);
    expect(terraform.calls.sort()).toEqual(["verify:prod", "verify:staging"]);
  });

  it("plans the base in this run for a workspace without a scan plan, or whose plan is refresh-only", async () => {
    const terraform = runner((copy, workspace) => (workspace === "prod" && copy === "base" ? DRIFTED : QUIET));
    const result = await run(terraform, new Map([["prod", plan([], [], true)]]));
    expect(result).toMatchObject({ ok: true });
    expect(terraform.calls.sort()).toEqual(["base:prod", "base:staging", "verify:prod", "verify:staging"]);
  });

  it("plans the base afresh for a kept scan plan whose sensitive values were replaced (issue 15, 4.3), and uses one with none replaced", async () => {
    const secretChange = { ...change("module.app.x_app.a", ["update"], { ...live, password: "pw" }, { ...recorded, password: "pw" }) };
    secretChange.change = { ...secretChange.change, before_sensitive: { password: true }, after_sensitive: { password: true } } as typeof secretChange.change;
    const withSecret = planForStorage(plan([secretChange], [change("module.app.x_app.a", ["update"], recorded, live)]), new Masker());
    const withoutSecret = planForStorage(QUIET, new Masker());
    expect(replacedValuesIn(withSecret)).toBeGreaterThan(0);
    const terraform = runner((copy, workspace) => (workspace === "prod" && copy === "base" ? DRIFTED : QUIET));
    const result = await run(terraform, new Map([["prod", withSecret], ["staging", withoutSecret]]));
    expect(result).toMatchObject({ ok: true });
    expect(terraform.calls.sort()).toEqual(["base:prod", "verify:prod", "verify:staging"]);
  });

  it("rejects the codify, naming the workspace and the resource, when another workspace would change", async () => {
    const staging = plan([change("module.app.x_app.a", ["update"], recorded, live)]);
    const result = await run(runner((copy, workspace) => (workspace === "staging" && copy === "verify" ? staging : QUIET)), new Map([["prod", DRIFTED], ["staging", QUIET]]));
    expect(result.ok && [...result.sideEffects.values()]).toEqual([expect.stringContaining("applying the edit would also change `staging`: `module.app.x_app.a` would now change (size)")]);
  });

  it("rejects the codify when a plan fails only with the edit (a plan of the same commit without it succeeds now)", async () => {
    const terraform = runner((copy, workspace) => (copy === "verify" && workspace === "staging" ? { fail: "Unsupported argument" } : QUIET));
    const result = await run(terraform, new Map([["prod", DRIFTED], ["staging", QUIET]]));
    expect(result.ok && [...result.sideEffects.values()]).toEqual([expect.stringContaining("the plan of `staging` fails with the edit (it plans without it)")]);
    expect(terraform.calls).toContain("base:staging");
  });

  it("fails (retried next scan) when the workspace cannot be planned without the edit either, or the plan timed out", async () => {
    const broken = await run(runner(() => ({ fail: "Invalid provider configuration" })), new Map([["prod", DRIFTED], ["staging", QUIET]]));
    expect(broken).toEqual({ ok: false, reason: expect.stringContaining("Invalid provider configuration") });
    const slow = await run(runner((copy) => (copy === "verify" ? { fail: "ran past plan.timeout", timedOut: true } : QUIET)), new Map([["prod", DRIFTED], ["staging", QUIET]]));
    expect(slow).toEqual({ ok: false, reason: expect.stringContaining("ran past plan.timeout") });
  });
});
