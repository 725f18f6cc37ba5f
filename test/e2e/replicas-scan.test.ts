import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisSettings } from "../../src/adapters/redis/connection.js";
import type { DriftbackOptions } from "../../src/index.js";
import { bundledTemplates } from "../../src/templates.js";
import { API_BRANCH, API_FP, BackportScenario } from "./backport-harness.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";
import { type ScenarioReplica, scanPlans, settled, startScenarioReplica, until } from "../support/scan-replicas.js";

let scenario: BackportScenario;
let redis: RedisSettings;
/** Replicas still alive at the end of a test: closed then (a killed one has closed itself). */
let alive: ScenarioReplica[];

beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario();
  alive = [];
});
afterEach(async () => {
  await Promise.all(alive.map((r) => r.driftback.close(1_000)));
  nock.cleanAll();
  nock.enableNetConnect();
});

async function replica(overrides: DriftbackOptions = {}): Promise<ScenarioReplica> {
  const started = await startScenarioReplica(scenario, redis, overrides);
  alive.push(started);
  return started;
}

const dashboardCreates = () => scenario.api.sent("POST", /^\/repos\/acme\/infra\/issues$/).length;
const pulls = () => [...scenario.world.pulls.values()];

describe.skipIf(!redisUrl)(`two driftback replicas share drift scans through Redis (probot, nock, fake terraform, local git)${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  beforeEach(() => {
    redis = isolatedRedis("scan");
  });

  it("scans a repository once when both replicas are asked at the same time, twice each", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 400 } });
    const [a, b] = await Promise.all([replica(), replica()]);
    const [found] = await a.driftback.scans().discover();

    // the HTTP endpoint's path (discovery, then a queued scan) on both, and a comment-like trigger on both
    a.driftback.scans().request();
    b.driftback.scans().request({ owner: "ACME", repo: "Infra" });
    expect(a.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    expect(b.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    await settled([a, b]);

    expect(scanPlans([a, b])).toBe(1);
    expect(dashboardCreates()).toBe(1);
    expect(pulls()).toHaveLength(1);
    const scansRun = scenario.logs.filter((l) => l.includes('"msg":"drift scan finished"'));
    expect(scansRun).toHaveLength(1);
  });

  it("opens one backport pull request when both replicas are triggered at once, even when one asks to scan again", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 300 } });
    const [a, b] = await Promise.all([replica(), replica()]);
    const [foundA] = await a.driftback.scans().discover();
    const [foundB] = await b.driftback.scans().discover();

    a.driftback.scans().start(foundA!.repo, foundA!.octokit);
    b.driftback.scans().start(foundB!.repo, foundB!.octokit, { again: true });
    a.driftback.scans().start(foundA!.repo, foundA!.octokit, { again: true });
    await settled([a, b]);

    // scans one after the other (at most two: the running one, then one for the requests that came during it)
    expect(scanPlans([a, b])).toBeGreaterThanOrEqual(1);
    expect(scanPlans([a, b])).toBeLessThanOrEqual(2);
    expect(pulls().map((p) => [p.number, p.branch, p.state])).toEqual([[20, API_BRANCH, "open"]]);
    expect(scenario.world.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"))).toHaveLength(1);
    expect(scenario.dashboard()).toContain("| #20 open · codify |");
  });

  // two scans' worth of slow plans and a take-over: room on a busy CI machine
  it("finishes on the other replica a scan whose replica was killed mid-plan", { timeout: 60_000 }, async () => {
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 1_500 } });
    const a = await replica();
    a.driftback.scans().request();
    await until("replica A to be planning", () => scanPlans([a]) === 1);

    const b = await replica(); // started now, so A took the scan (and its plan)
    await a.driftback.runtime()!.kill();
    alive = alive.filter((r) => r !== a);
    expect(dashboardCreates()).toBe(0);

    await settled([b]);
    expect(scanPlans([b])).toBeGreaterThanOrEqual(1); // B planned the workspace again, A's terraform was stopped
    expect(dashboardCreates()).toBe(1);
    expect(scenario.dashboardState().items[API_FP]).toMatchObject({ backport: { status: "open", pr: 20 } });
    expect(pulls().map((p) => [p.number, p.branch, p.state])).toEqual([[20, API_BRANCH, "open"]]);
    // the same job, started on A, then on B
    const jobOf = (msg: string) => scenario.logs.filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => (JSON.parse(l) as { scanJob: string }).scanJob);
    const started = jobOf("drift scan started");
    expect(started).toHaveLength(2);
    expect(new Set(started).size).toBe(1);
    expect(jobOf("drift scan finished")).toEqual([started[0]]);
  });

  it("carries a reopen request that arrives while a scan runs (on the other replica) to a scan right after it", { timeout: 60_000 }, async () => {
    scenario.live({ instanceType: "t3.large", cidr: null });
    const [a, b] = await Promise.all([replica(), replica()]);
    const [found] = await a.driftback.scans().discover();
    a.driftback.scans().start(found!.repo, found!.octokit);
    await settled([a, b]);
    expect(pulls().map((p) => p.number)).toEqual([20]);

    // a person closes it unmerged: ignored, with an "open again" box
    scenario.world.personCloses(20);
    a.driftback.scans().start(found!.repo, found!.octokit);
    await settled([a, b]);
    expect(scenario.dashboard()).toContain(`driftback:reopen:${API_FP}`);
    const before = scanPlans([a, b]);

    // a slow scan runs; meanwhile the other replica hears that the box was ticked
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 1_200 } });
    a.driftback.scans().start(found!.repo, found!.octokit);
    await until("a scan to be planning", () => scanPlans([a, b]) === before + 1);
    expect(b.driftback.scans().start(found!.repo, found!.octokit, { reopen: [API_FP] })).toBe(true);
    await settled([a, b]);

    expect(scanPlans([a, b])).toBe(before + 2); // the running scan, then one carrying the reopen
    expect(scenario.world.openPulls().map((p) => [p.number, p.branch])).toEqual([[21, API_BRANCH]]);
    expect(scenario.dashboard()).not.toContain("driftback:reopen:");
  });

  it("fails a scan that throws once (no retry of a non-transient error), with the repository in the log line", async () => {
    scenario.live({ instanceType: null, cidr: null });
    const broken = { ...bundledTemplates(), dashboard: () => { throw new Error("the dashboard template broke"); } };
    const [a, b] = await Promise.all([replica({ templates: broken }), replica({ templates: broken })]);
    a.driftback.scans().request();
    await settled([a, b]);

    const failed = await a.driftback.runtime()!.queue("scan").getJobs(["failed"]);
    expect(failed.map((j) => [j.name, j.attemptsMade, j.failedReason])).toEqual([["scan", 1, "the dashboard template broke"]]);
    const lines = scenario.logs.filter((l) => l.includes('"msg":"drift scan failed"')).map((l) => JSON.parse(l) as { repo: string; err: { message: string } });
    expect(lines.map((l) => [l.repo, l.err.message])).toEqual([["acme/infra", "the dashboard template broke"]]);
    expect(scanPlans([a, b])).toBe(1);
  });
});
