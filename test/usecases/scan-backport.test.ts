import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { noMetrics } from "../../src/adapters/metrics.js";
import { validateConfig } from "../../src/config/validate.js";
import { reopenRequests } from "../../src/core/drift/dashboard.js";
import { decodeState } from "../../src/core/drift/state.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { DashboardIssue, DriftHost, PlanOutcome, TerraformRunner } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import type { BackportInput, BackportReport } from "../../src/usecases/backport-drift.js";
import { scanRepository, type ScanDeps } from "../../src/usecases/scan-drift.js";

/** A resource whose attributes drifted outside Terraform and that apply would set back. */
function driftPlan(drifted: Record<string, [recorded: string, live: string]>): string {
  const resources = Object.entries(drifted).map(([address, [recorded, live]]) => {
    const [type, name] = address.split(".");
    const change = (before: string, after: string) => ({ actions: ["update"], before: { instance_type: before }, after: { instance_type: after }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} });
    return { drift: { address, mode: "managed", type, name, change: change(recorded, live) }, change: { address, mode: "managed", type, name, change: change(live, recorded) } };
  });
  return JSON.stringify({ format_version: "1.2", resource_drift: resources.map((r) => r.drift), resource_changes: resources.map((r) => r.change) });
}
const clean = JSON.stringify({ format_version: "1.2", resource_changes: [] });
const fp = (workspace: string, address: string) => fingerprintOf({ workspace, address, pathText: "instance_type" });

class RecordingHost implements DriftHost {
  issue: DashboardIssue | undefined;
  readonly calls: string[] = [];
  async findDashboard() {
    this.calls.push("findDashboard");
    return this.issue;
  }
  async createDashboard(_repo: unknown, _title: string, body: string) {
    this.calls.push("createDashboard");
    this.issue = { number: 1, body };
    return 1;
  }
  async updateDashboard(_repo: unknown, _n: number, body: string) {
    this.calls.push("updateDashboard");
    this.issue = { number: 1, body };
  }
  state() {
    return decodeState(this.issue?.body).state;
  }
}

const CONFIG = { workspaces: [{ name: "prod", dir: "prod", tier: "prod" }, { name: "dev", dir: "dev" }] };
function configOf(extra: object = {}) {
  const result = validateConfig({ ...CONFIG, ...extra });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}
const target = { owner: "acme", repo: "infra", cloneUrl: "file:///unused", defaultBranch: "main" };

interface Harness {
  deps: ScanDeps;
  host: RecordingHost;
  inputs: BackportInput[];
  checkouts: { branch: string; dir: string }[];
  logs: { level: string; obj: object; msg?: string }[];
}

/** A scan over fake plans per workspace dir, with a real temp dir as its checkout and `answer` as the backport use case. */
function harness(plans: Record<string, PlanOutcome>, answer: (input: BackportInput, h: Harness) => BackportReport | Promise<BackportReport>, host = new RecordingHost()): Harness {
  const h: Harness = { host, inputs: [], checkouts: [], logs: [], deps: undefined as unknown as ScanDeps };
  const terraform: TerraformRunner = { plan: async (request) => plans[path.basename(request.dir)]! };
  const log = (level: string) => (obj: object, msg?: string) => void h.logs.push({ level, obj, msg });
  h.deps = {
    host,
    source: {
      checkoutBranch: async (_url, branch) => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "scan-backport-"));
        h.checkouts.push({ branch, dir });
        return { dir, sha: "a".repeat(40), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    terraform,
    templates: bundledTemplates(),
    logger: { info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") },
    metrics: noMetrics,
    planLimit: pLimit(2),
    backport: async (input) => {
      h.inputs.push(input);
      host.calls.push("backport");
      return answer(input, h);
    },
    today: () => "2026-11-22",
  };
  return h;
}

const report = (drift: BackportReport["drift"], ignored: BackportReport["ignored"] = []): BackportReport => ({ drift, ignored, writes: 0, operations: [], incidents: [] });
const ok = (planJson: string): PlanOutcome => ({ ok: true, planJson });

describe("the scan's backport step", () => {
  it("hands backportDrift the real drift, the checked-out tree while it is still there, its commit, first-seen dates and plan JSON", async () => {
    const prodPlan = driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] });
    let treeExisted = false;
    const h = harness({ prod: ok(prodPlan), dev: ok(clean) }, (input) => {
      treeExisted = existsSync(input.checkoutDir);
      return report({ [fp("prod", "aws_instance.api")]: { status: "open", pr: 12, url: "https://github.com/acme/infra/pull/12", action: "codify" } });
    });
    await scanRepository(h.deps, target, configOf());
    const [input] = h.inputs;
    expect(input).toMatchObject({ repo: { owner: "acme", repo: "infra" }, baseBranch: "main", baseSha: "a".repeat(40), checkoutDir: h.checkouts[0]!.dir, scanned: ["prod", "dev"], remembered: [], reopen: [] });
    expect(input!.items.map((i) => `${i.workspace} ${i.address} ${i.pathText} ${i.class}`)).toEqual(["prod aws_instance.api instance_type actionable"]);
    expect([...input!.firstSeen]).toEqual([[fp("prod", "aws_instance.api"), "2026-11-22"]]);
    expect(input!.planExcerpts!.get("prod")).toBe(prodPlan);
    expect(treeExisted).toBe(true);
    expect(existsSync(h.checkouts[0]!.dir)).toBe(false); // cleaned up after the step
    expect(h.host.calls).toEqual(["findDashboard", "backport", "createDashboard"]);
    expect(h.host.issue!.body).toContain("| #12 open · codify |");
    expect(h.host.state().items[fp("prod", "aws_instance.api")]).toMatchObject({ pr: 12, backport: { status: "open", pr: 12, action: "codify" } });
  });

  it("with `only` (the Action's workspaces input) plans those alone; the others keep their drift, row and pull requests (never closed as removed)", async () => {
    const prodPlan = driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] });
    const first = harness({ prod: ok(prodPlan), dev: ok(clean) }, () => report({ [fp("prod", "aws_instance.api")]: { status: "open", pr: 12, url: "https://github.com/acme/infra/pull/12", action: "codify" } }));
    await scanRepository(first.deps, target, configOf());
    const planned: string[] = [];
    const second = harness({ prod: ok(prodPlan), dev: ok(clean) }, () => report({}), first.host);
    const plan = second.deps.terraform.plan;
    second.deps.terraform = { plan: async (request) => (planned.push(path.basename(request.dir)), plan(request)) };
    await scanRepository(second.deps, target, configOf(), { only: ["dev"] });
    expect(planned).toEqual(["dev"]);
    const [input] = second.inputs;
    // the backport step is told prod was not scanned: its pull requests are left alone, and it still is a configured workspace
    expect(input!.scanned).toEqual(["dev"]);
    expect(input!.config.workspaces.map((w) => w.name)).toEqual(["prod", "dev"]);
    expect(second.host.state().items[fp("prod", "aws_instance.api")]).toMatchObject({ pr: 12 });
    expect(second.host.issue!.body).toContain("aws_instance.api");
  });

  it("reads the dashboard once, before the step, for remembered ignores, first-seen dates and ticked boxes; a rescan that changes nothing writes nothing", async () => {
    const api = fp("prod", "aws_instance.api");
    const web = fp("prod", "aws_instance.web");
    const plans = { prod: ok(driftPlan({ "aws_instance.api": ["t3.small", "t3.large"], "aws_instance.web": ["t3.small", "m5.large"] })), dev: ok(clean) };
    const first = harness(plans, () => report({ [api]: { status: "ignored", pr: 3 }, [web]: { status: "open", pr: 4, url: "u", action: "revert" } }, [{ fingerprint: api, valueHash: "0123456789ab", pr: 3 }]));
    await scanRepository(first.deps, target, configOf());
    expect(first.host.issue!.body).toContain(`- [ ] <!-- driftback:reopen:${api} --> open again`);

    // the same answer on a rescan: the dashboard read once, before the step, and no write
    const again = harness(plans, () => report({ [api]: { status: "ignored", pr: 3 }, [web]: { status: "open", pr: 4, url: "u", action: "revert" } }, [{ fingerprint: api, valueHash: "0123456789ab", pr: 3 }]), first.host);
    first.host.calls.length = 0;
    const unchanged = await scanRepository(again.deps, target, configOf());
    expect(first.host.calls).toEqual(["findDashboard", "backport"]);
    expect(unchanged.dashboard).toEqual({ number: 1, action: "unchanged" });
    expect(again.inputs[0]!.remembered).toEqual([{ fingerprint: api, valueHash: "0123456789ab", pr: 3 }]);
    expect(again.inputs[0]!.firstSeen.get(api)).toBe("2026-11-22");

    // a person ticks the box: the next scan reopens it, and the box is gone once a pull request is open again
    first.host.issue!.body = first.host.issue!.body.replace(`- [ ] <!-- driftback:reopen:${api}`, `- [x] <!-- driftback:reopen:${api}`);
    const ticked = harness(plans, (input) => report({ [api]: input.reopen.includes(api) ? { status: "open", pr: 9, url: "u", action: "codify" } : { status: "ignored", pr: 3 }, [web]: { status: "open", pr: 4, url: "u", action: "revert" } }), first.host);
    await scanRepository(ticked.deps, target, configOf());
    expect(ticked.inputs[0]!.reopen).toEqual([api]);
    expect(first.host.issue!.body).not.toContain("driftback:reopen:");
    expect(first.host.issue!.body).toContain("| #9 open · codify |");
    expect(first.host.state().ignored).toEqual([]);
  });

  it("hands the step the remembered cleared merges and every drift present, and keeps the cleared merges it reports (or the old ones when it reports none)", async () => {
    const api = fp("prod", "aws_instance.api");
    const plans = { prod: ok(driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] })), dev: ok(clean) };
    const host = new RecordingHost();
    await scanRepository(harness(plans, () => ({ ...report({ [api]: { status: "open", pr: 9, url: "u", action: "revert" } }), cleared: [{ fingerprint: fp("dev", "aws_instance.web"), pr: 4 }] }), host).deps, target, configOf());
    expect(host.state().cleared).toEqual([{ fingerprint: fp("dev", "aws_instance.web"), pr: 4 }]);
    const next = harness(plans, () => report({ [api]: { status: "open", pr: 9, url: "u", action: "revert" } }), host);
    await scanRepository(next.deps, target, configOf());
    expect(next.inputs[0]).toMatchObject({ cleared: [{ fingerprint: fp("dev", "aws_instance.web"), pr: 4 }], present: [api] });
    expect(host.state().cleared).toEqual([{ fingerprint: fp("dev", "aws_instance.web"), pr: 4 }]);
    await scanRepository(harness(plans, () => ({ ...report({ [api]: { status: "open", pr: 9, url: "u", action: "revert" } }), cleared: [] }), host).deps, target, configOf());
    expect(host.state().cleared).toEqual([]);
  });

  it("keeps a failed workspace's statuses, ignores and ticked box, and hands the step only the workspaces that planned", async () => {
    const devWeb = fp("dev", "aws_instance.web");
    const host = new RecordingHost();
    const plans = { prod: ok(clean), dev: ok(driftPlan({ "aws_instance.web": ["a", "b"] })) };
    await scanRepository(harness(plans, () => report({ [devWeb]: { status: "ignored", pr: 5 } }, [{ fingerprint: devWeb, valueHash: "0123456789ab", pr: 5 }]), host).deps, target, configOf());

    const failing = { prod: ok(clean), dev: { ok: false as const, stage: "plan" as const, message: "`terraform plan` exited with code 1", output: "", timedOut: false, cancelled: false } };
    const h = harness(failing, () => report({}), host);
    await scanRepository(h.deps, target, configOf(), { reopen: [devWeb] });
    expect(h.inputs[0]!.scanned).toEqual(["prod"]);
    expect(h.inputs[0]!.items).toEqual([]);
    expect(host.state().items[devWeb]!.backport).toEqual({ status: "ignored", pr: 5 });
    expect(host.state().ignored).toEqual([{ fingerprint: devWeb, valueHash: "0123456789ab", pr: 5 }]);
    expect(reopenRequests(host.issue!.body)).toEqual([devWeb]); // asked for, not yet done: still ticked
  });

  it.each([
    { status: { status: "waiting" as const, reason: "more than backport.max_open pull requests are open" } },
    { status: { status: "failed" as const, reason: "Could not create branch: HTTP 502" } },
  ])("keeps the box of a reopen ticked while its drift is $status.status, and drops it once a pull request is open", async ({ status }) => {
    const api = fp("prod", "aws_instance.api");
    const plans = { prod: ok(driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] })), dev: ok(clean) };
    const host = new RecordingHost();
    await scanRepository(harness(plans, () => report({ [api]: { status: "ignored", pr: 3 } }), host).deps, target, configOf());
    await scanRepository(harness(plans, () => report({ [api]: status }), host).deps, target, configOf(), { reopen: [api] });
    expect(reopenRequests(host.issue!.body)).toEqual([api]);
    const next = harness(plans, (input) => report({ [api]: input.reopen.includes(api) ? { status: "open", pr: 9, url: "u", action: "codify" } : status }), host);
    await scanRepository(next.deps, target, configOf());
    expect(next.inputs[0]!.reopen).toEqual([api]); // read back from the box
    expect(host.issue!.body).not.toContain("driftback:reopen:");
  });

  it("writes the dashboard when the step throws, says so, and logs one line without the error's detail", async () => {
    const h = harness({ prod: ok(driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] })), dev: ok(clean) }, () => {
      throw new Error("unexpected\nresource \"aws_instance\" \"api\" { password = \"hunter2\" }");
    });
    const result = await scanRepository(h.deps, target, configOf());
    expect(result.dashboard).toMatchObject({ action: "created" });
    expect(h.host.issue!.body).toContain("could not bring the backport pull requests up to date");
    expect(existsSync(h.checkouts[0]!.dir)).toBe(false);
    const logged = JSON.stringify(h.logs);
    expect(logged).toContain("backport step stopped");
    expect(logged).toContain("Error: unexpected");
    expect(logged).not.toContain("hunter2");
  });

  it.each([
    { when: "backport.enabled is false", extra: { backport: { enabled: false } }, branch: "main", calls: 0 },
    { when: "backport.base names another branch", extra: { backport: { base: "production" } }, branch: "production", calls: 1 },
  ])("when $when, scans $branch and calls the step $calls time(s)", async ({ extra, branch, calls }) => {
    const h = harness({ prod: ok(driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] })), dev: ok(clean) }, () => report({}));
    await scanRepository(h.deps, target, configOf(extra));
    expect(h.checkouts.map((c) => c.branch)).toEqual([branch]);
    expect(h.inputs).toHaveLength(calls);
    if (calls) expect(h.inputs[0]!.baseBranch).toBe(branch);
    expect(h.host.issue!.body).toContain(`every configured workspace of <code>${branch}</code>`);
  });

  it("does not call the step when the checkout fails, and keeps what the dashboard knew", async () => {
    const h = harness({}, () => report({}));
    h.deps.source = { checkoutBranch: async () => Promise.reject(new Error("git fetch failed (exit code 128): repository not found")) };
    const result = await scanRepository(h.deps, target, configOf());
    expect(h.inputs).toEqual([]);
    expect(result.scans.every((s) => !s.ok)).toBe(true);
    expect(h.host.calls).toEqual(["findDashboard"]); // nothing known, nothing found: no dashboard yet
  });
});

describe("the scan's parity reaches the backport step (issue 16 §6)", () => {
  it("computes parity before the backport step, hands it the siblings lookup, and links the drift's incident on the dashboard after", async () => {
    const prodPlan = driftPlan({ "aws_instance.api": ["t3.small", "t3.large"] });
    const h = harness({ prod: ok(prodPlan), dev: ok(clean) }, () => ({
      ...report({ [fp("prod", "aws_instance.api")]: { status: "open", pr: 12, url: "https://github.com/acme/infra/pull/12", action: "codify" } }),
      incidents: [{ pr: 12, key: "INC-7", source: "jira", status: "open" }],
    }));
    const order: string[] = [];
    const member = (name: string) => ({ id: name, workspace: name, root: name, modules: [] });
    h.deps.parity = async (input) => {
      order.push(`parity (backport ran: ${h.inputs.length > 0})`);
      const drift = input.drift!.find((d) => d.workspace === "prod")!;
      return {
        problems: [],
        groups: [
          {
            group: { name: "envs", origin: "configured", members: [member("prod"), member("dev")], expected: [] },
            differences: [{ kind: "live", resource: "aws_instance.api", attribute: "instance_type", values: { prod: { value: "t3.large" }, dev: { value: "t3.small" } }, cause: "drift", drift: [{ member: "prod", fingerprint: drift.fingerprint }] }],
            versions: [],
            unknown: [],
          },
        ],
      };
    };
    await scanRepository(h.deps, target, configOf());
    expect(order).toEqual(["parity (backport ran: false)"]);
    const note = h.inputs[0]!.parity!("prod", "aws_instance.api", "instance_type");
    expect(note).toMatchObject({ group: "envs", others: [{ member: "dev", value: { value: "t3.small" } }], command: "/driftback align envs aws_instance.api instance_type to prod" });
    // the dashboard's parity row names the drift's incident the backport step linked
    expect(h.host.issue!.body).toContain("live, drift: changed outside Terraform in prod (incident INC-7)");
  });
});
