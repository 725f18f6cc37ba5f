import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { caseProblems, codifyWrite, unexpectedLines, type CodifyRun } from "../support/codify-run.js";
import { createSandbox, initAndApply, outOfBand, planWithRunner, verificationPlan, type PlanJson } from "../support/sandbox.js";
import { CODIFY_CASES, CODIFY_WORKSPACE } from "../support/sandbox-workspaces.js";

const probe = inject("realTerraform");

/**
 * The only proof that a codify is right: after `codify --write`, a real `terraform plan
 * -detailed-exitcode` proposes nothing. One workspace holds every case's resources, so the
 * whole group costs one init, one apply, one drift plan and one verification plan.
 */
describe.skipIf(!probe.available)("real terraform: codify --write, then a real plan proposes nothing", { timeout: 60_000 }, () => {
  let driftPlan: PlanJson;
  let run: CodifyRun;
  let verify: { exitCode: number | undefined; json: PlanJson; output: string };

  beforeAll(async () => {
    // 1. The code is applied: the sandbox cloud holds what it says.
    const sandbox = createSandbox("codify", CODIFY_WORKSPACE.files);
    await initAndApply(sandbox, CODIFY_WORKSPACE.varFiles);
    // 2. Out-of-band changes with the console; cases touch different objects, so they run side by side.
    await Promise.all(CODIFY_CASES.map(async (c) => {
      for (const change of c.changes) await outOfBand(sandbox, change);
    }));
    // 3. The project's runner plans the drift; codify writes it back into the code.
    const planJson = await planWithRunner(sandbox, CODIFY_WORKSPACE.varFiles);
    driftPlan = JSON.parse(planJson) as PlanJson;
    const planFile = path.join(path.dirname(sandbox.dir), "drift-plan.json");
    writeFileSync(planFile, planJson);
    run = await codifyWrite(sandbox.dir, planFile, CODIFY_WORKSPACE.varFiles);
    // 4. A real plan of the edited code.
    verify = await verificationPlan(sandbox, CODIFY_WORKSPACE.varFiles);
  }, 240_000);

  it("plans real drift through the project's runner, with relevant_attributes null for all of it", () => {
    const drifted = (driftPlan.resource_drift ?? []).map((d) => d.address);
    expect(drifted).toEqual(expect.arrayContaining(CODIFY_CASES.flatMap((c) => c.addresses.filter((a) => !a.includes('["alpha"]')))));
    expect(driftPlan.relevant_attributes ?? null).toBeNull();
  });

  it("exits 0 on the real plan after codify --write: nothing left to change", () => {
    const changing = (verify.json.resource_changes ?? []).filter((r) => r.change.actions.join() !== "no-op").map((r) => `${r.address}: ${r.change.actions.join("+")}`);
    expect(changing, verify.output.slice(-3000)).toEqual([]);
    expect(verify.exitCode).toBe(0);
  });

  it.each(CODIFY_CASES)("codifies $name: only the expected lines change, and the real plan leaves it alone", (c) => {
    expect(caseProblems(run, c)).toEqual([]);
    for (const address of c.addresses) {
      const change = (verify.json.resource_changes ?? []).find((r) => r.address === address);
      expect(change?.change.actions, address).toEqual(["no-op"]);
    }
  });

  it("changes no other line of any file", () => {
    expect(unexpectedLines(run, CODIFY_CASES)).toEqual([]);
  });

  it("never writes tags_all (computed from default_tags and tags): its echo of the tags drift is noise, not a target", () => {
    for (const [file, bytes] of run.after) expect(String(bytes), file).not.toMatch(/tags_all/);
    expect(run.results.filter((r) => r.path.startsWith("tags_all"))).toEqual([]);
    expect(run.results.filter((r) => r.path.startsWith("tags.")).every((r) => r.status === "codified")).toBe(true);
  });
});
