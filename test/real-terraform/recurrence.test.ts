import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { loadHclParser } from "../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../src/adapters/hcl/toolchain.js";
import { validateConfig } from "../../src/config/validate.js";
import { parseMarker } from "../../src/core/backport/index.js";
import { classifyDrift } from "../../src/core/drift/items.js";
import { fingerprintOf, valueHashOf } from "../../src/core/drift/track.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { bundledTemplates } from "../../src/templates.js";
import { backportDrift, type BackportReport } from "../../src/usecases/backport-drift.js";
import { BOT, MemoryGitHub } from "../support/memory-github.js";
import { createSandbox, initAndApply, outOfBand, planWithRunner, terraformOk, type Sandbox, SANDBOX_PROVIDER_BLOCK } from "../support/sandbox.js";

const probe = inject("realTerraform");

const MAIN_TF = `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

resource "sandbox_security_group" "web" {
  name        = "web-sg"
  description = "web tier"

  ingress {
    description = "ssh from the office"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}
`;

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * Issue 14, seen 4, with real plans: SSH opened, its revert merged and applied, a scan that finds
 * no drift, the same rule opened again. The drift comes back with the same fingerprint and the
 * same live value (what made every later scan say "merged #1" before), and gets a new pull request.
 * GitHub is in memory; each scan runs backportDrift as the CLI does, with no dashboard.
 */
describe.skipIf(!probe.available)("real terraform: drift that comes back after its revert was merged and applied", { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  const github = new MemoryGitHub({ "prod/main.tf": MAIN_TF });
  const config = (() => {
    const result = validateConfig({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }] });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config;
  })();
  const scans: { hash?: string; report: BackportReport }[] = [];

  /** A real scan of the sandbox, then the backport step on the memory GitHub. */
  async function scan(): Promise<{ hash?: string; report: BackportReport }> {
    const planJson = await planWithRunner(sandbox);
    const items = classifyDrift(parsePlan(planJson), "prod").filter((i) => i.class === "actionable" || i.class === "deleted");
    const checkout = github.checkout();
    const report = await backportDrift(
      { host: github, terraform: sandbox.runner, toolchain: hclToolchain, loadParser: loadHclParser, templates: bundledTemplates(), logger, botLogin: BOT },
      { repo: { owner: "acme", repo: "infra" }, baseBranch: "main", baseSha: checkout.sha, checkoutDir: checkout.dir, config, items, scanned: ["prod"], remembered: [], reopen: [], firstSeen: new Map(), planExcerpts: new Map([["prod", planJson]]) },
    );
    const result = { hash: items.map((i) => `${fingerprintOf(i)}:${valueHashOf(i)}`).join(",") || undefined, report };
    scans.push(result);
    return result;
  }

  beforeAll(async () => {
    sandbox = createSandbox("recurrence", { "main.tf": MAIN_TF });
    await initAndApply(sandbox);
    const openSsh = () => outOfBand(sandbox, ["append", "sandbox_security_group", "web-sg", "ingress.0.cidr_blocks", "0.0.0.0/0"]);
    await openSsh(); // 1. SSH opened in the console
    await scan(); //    a revert pull request
    github.personMerges(1); // 2. merged
    await scan(); //    not applied yet: it waits
    await terraformOk(sandbox, ["apply", "-auto-approve", "-input=false"]); // 3. applied
    await scan(); //    no drift
    await scan(); //    still none
    await openSsh(); // 4. the same rule opened again
    await scan(); //    a new pull request
    await scan(); //    and nothing more
  }, 300_000);

  it("the drift comes back with the same fingerprint and the same live value", () => {
    expect(scans.map((s) => (s.hash === undefined ? "clean" : s.hash === scans[0]!.hash ? "same drift" : s.hash))).toEqual(["same drift", "same drift", "clean", "clean", "same drift", "same drift"]);
  });

  it("opens a revert, waits while it is merged but not applied, records the merge done once the drift is gone, and opens a new pull request when it returns", () => {
    expect(scans.map((s) => s.report.operations.map((o) => `${o.kind}${o.pr ? ` #${o.pr}` : ""}${o.error ? ` (${o.error})` : ""}`).join(", "))).toEqual([
      "open #1",
      "leave-alone #1",
      "",
      "",
      "open #2",
      "leave-alone #2",
    ]);
    expect(scans.map((s) => s.report.writes)).toEqual([expect.any(Number), 0, 1, 0, expect.any(Number), 0]);
    expect(parseMarker(github.prs.get(1)!.body)!.cleared).toHaveLength(1);
    expect(github.openPrs().map((pr) => [pr.number, pr.labels])).toEqual([[2, ["drift", "drift:revert"]]]);
    const record = [...github.filesOf(github.prs.get(2)!.branch)].find(([file]) => file.startsWith(".driftback/drift/prod/"))!;
    expect(record[1]).toContain("| Came back | after #1 was merged and a scan found it gone |");
    expect(readFileSync(path.join(sandbox.dir, "main.tf"), "utf8")).toBe(MAIN_TF);
  });
});
