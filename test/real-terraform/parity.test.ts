import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { SERVICE_REPO_FILES, SERVICE_REPO_WORKSPACES } from "../support/service-repo.js";
import { applyAll, change, createSandboxRepo, scanPlan, type SandboxRepo } from "../support/sandbox-repo.js";

const probe = inject("realTerraform");

const FILES = SERVICE_REPO_FILES;
const WORKSPACES = SERVICE_REPO_WORKSPACES;

interface ParityJson {
  groups: {
    name: string;
    members: string[];
    differences: { kind: string; resource: string; attribute: string; values: Record<string, unknown>; cause?: string; drift?: { member: string }[] }[];
    versions: { kind: string; name: string; values: Record<string, string | null> }[];
    unknown: { member: string; reason: string }[];
  }[];
}

/**
 * Issue 16 with real terraform: prod-eu's DB_TIMEOUT was raised during an incident (outside terraform), prod-us runs
 * 4 replicas by its tfvars. `driftback parity` over the three real plans shows the first as live drift in prod-eu,
 * the second as a declared difference and a live one caused by code, and staging's newer required_version.
 */
describe.skipIf(!probe.available)("real terraform: parity of three environments calling one module", { timeout: 600_000 }, () => {
  let repo: SandboxRepo;
  let report: ParityJson;
  let code: number;

  beforeAll(async () => {
    repo = createSandboxRepo("parity", FILES, WORKSPACES);
    await applyAll(repo);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.DB_TIMEOUT", "60s"]);
    const args = ["parity", "--dir", repo.dir, "--format", "json", "--detailed-exitcode"];
    for (const workspace of Object.keys(WORKSPACES)) {
      const file = path.join(repo.dir, `${workspace}.plan.json`);
      writeFileSync(file, await scanPlan(repo, workspace));
      args.push("--plan-json", `${workspace}=${file}`);
    }
    const run = await runCli(args);
    expect(run.err).toBe("");
    code = run.code;
    report = JSON.parse(run.out) as ParityJson;
  }, 600_000);

  it("finds one group, named after the module, with the three environments", () => {
    expect(report.groups.map((g) => [g.name, g.members])).toEqual([["modules/service", ["staging", "prod-us", "prod-eu"]]]);
    expect(report.groups[0]!.unknown).toEqual([]);
    expect(code).toBe(2);
  });

  it("prod-eu's timeout raised outside terraform is a live difference caused by drift, in prod-eu", () => {
    const timeout = report.groups[0]!.differences.filter((d) => d.attribute === "env.DB_TIMEOUT");
    expect(timeout).toEqual([
      expect.objectContaining({ kind: "live", resource: "sandbox_deployment.app", cause: "drift", values: { staging: { value: "10s" }, "prod-us": { value: "10s" }, "prod-eu": { value: "60s" } }, drift: [expect.objectContaining({ member: "prod-eu" })] }),
    ]);
  });

  it("prod-us's replicas from its tfvars: declared (the module input) and live, caused by code", () => {
    const differences = report.groups[0]!.differences;
    expect(differences).toContainEqual(expect.objectContaining({ kind: "declared", resource: "module.shop", attribute: "replicas", values: { staging: { value: 2 }, "prod-us": { value: 4 }, "prod-eu": { value: 2 } } }));
    expect(differences).toContainEqual(expect.objectContaining({ kind: "live", resource: "sandbox_deployment.app", attribute: "replicas", cause: "code" }));
  });

  it("names differ by design and are not listed; nothing else differs", () => {
    const listed = report.groups[0]!.differences.map((d) => `${d.kind} ${d.resource} ${d.attribute}`).sort();
    expect(listed).toEqual(["declared module.shop replicas", "live sandbox_deployment.app env.DB_TIMEOUT", "live sandbox_deployment.app replicas"]);
  });

  it("staging's newer required_version is version drift", () => {
    expect(report.groups[0]!.versions).toContainEqual({ kind: "terraform", name: "required_version", values: expect.objectContaining({ staging: ">= 1.6", "prod-us": ">= 1.5", "prod-eu": ">= 1.5" }) });
  });
});
