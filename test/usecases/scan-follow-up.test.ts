import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { noMetrics } from "../../src/adapters/metrics.js";
import { validateConfig } from "../../src/config/validate.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { BackportPullRequest, DashboardIssue, DriftHost, FollowUpRequest, FollowUpResult, IncidentSource, PlanOutcome } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import type { BackportReport } from "../../src/usecases/backport-drift.js";
import { followUpIncidents } from "../../src/usecases/incident-follow-up.js";
import type { RunIncidentFollowUp } from "../../src/usecases/scan-backport.js";
import { scanRepository, type ScanDeps } from "../../src/usecases/scan-drift.js";
import { memoryLogger } from "../support/backport-world.js";

const PLAN = JSON.stringify({
  format_version: "1.2",
  resource_drift: [{ address: "aws_instance.api", mode: "managed", type: "aws_instance", name: "api", change: { actions: ["update"], before: { instance_type: "t3.small" }, after: { instance_type: "t3.large" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
  resource_changes: [{ address: "aws_instance.api", mode: "managed", type: "aws_instance", name: "api", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
});
const FP = fingerprintOf({ workspace: "prod", address: "aws_instance.api", pathText: "instance_type" });
const target = { owner: "acme", repo: "infra", cloneUrl: "https://ghe.example.com/acme/infra.git", defaultBranch: "main" };

function configOf(extra: object = {}) {
  const result = validateConfig({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }], ...extra });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}
const WITH_INCIDENTS = { incidents: { github: { repo: "acme/incidents" } } };

class Dashboard implements DriftHost {
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
}

/** A GitHub incident source that keeps comments by marker, as the adapter does. */
class IncidentIssues implements IncidentSource {
  readonly name = "github" as const;
  readonly comments = new Map<string, string>();
  readonly writes: string[] = [];
  async listIncidents(): Promise<never[]> {
    return [];
  }
  async getIncident(): Promise<undefined> {
    return undefined;
  }
  verifyWebhook(): never {
    throw new Error("not used");
  }
  async upsertFollowUp(key: string, request: FollowUpRequest): Promise<FollowUpResult> {
    const id = `${key} ${request.marker}`;
    const before = this.comments.get(id);
    if (before === request.body) return { written: false, outcome: "unchanged" };
    this.comments.set(id, request.body);
    this.writes.push(id);
    return { written: true, outcome: before === undefined ? "created" : "updated" };
  }
}

/**
 * A scan whose backport step stands in for backportDrift: it reads driftback's pull requests once (as step 2 of
 * backportDrift does, counted here) and reports the ones linking an incident.
 */
function harness(options: { config?: ReturnType<typeof configOf>; failFollowUp?: boolean; failBackport?: boolean; shareSources?: boolean } = {}) {
  const calls: string[] = [];
  const logger = memoryLogger();
  const source = new IncidentIssues();
  const listed: BackportPullRequest[] = [];
  const host = { findBackportPullRequests: async () => (calls.push("findBackportPullRequests"), listed) };
  const given: (readonly IncidentSource[] | undefined)[] = [];
  const followUp: RunIncidentFollowUp = async (input) => {
    calls.push("followUp");
    given.push(input.sources);
    if (options.failFollowUp) throw new Error("follow-up bug");
    return followUpIncidents({ sources: [source], templates: bundledTemplates(), logger }, input);
  };
  const deps: ScanDeps = {
    host: new Dashboard(),
    source: {
      checkoutBranch: async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "scan-follow-up-"));
        return { dir, sha: "a".repeat(40), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    terraform: { plan: async (): Promise<PlanOutcome> => ({ ok: true, planJson: PLAN }) },
    templates: bundledTemplates(),
    logger,
    metrics: noMetrics,
    planLimit: pLimit(1),
    backport: async (): Promise<BackportReport> => {
      await host.findBackportPullRequests();
      calls.push("backport");
      if (options.failBackport) throw new Error("backport bug");
      return {
        drift: { [FP]: { status: "open", pr: 12, url: "https://ghe.example.com/acme/infra/pull/12", action: "codify" } },
        ignored: [],
        writes: 1,
        operations: [],
        incidents: [
          { pr: 12, key: "acme/incidents#42", source: "github", url: "https://ghe.example.com/acme/incidents/issues/42", title: "Checkout down", status: "open" },
          { pr: 4, key: "acme/incidents#42", source: "github", status: "merged" },
        ],
      };
    },
    followUp,
    ...(options.shareSources ? { incidentSources: () => [source] } : {}),
    today: () => "2026-11-23",
  };
  return { deps, calls, source, logger, given, run: () => scanRepository(deps, target, options.config ?? configOf(WITH_INCIDENTS)) };
}

describe("the follow-up in the scan", () => {
  it("runs after the backport step on the pull requests it reported, with links built from the clone URL, and reads driftback's pull requests no second time", async () => {
    const h = harness();
    await h.run();
    expect(h.calls).toEqual(["findBackportPullRequests", "backport", "followUp"]);
    expect(h.source.writes).toEqual(["acme/incidents#42 driftback:follow-up:acme/infra:list"]);
    const body = h.source.comments.get("acme/incidents#42 driftback:follow-up:acme/infra:list")!;
    expect(body).toContain("- [x] [acme/infra#\u20604](https://ghe.example.com/acme/infra/pull/4) merged\n- [ ] [acme/infra#\u206012](https://ghe.example.com/acme/infra/pull/12) open");
    expect(body).not.toContain("Checkout down"); // only the pull requests: no incident text, not even its title

    // a rescan that changes nothing: one read of the pull requests again, no write on the incident
    await h.run();
    expect(h.calls.filter((c) => c === "findBackportPullRequests")).toHaveLength(2);
    expect(h.source.writes).toHaveLength(1);
  });

  it("hands the follow-up the sources the backport step correlated with, so a scan builds them once", async () => {
    const shared = harness({ shareSources: true });
    await shared.run();
    expect(shared.given).toEqual([[shared.source]]);
    const own = harness();
    await own.run();
    expect(own.given).toEqual([undefined]); // the binding builds the configured ones itself
  });

  it("does not run when incidents: configures no source", async () => {
    const h = harness({ config: configOf() });
    await h.run();
    expect(h.calls).toEqual(["findBackportPullRequests", "backport"]);
  });

  it("does not run when the backport step stopped (there is no report to follow up)", async () => {
    const h = harness({ failBackport: true });
    await h.run();
    expect(h.calls).toEqual(["findBackportPullRequests", "backport"]);
  });

  it("a follow-up that throws is logged and never fails the scan or the backport step: the dashboard shows the pull request", async () => {
    const h = harness({ failFollowUp: true });
    const report = await h.run();
    expect(report.backport?.writes).toBe(1);
    expect(report.dashboard?.action).toBe("created");
    expect((h.deps.host as Dashboard).issue!.body).toContain("#12 open");
    expect(h.logger.lines.filter((l) => l.level === "error")).toEqual([
      { level: "error", obj: { repo: "acme/infra", reason: "Error: follow-up bug" }, msg: "incident follow-up stopped; the next scan tries again" },
    ]);
  });
});
