import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";
import { Masker } from "../../src/core/render/mask.js";
import type { TerraformRunner } from "../../src/ports.js";
import type { AlignExpectation } from "../../src/usecases/align.js";
import { verifyAlignment } from "../../src/usecases/align-verify.js";

const CONFIG = `workspaces:
  - name: staging
    dir: envs/staging
  - name: prod-us
    dir: envs/prod-us
`;

/** Plans whatever `plan.json` the planned dir holds: the test writes the base plan into the checkout and the edited one as an "edit". */
const runner: TerraformRunner = { plan: async (request) => ({ ok: true, planJson: readFileSync(path.join(request.dir, "plan.json"), "utf8") }) };

type App = { replicas: number; image: string };
const app = (over: Partial<App> = {}): App => ({ replicas: 4, image: "shop:1.0", ...over });

function plan(before: App, after: App, outputs: Record<string, unknown> = {}): string {
  const same = JSON.stringify(before) === JSON.stringify(after);
  return JSON.stringify({
    format_version: "1.2",
    resource_changes: [
      {
        address: "module.shop.sandbox_deployment.app",
        module_address: "module.shop",
        mode: "managed",
        type: "sandbox_deployment",
        name: "app",
        provider_name: "example.com/driftback/sandbox",
        change: { actions: [same ? "no-op" : "update"], before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
      },
    ],
    output_changes: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { actions: ["update"], before: null, after: value, after_unknown: false }])),
    errored: false,
  });
}

function checkout(): { dir: string; config: ReturnType<typeof configOf> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-align-verify-"));
  for (const [file, text] of Object.entries({ "envs/staging/plan.json": plan(app({ replicas: 2 }), app({ replicas: 2 })), "envs/prod-us/plan.json": plan(app(), app()) })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return { dir, config: configOf() };
}

function configOf() {
  const result = validateConfig(parseYaml(CONFIG));
  if (!result.ok) throw new Error("config");
  return result.config;
}

const PROD_US: AlignExpectation = { member: "prod-us", workspace: "prod-us", kind: "attribute", address: "module.shop.sandbox_deployment.app", path: ["replicas"], value: 2 };

async function verify(edits: Record<string, string>, expectations: AlignExpectation[] = [PROD_US], readers: string[] = ["prod-us"]) {
  const { dir, config } = checkout();
  return verifyAlignment({ terraform: runner, masker: new Masker() }, { config, checkoutDir: dir, files: new Map(Object.entries(edits)), expectations, readers });
}

describe("verifyAlignment (issue 16 §6)", () => {
  it("passes when the aligned member plans exactly the aligned value, nothing else", async () => {
    expect(await verify({ "envs/prod-us/plan.json": plan(app(), app({ replicas: 2 })) })).toEqual({ ok: true, verified: ["prod-us"], problems: [] });
  });

  it("fails when the aligned member would change something else too", async () => {
    const result = await verify({ "envs/prod-us/plan.json": plan(app(), app({ replicas: 2, image: "shop:2.0" })) });
    expect(result).toEqual({ ok: true, verified: ["prod-us"], problems: [{ workspace: "prod-us", problem: expect.stringMatching(/would change more than the aligned value: `module.shop.sandbox_deployment.app` .*image/) }] });
  });

  it("fails when the member plans another value than the aligned one", async () => {
    const result = await verify({ "envs/prod-us/plan.json": plan(app(), app({ replicas: 3 })) });
    expect(result.ok && result.problems.map((p) => p.problem)).toEqual([expect.stringContaining("the plan makes it something other than the aligned value")]);
  });

  it("fails when another workspace loading an edited file would plan something new, outputs included", async () => {
    const edits = { "envs/prod-us/plan.json": plan(app(), app({ replicas: 2 })), "envs/staging/plan.json": plan(app({ replicas: 2 }), app({ replicas: 2 }), { url: "x" }) };
    const result = await verify(edits, [PROD_US], ["prod-us", "staging"]);
    expect(result).toEqual({ ok: true, verified: ["prod-us", "staging"], problems: [{ workspace: "staging", problem: expect.stringContaining("applying the edits would change it too: `output.url`") }] });
  });

  it("a module input's member may change anything inside its instance, nothing outside", async () => {
    const input: AlignExpectation = { member: "prod-us", workspace: "prod-us", kind: "input", instance: "module.shop" };
    expect(await verify({ "envs/prod-us/plan.json": plan(app(), app({ replicas: 2, image: "shop:2.0" })) }, [input])).toEqual({ ok: true, verified: ["prod-us"], problems: [] });
    const outside: AlignExpectation = { ...input, instance: "module.other" };
    const result = await verify({ "envs/prod-us/plan.json": plan(app(), app({ replicas: 2 })) }, [outside]);
    expect(result.ok && result.problems).toHaveLength(1);
  });

  it("a base plan that cannot be made says so instead of judging the edit", async () => {
    const { dir, config } = checkout();
    const failing: TerraformRunner = { plan: async () => ({ ok: false, stage: "plan", message: "terraform plan failed", output: "Error: boom", timedOut: false, cancelled: false }) };
    const result = await verifyAlignment({ terraform: failing, masker: new Masker() }, { config, checkoutDir: dir, files: new Map(), expectations: [PROD_US], readers: [] });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("the base plan of prod-us failed: terraform plan failed") });
  });
});
