import path from "node:path";
import os from "node:os";
import { mkdtempSync } from "node:fs";
import pLimit from "p-limit";
import { afterEach, describe, expect, it } from "vitest";
import { GitCheckout } from "../../../src/adapters/git/checkout.js";
import { noMetrics } from "../../../src/adapters/metrics.js";
import { RedisRuntime } from "../../../src/adapters/redis/runtime.js";
import { TerraformCli } from "../../../src/adapters/terraform/cli-runner.js";
import type { Config } from "../../../src/config/schema.js";
import { validateConfig } from "../../../src/config/validate.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import { parsePlan } from "../../../src/core/plan/parse.js";
import { queuedWorkspacePlanner, startPlanWorker, type PlanQueueOptions } from "../../../src/handlers/queued/plan-queue.js";
import type { DashboardIssue, DriftHost, PlanRequest, RepoRef, ScanTarget, TerraformRunner } from "../../../src/ports.js";
import { bundledTemplates } from "../../../src/templates.js";
import type { BackportInput } from "../../../src/usecases/backport-drift.js";
import { scanRepository, type ScanDeps, type WorkspacePlanner } from "../../../src/usecases/scan-drift.js";
import { fakeTerraformEnv } from "../../support/fake-terraform.js";
import { TestRepo } from "../../support/git-repo.js";
import { isolatedRedis, redisMissing, redisUrl, runtimesClosedAfterEach } from "../../support/redis.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const noToken = async () => ({ auth: async () => ({}) });

const driftPlan = JSON.stringify({
  format_version: "1.2",
  resource_drift: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small", tags: null }, after: { instance_type: "t3.large", tags: {} }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
  resource_changes: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.large", tags: {} }, after: { instance_type: "t3.small", tags: {} }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
});

const files = {
  "prod/main.tf": 'resource "aws_instance" "web" {}\n',
  "prod/plan.json": driftPlan,
  "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "dev/main.tf": 'resource "null_resource" "x" {}\n',
  "dev/plan.json": JSON.stringify({ format_version: "1.2", resource_changes: [] }),
  "dev/.fake-terraform.json": JSON.stringify({ plan: "plan.json", fail: { plan: { code: 1, stderr: "Error: Unsupported argument\n" } } }),
  "stage/main.tf": 'resource "aws_instance" "web" {}\n',
  "stage/plan.json": driftPlan,
  "stage/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
};

function configOf(raw: object): Config {
  const config = validateConfig(raw);
  if (!config.ok) throw new Error("test config is invalid");
  return config.config;
}

const config = configOf({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }, { name: "dev", dir: "dev" }, { name: "stage", dir: "stage" }], backport: { enabled: true } });

class MemoryDriftHost implements DriftHost {
  bodies: string[] = [];
  private issue: DashboardIssue | undefined;
  async findDashboard() {
    return this.issue;
  }
  async createDashboard(_repo: RepoRef, _title: string, body: string) {
    this.bodies.push(body);
    this.issue = { number: 1, body };
    return 1;
  }
  async updateDashboard(_repo: RepoRef, number: number, body: string) {
    this.bodies.push(body);
    this.issue = { number, body };
  }
}

function scanDeps(terraform: TerraformRunner, host: DriftHost, backports: BackportInput[], planWorkspaces?: WorkspacePlanner): ScanDeps {
  return {
    host,
    source: new GitCheckout({ token: async () => undefined }),
    terraform,
    templates: bundledTemplates(),
    logger: quiet,
    metrics: noMetrics,
    planLimit: pLimit(4),
    backport: async (input) => (backports.push(input), { drift: {}, ignored: [], writes: 0, operations: [], incidents: [] }),
    today: () => "2026-11-23",
    now: () => Date.parse("2026-11-23T10:00:00Z"),
    ...(planWorkspaces ? { planWorkspaces } : {}),
  };
}

const byPlace = (items: readonly DriftItem[]) => [...items].sort((a, b) => `${a.workspace}|${a.address}|${a.pathText}`.localeCompare(`${b.workspace}|${b.address}|${b.pathText}`));

/** An in-process terraform whose plans wait `ms`, recording when each started and ended and for which installation (from the checkout dir). */
function recordingTerraform(ms: number, beforeEnd: (installation: string) => Promise<void> = async () => {}) {
  const runs: { installation: string; start: number; end: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  const runner: TerraformRunner = {
    async plan(request: PlanRequest) {
      const installation = path.basename(path.dirname(request.dir));
      const start = performance.now();
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      await beforeEnd(installation);
      running -= 1;
      runs.push({ installation, start, end: performance.now() });
      return { ok: true, planJson: driftPlan };
    },
  };
  return { runner, runs, maxRunning: () => maxRunning, running: () => running };
}

/** A checkout that fetches nothing: a directory named after the clone URL's last part, so the runner knows the installation. */
const namedCheckout: PlanQueueOptions["checkout"] = async (cloneUrl) => ({ dir: path.join(os.tmpdir(), "plan-queue-test", path.basename(cloneUrl)), sha: "0".repeat(40), cleanup: async () => {} });
const target = (repo: string): ScanTarget => ({ owner: "Acme", repo, cloneUrl: `file:///${repo}`, defaultBranch: "main" });
const workspaces = (n: number) => configOf({ workspaces: Array.from({ length: n }, (_, i) => ({ name: `ws${i}`, dir: `ws${i}` })) });

describe.skipIf(!redisUrl)(`plan queue on a real redis-server${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  const runtime = runtimesClosedAfterEach();

  it("a plan that finds the state locked (a pipeline applying) is tried again later, not reported failed at once; a plain failure is not", async () => {
    const r = runtime();
    const calls: string[] = [];
    const terraform: TerraformRunner = {
      async plan(request: PlanRequest) {
        const workspace = path.basename(request.dir);
        calls.push(workspace);
        const failed = (output: string) => ({ ok: false as const, stage: "plan" as const, message: "terraform plan failed", output, timedOut: false, cancelled: false });
        if (workspace === "ws1") return failed("Error: Unsupported argument");
        if (calls.filter((c) => c === "ws0").length === 1) return failed("Error: Error acquiring the state lock\n\nLock Info:\n  ID: 1234");
        return { ok: true, planJson: driftPlan };
      },
    };
    await startPlanWorker(r, { terraform, metrics: noMetrics }, noToken, { limits: { global: 2, perWorker: 2, perInstallation: 2 }, checkout: async (_url, _sha, _token, _signal) => ({ dir: path.join(os.tmpdir(), "plan-queue-test", "x"), sha: "0".repeat(40), cleanup: async () => {} }) });
    const planner = queuedWorkspacePlanner(r, {}, { installationId: 7, cloneUrl: "file:///x", run: "lock-retry" });
    const outcomes = await planner({ target: target("infra"), sha: "a".repeat(40), config: workspaces(2), planJson: false });
    expect(outcomes.map((o) => [o.result.workspace, o.result.ok])).toEqual([["ws0", true], ["ws1", false]]);
    expect(calls.filter((c) => c === "ws0")).toHaveLength(2);
    expect(calls.filter((c) => c === "ws1")).toHaveLength(1);
  }, 30_000);

  it("a scan planned through the queue (as the scan job's children) reports exactly what the local scan reports", async () => {
    const repo = new TestRepo();
    repo.commitTo(files, "refs/heads/main");
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "plan-queue-"));
    const terraform = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
    const scanTarget = { owner: "acme", repo: "infra", cloneUrl: repo.cloneUrl, defaultBranch: "main" };

    const localHost = new MemoryDriftHost();
    const localBackports: BackportInput[] = [];
    const local = await scanRepository(scanDeps(terraform, localHost, localBackports), scanTarget, config);

    const r = runtime();
    await startPlanWorker(r, { terraform, metrics: noMetrics, scratchDir: scratch }, noToken, { limits: { global: 4, perWorker: 4, perInstallation: 4 } });
    const queuedHost = new MemoryDriftHost();
    const queuedBackports: BackportInput[] = [];
    let queued: Awaited<ReturnType<typeof scanRepository>> | undefined;
    r.work("scan", async (job) => {
      const planner = queuedWorkspacePlanner(r, {}, { installationId: 7, cloneUrl: repo.cloneUrl, parent: { id: job.id!, queue: job.queueQualifiedName } });
      queued = await scanRepository(scanDeps(terraform, queuedHost, queuedBackports, planner), scanTarget, config);
      return "done";
    });
    const scanJob = await r.queue("scan").add("scan", {});
    await r.idle();

    expect(await (await r.queue("scan").getJob(scanJob.id!))?.getState()).toBe("completed");
    expect(queued!.scans).toEqual(local.scans);
    expect(queued!.scans.map((s) => `${s.workspace}:${s.ok}`)).toEqual(["prod:true", "dev:false", "stage:true"]);
    expect(byPlace(queued!.items)).toEqual(byPlace(local.items));
    expect(queued!.items.length).toBeGreaterThan(0);
    expect(queuedHost.bodies).toEqual(localHost.bodies);
    // through Redis the plan is kept as planForStorage makes it (issue 15, 4.3): the same changes, drift and outputs
    const readBack = (excerpts: ReadonlyMap<string, string> | undefined) => new Map([...(excerpts ?? new Map<string, string>())].map(([k, v]) => [k, parsePlan(v)]));
    expect(readBack(queuedBackports[0]!.planExcerpts)).toEqual(readBack(localBackports[0]!.planExcerpts));
    for (const text of queuedBackports[0]!.planExcerpts!.values()) expect(text).toMatch(/^\{"driftback_sensitive_replaced":0,/);
    expect([...queuedBackports[0]!.planExcerpts!.keys()].sort()).toEqual(["prod", "stage"]);
    // the plans ran as children of the scan job
    const children = await (await r.queue("scan").getJob(scanJob.id!))!.getDependenciesCount();
    expect(children.processed).toBe(3);
  });

  it("a scan taken over re-adds the same jobs and gets their results without planning again; so does a second planner of the same commit", async () => {
    const repo = new TestRepo();
    const sha = repo.commitTo(files, "refs/heads/main");
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "plan-queue-"));
    const terraform = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
    const plans = () => fake.calls().filter((c) => c.args[0] === "plan").length;
    const settings = isolatedRedis("plan");
    const [a, b] = [runtime(settings), runtime(settings)];
    await startPlanWorker(a, { terraform, metrics: noMetrics, scratchDir: scratch }, noToken);
    const request = { target: { owner: "acme", repo: "infra", cloneUrl: repo.cloneUrl, defaultBranch: "main" }, sha, config, planJson: true };

    const rounds: unknown[] = [];
    a.work("scan", async (job) => {
      const parent = { id: job.id!, queue: job.queueQualifiedName };
      rounds.push(await queuedWorkspacePlanner(a, {}, { installationId: 7, cloneUrl: repo.cloneUrl, parent })(request));
      // what the replica taking the scan over does: the same scan job adds its workspaces again
      rounds.push(await queuedWorkspacePlanner(b, {}, { installationId: 7, cloneUrl: repo.cloneUrl, parent })(request));
      return "done";
    });
    await a.queue("scan").add("scan", {});
    await a.idle();
    expect(plans()).toBe(3);
    expect(rounds[1]).toEqual(rounds[0]);
    expect((rounds[0] as { planJson?: string }[]).map((o) => o.planJson === undefined)).toEqual([false, true, false]);

    // without a parent, ids are per commit: two planners (two replicas) of the same commit plan it once
    const [first, second] = await Promise.all([
      queuedWorkspacePlanner(a, {}, { installationId: 7, cloneUrl: repo.cloneUrl })(request),
      queuedWorkspacePlanner(b, {}, { installationId: 7, cloneUrl: repo.cloneUrl })(request),
    ]);
    expect(plans()).toBe(6);
    expect(second).toEqual(first);
  });

  it("a workspace whose job fails (its commit cannot be fetched) is a failed workspace, the others still plan", async () => {
    const repo = new TestRepo();
    repo.commitTo(files, "refs/heads/main");
    const recording = recordingTerraform(1);
    const r = runtime();
    await startPlanWorker(r, { terraform: recording.runner, metrics: noMetrics }, noToken);
    const outcomes = await queuedWorkspacePlanner(r, {}, { installationId: 7, cloneUrl: repo.cloneUrl })({ target: target("infra"), sha: "f".repeat(40), config, planJson: false });
    expect(outcomes.map((o) => o.result)).toEqual(config.workspaces.map((w) => ({ workspace: w.name, ok: false, error: expect.stringMatching(/^plan job failed: could not fetch ffffffffffff: git fetch failed/) })));
    expect(recording.runs).toHaveLength(0);
  });

  it("a plan JSON above the cap comes back without it, and says so in the log", async () => {
    const warnings: string[] = [];
    const r = runtime();
    const recording = recordingTerraform(1);
    await startPlanWorker(r, { terraform: recording.runner, metrics: noMetrics }, noToken, { checkout: namedCheckout, maxPlanJsonBytes: 10, logger: { ...quiet, warn: (_obj, msg) => warnings.push(msg ?? "") } });
    const [outcome] = await queuedWorkspacePlanner(r, {}, { installationId: 1, cloneUrl: "file:///inst-1" })({ target: target("big"), sha: "a".repeat(40), config: workspaces(1), planJson: true });
    expect(outcome!.result).toMatchObject({ workspace: "ws0", ok: true });
    expect(outcome!.items.length).toBeGreaterThan(0);
    expect(outcome!.planJson).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining("plan JSON too big")]);
  });

  it("with a per-installation limit of 1, two installations plan side by side while one installation's plans never overlap", async () => {
    const started = new Set<string>();
    // each plan waits (at most 2 s) until the other installation has one started: parallel when the limits allow it
    const recording = recordingTerraform(20, async (installation) => {
      started.add(installation);
      const deadline = Date.now() + 2_000;
      while (started.size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const r = runtime();
    await startPlanWorker(r, { terraform: recording.runner, metrics: noMetrics }, noToken, { checkout: namedCheckout, limits: { global: 8, perWorker: 8, perInstallation: 1 }, releaseDelayMs: 20 });
    const plan = (installation: number) => queuedWorkspacePlanner(r, {}, { installationId: installation, cloneUrl: `file:///inst-${installation}` })({ target: target(`repo-${installation}`), sha: "b".repeat(40), config: workspaces(4), planJson: false });
    const outcomes = await Promise.all([plan(1), plan(2)]);

    expect(outcomes.flat().every((o) => o.result.ok)).toBe(true);
    expect(recording.runs).toHaveLength(8);
    for (const installation of ["inst-1", "inst-2"]) {
      const runs = recording.runs.filter((run) => run.installation === installation).sort((x, y) => x.start - y.start);
      expect(runs).toHaveLength(4);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    }
    const overlap = recording.runs.some((x) => recording.runs.some((y) => x.installation !== y.installation && x.start < y.end && y.start < x.end));
    expect(overlap).toBe(true);
  });

  it("a plan cut short by a replica shutting down is given back and planned by another replica", async () => {
    const settings = isolatedRedis("plan");
    const [a, b] = [runtime(settings), runtime(settings)];
    let startedOnA!: () => void;
    const aStarted = new Promise<void>((resolve) => (startedOnA = resolve));
    const stopping: TerraformRunner = {
      plan: (request) =>
        new Promise((resolve) => {
          startedOnA();
          request.signal?.addEventListener("abort", () => resolve({ ok: false, stage: "plan", message: "terraform plan was cancelled", output: "", timedOut: false, cancelled: true }));
        }),
    };
    await startPlanWorker(a, { terraform: stopping, metrics: noMetrics }, noToken, { checkout: namedCheckout });
    const planned = queuedWorkspacePlanner(b, {}, { installationId: 1, cloneUrl: "file:///inst-1" })({ target: target("handover"), sha: "d".repeat(40), config: workspaces(1), planJson: false });
    await aStarted;
    await a.close(50);
    await startPlanWorker(b, { terraform: recordingTerraform(1).runner, metrics: noMetrics }, noToken, { checkout: namedCheckout });
    const [outcome] = await planned;
    expect(outcome!.result).toMatchObject({ workspace: "ws0", ok: true });
  });

  it("the global plan concurrency holds across two replicas", async () => {
    const settings = isolatedRedis("plan");
    const [a, b] = [runtime(settings), runtime(settings)];
    const recording = recordingTerraform(60);
    const limits = { global: 2, perWorker: 2, perInstallation: 8 };
    await startPlanWorker(a, { terraform: recording.runner, metrics: noMetrics }, noToken, { checkout: namedCheckout, limits });
    await startPlanWorker(b, { terraform: recording.runner, metrics: noMetrics }, noToken, { checkout: namedCheckout, limits });
    const outcomes = await queuedWorkspacePlanner(a, {}, { installationId: 1, cloneUrl: "file:///inst-1" })({ target: target("wide"), sha: "c".repeat(40), config: workspaces(10), planJson: false });
    expect(outcomes).toHaveLength(10);
    expect(recording.runs).toHaveLength(10);
    expect(recording.maxRunning()).toBe(2);
  });
});
