import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { noMetrics } from "../../src/adapters/metrics.js";
import { validateConfig } from "../../src/config/validate.js";
import { decodeState } from "../../src/core/drift/state.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { BreakGlassDeclaration } from "../../src/core/incidents/types.js";
import type { DashboardIssue, DriftHost, PlanOutcome, TerraformRunner } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import type { BackportInput, BackportReport } from "../../src/usecases/backport-drift.js";
import { lookUpIncidents } from "../../src/usecases/backport-incidents.js";
import { scanRepository, type ScanDeps } from "../../src/usecases/scan-drift.js";
import { Masker } from "../../src/core/render/mask.js";

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** One resource whose instance_type drifted and that apply would set back. */
function driftPlan(address: string, recorded: string, live: string): string {
  const [type, name] = address.split(".");
  const change = (before: string, after: string) => ({ actions: ["update"], before: { instance_type: before }, after: { instance_type: after }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} });
  return JSON.stringify({ format_version: "1.2", resource_drift: [{ address, mode: "managed", type, name, change: change(recorded, live) }], resource_changes: [{ address, mode: "managed", type, name, change: change(live, recorded) }] });
}
const clean = JSON.stringify({ format_version: "1.2", resource_changes: [] });
const ok = (planJson: string): PlanOutcome => ({ ok: true, planJson });
const api = fingerprintOf({ workspace: "prod", address: "aws_instance.api", pathText: "instance_type" });
const target = { owner: "acme", repo: "infra", cloneUrl: "file:///unused", defaultBranch: "main" };

function configOf(extra: object = {}) {
  const result = validateConfig({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }, { name: "dev", dir: "dev" }], ...extra });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

class MemoryDashboard implements DriftHost {
  issue: DashboardIssue | undefined;
  async findDashboard() {
    return this.issue;
  }
  async createDashboard(_repo: unknown, _title: string, body: string) {
    this.issue = { number: 1, body };
    return 1;
  }
  async updateDashboard(_repo: unknown, _n: number, body: string) {
    this.issue = { number: 1, body };
  }
  state() {
    return decodeState(this.issue?.body).state;
  }
}

/** A scan at `now` over fake plans; the backport use case opens #7 for every drift it is given. */
function scanAt(now: string, plans: Record<string, PlanOutcome>, host: MemoryDashboard, inputs: BackportInput[]): ScanDeps {
  const terraform: TerraformRunner = { plan: async (request) => plans[path.basename(request.dir)]! };
  return {
    host,
    source: {
      checkoutBranch: async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "scan-break-glass-"));
        return { dir, sha: "a".repeat(40), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    terraform,
    templates: bundledTemplates(),
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
    metrics: noMetrics,
    planLimit: pLimit(2),
    backport: async (input): Promise<BackportReport> => {
      inputs.push(input);
      const drift = Object.fromEntries(input.items.map((i) => [fingerprintOf(i), { status: "open" as const, pr: 7, url: "u", action: "codify" as const }]));
      return { drift, ignored: [], writes: 0, operations: [], incidents: [] };
    },
    today: () => now.slice(0, 10),
    now: () => Date.parse(now),
  };
}

const window: BreakGlassDeclaration = { workspace: "prod", incidentKey: "acme/incidents#42", from: "2026-11-23T02:00:00.000Z", until: "2026-11-23T04:00:00.000Z", by: "alice", reason: "db timeouts" };
const drifted = { prod: ok(driftPlan("aws_instance.api", "t3.small", "t3.large")), dev: ok(clean) };

describe("a scan with break-glass windows", () => {
  it("records a declaration, holds back drift first seen inside the window (expected, no pull request) and opens one once the window ended", async () => {
    const host = new MemoryDashboard();
    const inputs: BackportInput[] = [];

    // 02:05: the declaration is recorded by a clean scan (the dashboard is created for it alone)
    const recorded = await scanRepository(scanAt("2026-11-23T02:05:00Z", { prod: ok(clean), dev: ok(clean) }, host, inputs), target, configOf(), { breakGlass: [window] });
    expect(recorded.breakGlass).toEqual([window]);
    expect(recorded.dashboard?.action).toBe("created");
    expect(host.state().breakGlass).toEqual([window]);
    expect(host.state().workspaces.prod!.lastCleanAt).toBe("2026-11-23T02:05:00.000Z");
    expect(host.issue!.body).toContain("### 🛟 Break-glass");
    expect(host.issue!.body).toContain("| 🟢 active | prod | acme/incidents#\u206042 | @alice | 2026-11-23 02:00–04:00 UTC | db timeouts |");

    // 03:00: a manual change inside the window is expected, and backportDrift never sees it
    await scanRepository(scanAt("2026-11-23T03:00:00Z", drifted, host, inputs), target, configOf());
    expect(inputs.at(-1)!.items).toEqual([]);
    expect(inputs.at(-1)!.present).toEqual([api]); // still there: it clears no merged pull request
    expect(host.state().items[api]!.backport).toEqual({ status: "expected", reason: "break-glass for acme/incidents#42 until 04:00" });
    expect(host.issue!.body).toContain("🛟 break-glass for acme/incidents#\u206042 until 04:00");

    // 03:30: still expected on a rescan (decided at first sighting)
    await scanRepository(scanAt("2026-11-23T03:30:00Z", drifted, host, inputs), target, configOf());
    expect(inputs.at(-1)!.items).toEqual([]);

    // 04:01: the window ended: the drift goes to backportDrift and its pull request opens; the declaration stays in the audit trail
    await scanRepository(scanAt("2026-11-23T04:01:00Z", drifted, host, inputs), target, configOf());
    expect(inputs.at(-1)!.items.map((i) => fingerprintOf(i))).toEqual([api]);
    expect(host.state().items[api]!.backport).toMatchObject({ status: "open", pr: 7 });
    expect(host.state().breakGlass).toEqual([window]);
    expect(host.issue!.body).toContain("| ended | prod | acme/incidents#\u206042 |");

    // ... and backportDrift correlates it with the declaration as exact evidence (no source lists that incident)
    const incidents = inputs.at(-1)!.incidents!;
    expect(incidents).toMatchObject({ sources: [], now: "2026-11-23T04:01:00.000Z", options: { breakGlass: [window], threshold: 0.5 } });
    expect([...incidents.lastClean]).toEqual([["prod", "2026-11-23T02:05:00.000Z"], ["dev", "2026-11-23T02:05:00.000Z"]]);
    const lookup = await lookUpIncidents(incidents, inputs.at(-1)!.items, { masker: new Masker(configOf().mask), logger: quiet, firstSeen: inputs.at(-1)!.firstSeen });
    const linked = lookup.correlations.get(api)!.incident!;
    expect(linked).toMatchObject({ key: "acme/incidents#42", strongest: "exact" });
    expect(linked.evidence.map((e) => e.text)).toContain("break-glass for acme/incidents#42 by @alice until 04:00");
  });

  it("ends the incident's window when a scan comes for its resolution: the held-back drift goes to backportDrift at once", async () => {
    const host = new MemoryDashboard();
    const inputs: BackportInput[] = [];
    await scanRepository(scanAt("2026-11-23T03:00:00Z", drifted, host, inputs), target, configOf(), { breakGlass: [window] });
    expect(inputs.at(-1)!.items).toEqual([]);
    const report = await scanRepository(scanAt("2026-11-23T03:10:00Z", drifted, host, inputs), target, configOf(), { resolvedIncidents: ["acme/incidents#42"] });
    expect(inputs.at(-1)!.items.map((i) => fingerprintOf(i))).toEqual([api]);
    expect(report.breakGlass).toEqual([{ ...window, until: "2026-11-23T03:10:00.000Z" }]);
    expect(host.state().items[api]!.backport).toMatchObject({ status: "open", pr: 7 });
  });

  it("never holds back drift seen before the window opened, nor drift in another workspace", async () => {
    const host = new MemoryDashboard();
    const inputs: BackportInput[] = [];
    await scanRepository(scanAt("2026-11-23T01:00:00Z", drifted, host, inputs), target, configOf());
    expect(host.state().items[api]!.backport).toMatchObject({ status: "open", pr: 7 });
    await scanRepository(scanAt("2026-11-23T02:30:00Z", drifted, host, inputs), target, configOf(), { breakGlass: [window] });
    expect(inputs.at(-1)!.items.map((i) => fingerprintOf(i))).toEqual([api]);
    expect(host.state().items[api]!.backport).toMatchObject({ status: "open", pr: 7 });

    const devHost = new MemoryDashboard();
    const devDrift = { prod: ok(clean), dev: ok(driftPlan("aws_instance.api", "t3.small", "t3.large")) };
    await scanRepository(scanAt("2026-11-23T02:30:00Z", devDrift, devHost, inputs), target, configOf(), { breakGlass: [window] });
    expect(inputs.at(-1)!.items.map((i) => i.workspace)).toEqual(["dev"]);
  });

  it("marks drift expected on the dashboard even with backport pull requests off", async () => {
    const host = new MemoryDashboard();
    const inputs: BackportInput[] = [];
    await scanRepository(scanAt("2026-11-23T03:00:00Z", drifted, host, inputs), target, configOf({ backport: { enabled: false } }), { breakGlass: [window] });
    expect(inputs).toEqual([]);
    expect(host.state().items[api]!.backport).toEqual({ status: "expected", reason: "break-glass for acme/incidents#42 until 04:00" });
  });

  it("raises drift from an ended window one severity once the grace period is over", async () => {
    const host = new MemoryDashboard();
    const inputs: BackportInput[] = [];
    await scanRepository(scanAt("2026-11-23T01:00:00Z", { prod: ok(clean), dev: ok(clean) }, host, inputs), target, configOf());
    await scanRepository(scanAt("2026-11-23T03:00:00Z", drifted, host, inputs), target, configOf({ incidents: { break_glass_grace: "2h" } }), { breakGlass: [window] });
    expect(host.issue!.body).toContain("| 🟠 high | [prod]");
    // 05:59: within the 2h grace after 04:00: still high
    await scanRepository(scanAt("2026-11-23T05:59:00Z", drifted, host, inputs), target, configOf({ incidents: { break_glass_grace: "2h" } }));
    expect(host.issue!.body).toContain("| 🟠 high | [prod]");
    expect(host.issue!.body).not.toContain("⏰");
    // 06:00: the grace is over and the drift is still there: critical, and why
    await scanRepository(scanAt("2026-11-23T06:00:00Z", drifted, host, inputs), target, configOf({ incidents: { break_glass_grace: "2h" } }));
    expect(host.issue!.body).toContain("| 🔴 critical | [prod]");
    expect(host.issue!.body).toContain("⏰ break-glass for acme/incidents#\u206042 ended 04:00; not reconciled within the 2h grace period");
  });
});
