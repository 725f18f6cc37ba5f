import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeState } from "../../src/core/drift/state.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { startApp } from "../support/probot-app.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";

const OWNER = "acme";
const config = (schedule: string) => `
workspaces:
  - name: prod
    dir: prod
drift:
  schedule: "${schedule}"
backport:
  enabled: false
incidents:
  github: { repo: acme/incidents, label: incident }
`;
const clean = JSON.stringify({ format_version: "1.2", resource_changes: [] });
const files = { "prod/main.tf": 'resource "null_resource" "x" {}\n', "prod/plan.json": clean, "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }) };

let api: GitHubApiMock;
let repo: TestRepo;
let infraConfig: string;
let apps: Awaited<ReturnType<typeof startApp>>[] = [];

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  repo = new TestRepo();
  repo.commitTo(files, "refs/heads/main");
  infraConfig = config("0 0 * * *");
  api = new GitHubApiMock()
    .installationToken(1)
    .installations([{ id: 1, login: OWNER }])
    .installationRepositories([{ owner: OWNER, name: "infra", cloneUrl: repo.cloneUrl }, { owner: OWNER, name: "incidents", cloneUrl: "file:///nowhere" }])
    .config(OWNER, "incidents", null)
    .dashboardIssues(OWNER, "infra")
    .permission(OWNER, "incidents", "alice", "write")
    .reactions(OWNER, "incidents")
    .comments(OWNER, "incidents", 42);
  // the config as the default branch has it now (a push changes it)
  api.scope.get(`/repos/${OWNER}/infra/contents/${encodeURIComponent(".github/driftback.yml")}`).query(true).reply(200, () => infraConfig, { "content-type": "application/vnd.github.raw; charset=utf-8" }).persist();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.driftback.close(1_000)));
  nock.cleanAll();
  nock.enableNetConnect();
});

function breakGlassComment() {
  return {
    action: "created",
    issue: { number: 42, title: "Checkout down", body: "Site down", labels: [{ name: "incident" }], user: { login: "pagerbot", type: "User" }, state: "open" },
    comment: { id: 500, body: "/driftback break-glass prod 2h", user: { login: "alice", type: "User" } },
    repository: { name: "incidents", full_name: `${OWNER}/incidents`, owner: { login: OWNER }, clone_url: "file:///nowhere", default_branch: "main" },
    installation: { id: 1 },
    sender: { login: "alice", type: "User" },
  };
}

function configPush(ref = "refs/heads/main") {
  const commit = { id: "c1", added: [], modified: [".github/driftback.yml"], removed: [] };
  return { ref, before: "a", after: "b", commits: [commit], head_commit: commit, repository: { name: "infra", full_name: `${OWNER}/infra`, owner: { login: OWNER, name: OWNER }, default_branch: "main" }, installation: { id: 1 }, sender: { login: "alice", type: "User" } };
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const dashboardWrites = () => api.sent("POST", /^\/repos\/acme\/infra\/issues$/).concat(api.sent("PATCH", /^\/repos\/acme\/infra\/issues\/7$/));

describe.skipIf(!redisUrl)(`drift schedules across two replicas sharing one Redis${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  it("a break-glass window recorded by a scan on one replica ends on the other's tick, which queues the scan; an incident's resolution reads the same windows", async () => {
    let now = Date.parse("2026-11-23T02:00:00Z");
    const redis = isolatedRedis("schedules");
    const [a, b] = [await startApp({ redis, now: () => now }), await startApp({ redis, now: () => now })];
    apps = [a, b];
    await a.receive("issue_comment", breakGlassComment());
    for (const app of apps) await app.idle();
    expect(decodeState(dashboardWrites().at(-1)?.body.body).state.breakGlass).toMatchObject([{ workspace: "prod", until: "2026-11-23T04:00:00.000Z" }]);

    expect(await b.driftback.schedules()!.tick()).toEqual([]); // the first tick of the deployment marks the time
    now = Date.parse("2026-11-23T03:59:00Z");
    expect(await b.driftback.schedules()!.tick()).toEqual([]);
    const plansBefore = a.fake.calls().length + b.fake.calls().length;
    now = Date.parse("2026-11-23T04:00:00Z");
    expect(await b.driftback.schedules()!.tick()).toEqual(["acme/infra"]);
    for (const app of apps) await app.idle();
    expect(a.fake.calls().length + b.fake.calls().length).toBeGreaterThan(plansBefore); // the scan ran, on whichever replica
    now = Date.parse("2026-11-23T04:01:00Z");
    expect(await a.driftback.schedules()!.tick()).toEqual([]); // once, whichever replica ticks next

    const plansBeforeIncident = a.fake.calls().length + b.fake.calls().length;
    expect(await a.driftback.scans().startForIncident({ key: "ACME/incidents#42" })).toEqual(["acme/infra"]);
    expect(await a.driftback.scans().startForIncident({ key: "acme/incidents#43" })).toEqual([]);
    for (const app of apps) await app.idle();
    expect(a.fake.calls().length + b.fake.calls().length).toBeGreaterThan(plansBeforeIncident);
  });

  it("both replicas discovering leave one scheduler for the repository, whose job queues a scan; a config push to the default branch makes it follow the new schedule", async () => {
    const redis = isolatedRedis("schedules");
    const [a, b] = [await startApp({ redis }), await startApp({ redis })];
    apps = [a, b];
    await a.driftback.schedules()!.discover();
    await b.driftback.schedules()!.discover();
    const queue = a.driftback.runtime()!.queue("schedule");
    const repoSchedulers = async () => (await queue.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith("schedule/")).map((s) => ({ id: s.key, pattern: s.pattern }));
    expect(await repoSchedulers()).toEqual([{ id: "schedule/acme/infra", pattern: "0 0 * * *" }]);

    // the scheduler's job (its next iteration waits, delayed), as if it had fired a day ago: it queues a scan, which runs
    const [next] = (await queue.getDelayed()).filter((job) => job.id!.startsWith("repeat:schedule/acme/infra:"));
    const firedYesterday = Object.assign(Object.create(Object.getPrototypeOf(next!)), next!, { id: `repeat:schedule/acme/infra:${Date.parse("2026-11-22T00:00:00Z")}` });
    expect(await b.driftback.schedules()!.process(firedYesterday)).toBe(true);
    await until("the scheduled scan planned", async () => [...a.fake.calls(), ...b.fake.calls()].some((call) => call.args[0] === "plan"));

    infraConfig = config("0 6 * * *");
    await b.receive("push", configPush("refs/heads/feature")); // not the default branch: nothing to follow
    await b.receive("push", configPush());
    // the discovery job runs on whichever replica's scan worker takes it
    await until("the schedule follows the config", async () => (await repoSchedulers())[0]?.pattern === "0 6 * * *");
    expect(await repoSchedulers()).toEqual([{ id: "schedule/acme/infra", pattern: "0 6 * * *" }]);
  });
});
