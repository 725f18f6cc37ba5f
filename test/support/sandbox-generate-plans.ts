/**
 * Regenerates test/fixtures/real-plans/ with the real terraform and the sandbox provider:
 *
 *   npx tsx test/support/sandbox-generate-plans.ts
 *
 * Each plan comes from the workspaces in sandbox-workspaces.ts, applied, changed out of band
 * with the sandbox console, then planned by the project's own runner (refresh-only plans by
 * plain terraform, which the runner does not do).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CODIFY_CASES, CODIFY_WORKSPACE, REFUSAL_CASES, REFUSAL_WORKSPACE, type WorkspaceSpec } from "./sandbox-workspaces.js";
import { createSandbox, initAndApply, outOfBand, planWithRunner, probeRealTerraform, REPO_ROOT, terraformOk, type ConsoleCommand, type Sandbox } from "./sandbox.js";

export const REAL_PLANS_DIR = path.join(REPO_ROOT, "test", "fixtures", "real-plans");

async function driftedSandbox(name: string, spec: WorkspaceSpec, changes: ConsoleCommand[]): Promise<Sandbox> {
  const sandbox = createSandbox(name, spec.files);
  await initAndApply(sandbox, spec.varFiles);
  for (const change of changes) await outOfBand(sandbox, change);
  return sandbox;
}

/** Pretty JSON without this machine's paths (there should be none; this proves it). */
function fixtureText(json: string, sandbox: Sandbox): string {
  const text = `${JSON.stringify(JSON.parse(json), null, 1)}\n`;
  const root = path.dirname(sandbox.dir);
  if (text.includes(root) || text.includes(REPO_ROOT)) throw new Error("the plan holds an absolute path of this machine; scrub it before keeping it as a fixture");
  return text;
}

async function main(): Promise<void> {
  const probe = await probeRealTerraform();
  if (!probe.available) {
    process.stderr.write(`cannot regenerate the real plans: ${probe.reason}\n`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(REAL_PLANS_DIR, { recursive: true });
  const write = (file: string, text: string) => {
    writeFileSync(path.join(REAL_PLANS_DIR, file), text);
    process.stdout.write(`wrote test/fixtures/real-plans/${file}\n`);
  };

  const codify = await driftedSandbox("gen-codify", CODIFY_WORKSPACE, CODIFY_CASES.flatMap((c) => c.changes));
  write("codify-drift.json", fixtureText(await planWithRunner(codify, CODIFY_WORKSPACE.varFiles), codify));
  const varFileArgs = CODIFY_WORKSPACE.varFiles.map((f) => `-var-file=${f}`);
  await terraformOk(codify, ["plan", "-refresh-only", "-input=false", "-out=refresh.tfplan", ...varFileArgs], [0, 2]);
  write("codify-refresh-only.json", fixtureText((await terraformOk(codify, ["show", "-json", "refresh.tfplan"])).stdout, codify));

  const refusals = await driftedSandbox("gen-refusals", REFUSAL_WORKSPACE, REFUSAL_CASES.flatMap((c) => c.changes));
  write("refusals-drift.json", fixtureText(await planWithRunner(refusals, REFUSAL_WORKSPACE.varFiles), refusals));
  process.stdout.write(`terraform ${probe.version}\n`);
}

await main();
