import { readFileSync } from "node:fs";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { noMetrics } from "../../src/adapters/metrics.js";
import { validateConfig } from "../../src/config/validate.js";
import { decodeState } from "../../src/core/drift/state.js";
import type { DashboardIssue, DriftHost, PlanOutcome, TerraformRunner } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import { scanRepository, type ScanDeps } from "../../src/usecases/scan-drift.js";
import { describeShared, readSharedPlan } from "../support/shared.js";

class MemoryHost implements DriftHost {
  issue: DashboardIssue | undefined;
  writes = 0;
  async findDashboard() {
    return this.issue;
  }
  async createDashboard(_repo: unknown, _title: string, body: string) {
    this.writes++;
    this.issue = { number: 1, body };
    return 1;
  }
  async updateDashboard(_repo: unknown, _n: number, body: string) {
    this.writes++;
    this.issue = { number: 1, body };
  }
}

/** A runner that answers from a table, so each case says exactly what terraform did. */
function runner(outcomes: Record<string, PlanOutcome>): TerraformRunner {
  return { plan: async (request) => outcomes[request.dir.split("/").pop()!]! };
}

const config = validateConfig({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }, { name: "dev", dir: "dev" }] });
if (!config.ok) throw new Error("test config invalid");
const target = { owner: "acme", repo: "infra", cloneUrl: "file:///unused", defaultBranch: "main" };

function deps(host: DriftHost, terraform: TerraformRunner): ScanDeps {
  return {
    host,
    source: { checkoutBranch: async () => ({ dir: "/checkout", sha: "abc", cleanup: async () => {} }) },
    terraform,
    templates: bundledTemplates(),
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    metrics: noMetrics,
    planLimit: pLimit(2),
    today: () => "2026-11-22",
  };
}

describeShared("scanRepository with real drift plans", () => {
  const drift: PlanOutcome = { ok: true, planJson: readSharedPlan("tofu-eq-drift-simple.json") };
  const clean: PlanOutcome = { ok: true, planJson: readSharedPlan("tfjson-no-changes-tf0.12.11.json") };

  it("reports bad input per workspace with its reason and keeps the drift it knew", async () => {
    const host = new MemoryHost();
    await scanRepository(deps(host, runner({ prod: drift, dev: clean })), target, config.config);
    expect(Object.keys(decodeState(host.issue!.body).state.items)).toHaveLength(1);

    const cases: [string, PlanOutcome, RegExp][] = [
      ["malformed JSON", { ok: true, planJson: "{ not json" }, /the plan JSON is not usable: \(document\): not valid JSON/],
      ["a state instead of a plan (never an empty plan: a false all-clear)", { ok: true, planJson: readFileSync(new URL("../fixtures/states/show-json-state-tf1.11.json", import.meta.url), "utf8") }, /the plan JSON is not usable: \(document\): this is a state, not a plan/],
      ["terraform missing", { ok: false, stage: "init", message: "could not start `terraform`: spawn terraform ENOENT. Is it installed and on PATH?", output: "", timedOut: false, cancelled: false }, /could not start `terraform`/],
      ["a timeout", { ok: false, stage: "plan", message: "`terraform plan` ran past the configured plan.timeout and was stopped", output: "", timedOut: true, cancelled: false }, /ran past the configured plan.timeout/],
      ["a held state lock", { ok: false, stage: "plan", message: "`terraform plan` exited with code 1", output: "╷\n│ Error: Error acquiring the state lock\n│\n│ Lock Info:\n╵\n", timedOut: false, cancelled: false }, /exited with code 1: Error: Error acquiring the state lock/],
    ];
    for (const [name, outcome, reason] of cases) {
      const report = await scanRepository(deps(host, runner({ prod: outcome, dev: clean })), target, config.config);
      const prod = report.scans.find((s) => s.workspace === "prod")!;
      expect(prod.ok, name).toBe(false);
      if (!prod.ok) expect(prod.error, name).toMatch(reason);
      expect(Object.keys(decodeState(host.issue!.body).state.items), `${name}: known drift kept`).toHaveLength(1);
      expect(report.scans.find((s) => s.workspace === "dev")!.ok, `${name}: the other workspace still scanned`).toBe(true);
    }
  });

  it("does not open a dashboard when there is no drift", async () => {
    const host = new MemoryHost();
    const report = await scanRepository(deps(host, runner({ prod: clean, dev: clean })), target, config.config);
    expect(report.dashboard).toBeUndefined();
    expect(host.writes).toBe(0);
  });

  it("classifies a refresh-only plan as far as its data goes", async () => {
    const host = new MemoryHost();
    const refreshOnly: PlanOutcome = { ok: true, planJson: readSharedPlan("tofu-eq-drift-refresh-only.json") };
    const report = await scanRepository(deps(host, runner({ prod: refreshOnly, dev: clean })), target, config.config);
    expect(report.items.filter((i) => i.class === "actionable").map((i) => i.pathText)).toEqual(["string"]);
  });
});
