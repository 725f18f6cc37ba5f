import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { caseProblems, codifyWrite, unexpectedLines, type CodifyRun } from "../../support/codify-run.js";
import { writeFiles } from "../../support/sandbox.js";
import { CODIFY_CASES, CODIFY_WORKSPACE, REFUSAL_CASES, REFUSAL_WORKSPACE, type WorkspaceSpec } from "../../support/sandbox-workspaces.js";

/**
 * The real-terraform suite's codify cases on the plans real terraform produced for them
 * (test/fixtures/real-plans/): the same edits without a terraform binary, in a second.
 */
const realPlan = (file: string) => fileURLToPath(new URL(`../../fixtures/real-plans/${file}`, import.meta.url));

async function codifyFixture(spec: WorkspaceSpec, plan: string): Promise<CodifyRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codify-real-plan-"));
  writeFiles(dir, spec.files);
  return codifyWrite(dir, realPlan(plan), spec.varFiles);
}

describe("codify on a real drift plan (relevant_attributes: null)", () => {
  let run: CodifyRun;
  beforeAll(async () => {
    run = await codifyFixture(CODIFY_WORKSPACE, "codify-drift.json");
  });

  it.each(CODIFY_CASES)("codifies $name with only the expected lines", (c) => {
    expect(caseProblems(run, c)).toEqual([]);
  });

  it("changes no other line of any file", () => {
    expect(unexpectedLines(run, CODIFY_CASES)).toEqual([]);
  });

  it("never targets tags_all (its echo of the tags drift is noise) and never writes it", () => {
    expect(run.results.filter((r) => r.path.startsWith("tags_all"))).toEqual([]);
    expect(run.results.filter((r) => r.path.startsWith("tags.")).map((r) => r.status)).toEqual(["codified", "codified"]);
    for (const [file, bytes] of run.after) expect(String(bytes), file).not.toContain("tags_all");
  });

  it("codifies the rule that moved in the set with one edit, not one per attribute", () => {
    expect(run.results.filter((r) => r.address === "sandbox_security_group.admin").map((r) => [r.path, r.status])).toEqual([["ingress[0].cidr_blocks", "codified"]]);
  });
});

describe("codify on a real refresh-only plan", () => {
  it("edits what the code sets, and refuses to add attributes without a planned change as evidence", async () => {
    const run = await codifyFixture(CODIFY_WORKSPACE, "codify-refresh-only.json");
    const status = (address: string, attribute: string) => run.results.find((r) => r.address === address && r.path === attribute);
    expect(status("sandbox_deployment.literals", "replicas")).toMatchObject({ status: "codified" });
    expect(status("sandbox_deployment.optional", "memory")).toMatchObject({ status: "refused", reason: expect.stringMatching(/does not show terraform setting it back/) });
    expect(status("sandbox_instance.monitor", "monitoring")).toMatchObject({ status: "refused" });
  });
});

describe("codify on a real plan it must refuse", () => {
  it.each(REFUSAL_CASES)("refuses $name, and no file changes by a byte", async (c) => {
    const run = await codifyFixture(REFUSAL_WORKSPACE, "refusals-drift.json");
    const result = run.results.find((r) => r.address === c.address && r.path === c.path);
    expect(result?.status === "refused" && result.reason).toMatch(c.reason);
    expect(run.after).toEqual(run.before);
  });
});
