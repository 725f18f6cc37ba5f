import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createSandbox, terraformOk, type Sandbox } from "../support/sandbox.js";
import { runCli } from "../support/run-cli.js";

const probe = inject("realTerraform");

afterEach(() => vi.restoreAllMocks());

/** Built-in resources only: `terraform init` needs no provider, so this runs offline. */
const FILES = {
  "main.tf": `resource "terraform_data" "web" {
  input = "hello"
}

output "greeting" {
  value = terraform_data.web.output
}
`,
};

const ADVICE = "run `terraform plan -out=tfplan`, then `terraform show -json tfplan`";

/** `terraform show -json > plan.json` without a plan file prints the state: every command must refuse it, never report "no changes". */
describe.skipIf(!probe.available)("real terraform: a state is refused by every command that reads a plan", { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let empty = "";
  let state = "";
  let refreshOnly = "";

  beforeAll(async () => {
    sandbox = createSandbox("state-not-plan", FILES);
    const root = path.dirname(sandbox.dir);
    await terraformOk(sandbox, ["init", "-input=false"]);
    empty = path.join(root, "empty-state.json");
    writeFileSync(empty, (await terraformOk(sandbox, ["show", "-json"])).stdout);
    await terraformOk(sandbox, ["apply", "-auto-approve", "-input=false"]);
    state = path.join(root, "state.json");
    writeFileSync(state, (await terraformOk(sandbox, ["show", "-json"])).stdout);
    // nothing changed outside: a refresh-only plan with neither resource_changes nor resource_drift
    await terraformOk(sandbox, ["plan", "-refresh-only", "-input=false", "-out=refresh.tfplan"]);
    refreshOnly = path.join(root, "refresh-only.json");
    writeFileSync(refreshOnly, (await terraformOk(sandbox, ["show", "-json", "refresh.tfplan"])).stdout);
  }, 120_000);

  it.each([
    ["preview", (file: string) => ["preview", file]],
    ["drift", (file: string) => ["drift", "--plan-json", file]],
    ["codify", (file: string) => ["codify", "--dir", sandbox.dir, "--plan-json", file]],
    ["backport", (file: string) => ["backport", "--dir", sandbox.dir, "--plan-json", file, "--dry-run"]],
  ])("%s exits 1 on the state, naming the file and what to run instead", async (_command, argv) => {
    const { code, out, err } = await runCli(argv(state));
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(/state\.json is not usable plan JSON: \(document\): this is a state, not a plan: /);
    expect(err).toContain(ADVICE);
  });

  it("refuses the empty state (`show -json` before anything was applied) too", async () => {
    const { code, err } = await runCli(["drift", "--plan-json", empty]);
    expect(code).toBe(1);
    expect(err).toMatch(/empty-state\.json .*this is an empty state/);
  });

  it("still reads a refresh-only plan in which nothing drifted", async () => {
    const { code, out, err } = await runCli(["drift", "--plan-json", refreshOnly]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ items: [] });
  });
});
