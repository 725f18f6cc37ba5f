import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMarker } from "../../src/core/backport/marker.js";
import { DASHBOARD_MARKER } from "../../src/core/drift/dashboard.js";
import { encodeState, EMPTY_STATE } from "../../src/core/drift/state.js";
import { validateConfig } from "../../src/config/validate.js";
import type { FoundRepo } from "../../src/handlers/incident-reconcile.js";
import { IncidentReconciler } from "../../src/handlers/incident-reconcile.js";
import { IncidentPoller } from "../../src/handlers/incident-poll.js";
import type { Logger } from "../../src/ports.js";
import { API } from "../support/github-api.js";

const PD = "https://api.pagerduty.com";
const TOKEN = "pd-token-CANARY-31ab";
const NOW = Date.parse("2026-11-01T10:00:00Z");
/** The operator lets acme's repositories read every PagerDuty service (issue 15 §3). */
const PD_ENV = { PAGERDUTY_API_TOKEN: TOKEN, PAGERDUTY_SERVICE_ALLOWLIST: "acme:*" };

function found(name: string, incidents: object, workspaces = ["prod", "staging"]): FoundRepo {
  const result = validateConfig({ workspaces: workspaces.map((w) => ({ name: w, dir: w })), incidents });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const octokit = new ProbotOctokit({ auth: { token: "ghs_reconcile0123456789abcdef" }, retry: { enabled: false }, throttle: { enabled: false } });
  return { repo: { target: { owner: "acme", repo: name, cloneUrl: `https://github.com/acme/${name}.git`, defaultBranch: "main" }, installationId: 1, config: result.config }, octokit };
}

/** A ScanService stand-in: the repositories discovery finds, and every start asked of it. */
function fakeScans(repos: FoundRepo[]) {
  const started: { repo: string; options: Record<string, unknown> }[] = [];
  let discoveries = 0;
  return {
    started,
    discoveries: () => discoveries,
    scans: {
      discover: async () => {
        discoveries++;
        return repos;
      },
      start: (repo: FoundRepo["repo"], _octokit: unknown, options: Record<string, unknown> = {}) => {
        started.push({ repo: `${repo.target.owner}/${repo.target.repo}`, options });
        return true;
      },
    },
  };
}

function memoryLog() {
  const lines: string[] = [];
  const write = (level: string) => (...args: unknown[]) => void lines.push(`${level} ${JSON.stringify(args)}`);
  const log = { info: write("info"), warn: write("warn"), error: write("error"), debug: write("debug") } as unknown as Logger;
  return { log, text: () => lines.join("\n") };
}

const pdIncident = (status: "resolved" | "triggered", service = "shop") => ({
  id: "PT4KHLK",
  title: "Checkout is slow",
  status,
  html_url: "https://acme.pagerduty.com/incidents/PT4KHLK",
  created_at: "2026-11-01T08:00:00Z",
  resolved_at: status === "resolved" ? "2026-11-01T09:30:00Z" : null,
  service: { id: "PSHOP01", summary: service },
});

function pagerDutyAnswers(incident: object) {
  nock(PD).get("/incidents/PT4KHLK").query(true).reply(200, { incident }).persist();
  nock(PD).get("/incidents/PT4KHLK/alerts").query(true).reply(200, { alerts: [] }).persist();
  nock(PD).get("/incidents/PT4KHLK/notes").reply(200, { notes: [] }).persist();
}

/** The repository's dashboard (with its state block) and its open pull requests. */
/** This App's id: the dashboard the reconciler reads is the issue it opened. */
const APP_ID = 4242;

function github(repo: string, options: { breakGlass?: object[]; pulls?: object[] } = {}) {
  const dashboards = nock(API).get(`/repos/acme/${repo}/issues`).query(true).reply(200, options.breakGlass ? [{ number: 7, user: { login: "driftback[bot]", type: "Bot" }, performed_via_github_app: { id: APP_ID }, body: `${DASHBOARD_MARKER}\n${encodeState({ ...EMPTY_STATE, breakGlass: options.breakGlass } as never)}` }] : []);
  const pulls = nock(API).get(`/repos/acme/${repo}/pulls`).query(true).reply(200, options.pulls ?? []);
  return { dashboards, pulls };
}

const pull = (number: number, incident?: { key: string; source: string }) => ({
  number,
  head: { ref: `driftback/prod/aws_instance.api${number}` },
  body: `body\n${encodeMarker({ version: 1, key: `prod/aws_instance.api${number}`, workspace: "prod", action: "codify", items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "codify", settled: "codify" }], digest: "0123456789ab", ...(incident ? { incident: incident as never } : {}) })}`,
});

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("IncidentReconciler.reconcile", () => {
  it("scans the repository whose service map names the incident's service, and not one reading another tracker", async () => {
    pagerDutyAnswers(pdIncident("resolved"));
    const shop = found("shop-infra", { pagerduty: {}, services: { shop: ["prod"] } });
    const other = found("billing", { pagerduty: {}, services: { billing: ["prod"] } });
    const jiraOnly = found("jira-only", { jira: { site: "acme.atlassian.net", jql: "project = INC" }, services: { shop: ["prod"] } });
    const shopCalls = github("shop-infra");
    github("billing");
    const fake = fakeScans([shop, other, jiraOnly]);
    const { log } = memoryLog();
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log, now: () => NOW });

    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");

    expect(outcome).toEqual({ kind: "reconciled", incident: { key: "PT4KHLK", status: "resolved" }, touched: [{ repo: "acme/shop-infra", reasons: [{ kind: "service", service: "shop", workspaces: ["prod"] }], started: true }] });
    expect(fake.started).toEqual([{ repo: "acme/shop-infra", options: { again: true } }]);
    expect(shopCalls.pulls.isDone()).toBe(false); // already touched by its service: its pull requests were not listed
  });

  it("does nothing when the tracker says the incident is open again (a resolved delivery that arrived late)", async () => {
    pagerDutyAnswers(pdIncident("triggered"));
    const fake = fakeScans([found("shop-infra", { pagerduty: {}, services: { shop: ["prod"] } })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log: memoryLog().log, now: () => NOW });
    expect(await reconciler.reconcile("pagerduty", "PT4KHLK")).toEqual({ kind: "not-resolved", status: "open" });
    expect(fake.started).toEqual([]);
  });

  it("ends the incident's break-glass windows at its resolution when it starts the scan", async () => {
    pagerDutyAnswers(pdIncident("resolved", "unmapped"));
    const declaration = { workspace: "prod", incidentKey: "PT4KHLK", from: "2026-11-01T09:00:00Z", until: "2026-11-01T11:00:00Z", by: "alice" };
    github("infra", { breakGlass: [declaration] });
    const fake = fakeScans([found("infra", { pagerduty: {} })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log: memoryLog().log, now: () => NOW, appId: APP_ID });
    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");
    expect(outcome.kind === "reconciled" && outcome.touched.map((t) => t.reasons)).toEqual([[{ kind: "break-glass", workspaces: ["prod"] }]]);
    expect(fake.started).toEqual([{ repo: "acme/infra", options: { again: true, breakGlass: [{ ...declaration, until: "2026-11-01T09:30:00.000Z" }] } }]);
  });

  it("reads break-glass declarations only from the dashboard this App opened", async () => {
    pagerDutyAnswers(pdIncident("resolved", "unmapped"));
    const declaration = { workspace: "prod", incidentKey: "PT4KHLK", from: "2026-11-01T09:00:00Z", until: "2026-11-01T11:00:00Z", by: "alice" };
    github("infra", { breakGlass: [declaration] });
    const fake = fakeScans([found("infra", { pagerduty: {} })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log: memoryLog().log, now: () => NOW, appId: APP_ID + 1 });
    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");
    expect(outcome.kind === "reconciled" && outcome.touched).toEqual([]);
    expect(fake.started).toEqual([]);
  });

  it("scans a repository whose open backport pull request links the incident, found by listing its open pull requests", async () => {
    pagerDutyAnswers(pdIncident("resolved", "unmapped"));
    const calls = github("infra", { pulls: [pull(20, { key: "PT4KHLK", source: "pagerduty" }), pull(21), { number: 22, head: { ref: "feature/x" }, body: "not ours" }] });
    github("quiet", { pulls: [pull(30, { key: "PXXXXXX", source: "pagerduty" })] });
    const fake = fakeScans([found("infra", { pagerduty: {} }), found("quiet", { pagerduty: {} })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log: memoryLog().log, now: () => NOW });
    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");
    expect(outcome.kind === "reconciled" && outcome.touched).toEqual([{ repo: "acme/infra", reasons: [{ kind: "linked-pull-request", pullRequests: [20] }], started: true }]);
    expect(calls.pulls.isDone()).toBe(true);
    expect(fake.started.map((s) => s.repo)).toEqual(["acme/infra"]);
  });

  it("reports a failed lookup with the tracker's reason, scans nothing and never logs the token", async () => {
    nock(PD).get("/incidents/PT4KHLK").query(true).reply(500, { error: { message: "boom" } });
    const fake = fakeScans([found("infra", { pagerduty: {}, services: { shop: ["prod"] } })]);
    const memory = memoryLog();
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: PD_ENV, log: memory.log, now: () => NOW });
    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");
    expect(outcome.kind).toBe("lookup-failed");
    expect(fake.started).toEqual([]);
    expect(memory.text()).toMatch(/incident lookup failed/);
    expect(memory.text()).not.toContain(TOKEN);
  });

  it("says which variable is missing when the tracker's API token is not set, and scans nothing", async () => {
    const fake = fakeScans([found("infra", { pagerduty: {}, services: { shop: ["prod"] } })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: {}, log: memoryLog().log, now: () => NOW });
    const outcome = await reconciler.reconcile("pagerduty", "PT4KHLK");
    expect(outcome).toEqual({ kind: "lookup-failed", reason: expect.stringContaining("PAGERDUTY_API_TOKEN is not set") });
    expect(fake.started).toEqual([]);
  });

  it("counts a closed GitHub issue only for repositories reading that repository with a label the issue carries (in any case), and fetches it again", async () => {
    const reading = found("infra", { github: { repo: "acme/incidents", label: "sev" } });
    const fake = fakeScans([reading, found("elsewhere", { github: { repo: "acme/other-incidents" } })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: {}, log: memoryLog().log, now: () => NOW });
    expect(await reconciler.reconcile("github", "acme/incidents#42", { labels: ["incident"] })).toEqual({ kind: "not-configured" });
    expect(fake.started).toEqual([]);
    // with the label (in another case), the issue is fetched again: closed, so the repository's evidence is read
    nock(API).get("/repos/acme/incidents/issues/42").query(true).reply(200, { number: 42, title: "Down", html_url: "https://github.com/acme/incidents/issues/42", state: "open", created_at: "2026-11-01T08:00:00Z", closed_at: null, labels: [{ name: "sev" }] });
    nock(API).get("/repos/acme/incidents/issues/42/comments").query(true).reply(200, []);
    expect(await reconciler.reconcile("github", "acme/incidents#42", { labels: ["SEV"] })).toEqual({ kind: "not-resolved", status: "open" });
  });

  it("bounds webhook-driven reconciles per incident (3 an hour): a replay after a restart costs at most a few lookups (issue 15 §4.4)", async () => {
    let now = NOW;
    const fake = fakeScans([]);
    const memory = memoryLog();
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: {}, log: memory.log, now: () => now });
    const accepted = Array.from({ length: 5 }, () => reconciler.reconcileLater("pagerduty", "PT4KHLK"));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(reconciler.reconcileLater("pagerduty", "POTHER1")).toBe(true); // another incident has its own budget
    await reconciler.idle();
    expect(memory.text()).toMatch(/looked up too often in the last hour/);
    now += 3_600_000;
    expect(reconciler.reconcileLater("pagerduty", "PT4KHLK")).toBe(true);
    await reconciler.idle();
  });

  it("a repository of an owner the PagerDuty allowlist does not name is not looked up for (issue 15 §3)", async () => {
    const fake = fakeScans([found("infra", { pagerduty: {}, services: { shop: ["prod"] } })]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: { PAGERDUTY_API_TOKEN: TOKEN, PAGERDUTY_SERVICE_ALLOWLIST: "other-org:*" }, log: memoryLog().log, now: () => NOW });
    expect(await reconciler.reconcile("pagerduty", "PT4KHLK")).toEqual({ kind: "lookup-failed", reason: expect.stringContaining("allows acme no service") });
    expect(fake.started).toEqual([]);
  });

  it("walks the installations once for a burst of events, and again after forget()", async () => {
    const fake = fakeScans([]);
    const reconciler = new IncidentReconciler({ scans: fake.scans, env: {}, log: memoryLog().log, now: () => NOW });
    await reconciler.reconcile("jira", "INC-1");
    await reconciler.reconcile("jira", "INC-2");
    expect(fake.discoveries()).toBe(1);
    reconciler.forget();
    await reconciler.reconcile("jira", "INC-3");
    expect(fake.discoveries()).toBe(2);
  });
});

describe("IncidentPoller.tick", () => {
  function setup(env: Record<string, string>) {
    let now = NOW;
    const reconciled: string[] = [];
    const windows: { since: string; until: string }[] = [];
    const repos = [found("infra", { pagerduty: {}, poll: "5m" })];
    const reconciler = new IncidentReconciler({ scans: fakeScans(repos).scans, env, log: memoryLog().log, now: () => now });
    const stub = {
      repos: () => reconciler.repos(),
      sourceFor: (...args: Parameters<IncidentReconciler["sourceFor"]>) => reconciler.sourceFor(...args),
      reconcile: async (_source: string, key: string) => {
        reconciled.push(key);
        return { kind: "not-configured" as const };
      },
    };
    nock(PD)
      .get("/incidents")
      .query((q) => {
        windows.push({ since: String(q.since), until: String(q.until) });
        return true;
      })
      // as the tracker says at the time asked: PT4KHLK resolves at 09:30; POPEN01 stays open
      .reply(200, () => ({ incidents: [pdIncident(now >= Date.parse("2026-11-01T09:30:00Z") ? "resolved" : "triggered"), { ...pdIncident("triggered"), id: "POPEN01" }], more: false }))
      .persist();
    const poller = new IncidentPoller({ reconciler: stub, env, now: () => now, log: memoryLog().log });
    return { poller, reconciled, windows, advance: (ms: number) => (now += ms) };
  }

  it("polls a tracker without a webhook secret once per incidents.poll (5m), not on every tick", async () => {
    const { poller, windows, advance } = setup(PD_ENV);
    await poller.tick();
    const perPoll = windows.length;
    expect(perPoll).toBeGreaterThan(0);
    advance(60_000);
    await poller.tick(); // one minute later: within the interval, not asked
    expect(windows).toHaveLength(perPoll);
    advance(4 * 60_000);
    await poller.tick(); // five minutes after the first poll: asked again
    expect(windows).toHaveLength(2 * perPoll);
  });

  it("reconciles an incident resolved since the last poll once, however often it is listed again", async () => {
    const { poller, reconciled, advance } = setup(PD_ENV);
    advance(-40 * 60_000); // 09:20: the first poll covers 09:15-09:20, the incident is still open
    expect(await poller.tick()).toEqual([]);
    advance(15 * 60_000); // 09:35: covers 09:20-09:35, where the incident resolved (09:30)
    expect(await poller.tick()).toEqual(["PT4KHLK"]);
    advance(5 * 60_000);
    expect(await poller.tick()).toEqual([]);
    expect(reconciled).toEqual(["PT4KHLK"]);
  });

  it("never polls a tracker whose webhook secret is set: its webhook reports resolutions", async () => {
    const { poller, windows } = setup({ ...PD_ENV, PAGERDUTY_WEBHOOK_SECRETS: "s3cret" });
    expect(await poller.tick()).toEqual([]);
    expect(windows).toEqual([]);
  });
});
