import http from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeState } from "../../src/core/drift/state.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { startApp } from "../support/probot-app.js";

const OWNER = "acme";
const REPO = "infra";
const CONFIG = `
workspaces:
  - name: prod
    dir: prod
    tier: prod
  - name: dev
    dir: dev
drift:
  schedule: "0 * * * *"
  ignore:
    - { type: aws_autoscaling_group, attribute: desired_capacity }
# these tests are about detection and the dashboard; backport pull requests have their own e2e tests
backport:
  enabled: false
`;

/** A plan whose resource_drift says instance_type and an ignored ASG size changed outside, and apply reverts both. */
function prodPlan(liveType: string | null): string {
  const drift = liveType === null ? [] : [
    { address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small", tags: null }, after: { instance_type: liveType, tags: {} }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
    { address: "aws_autoscaling_group.web", mode: "managed", type: "aws_autoscaling_group", name: "web", change: { actions: ["update"], before: { desired_capacity: 2 }, after: { desired_capacity: 5 }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
  ];
  const changes = liveType === null ? [] : [
    { address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: liveType, tags: {} }, after: { instance_type: "t3.small", tags: {} }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
    { address: "aws_autoscaling_group.web", mode: "managed", type: "aws_autoscaling_group", name: "web", change: { actions: ["update"], before: { desired_capacity: 5 }, after: { desired_capacity: 2 }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
  ];
  return JSON.stringify({ format_version: "1.2", resource_drift: drift, resource_changes: changes, relevant_attributes: [{ resource: "aws_instance.web", attribute: ["instance_type"] }] });
}

const files = (liveType: string | null, devControl: object = {}) => ({
  "prod/main.tf": 'resource "aws_instance" "web" {}\n',
  "prod/plan.json": prodPlan(liveType),
  "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "dev/main.tf": 'resource "null_resource" "x" {}\n',
  "dev/plan.json": JSON.stringify({ format_version: "1.2", resource_changes: [] }),
  "dev/.fake-terraform.json": JSON.stringify({ plan: "plan.json", ...devControl }),
});

let api: GitHubApiMock;
let repo: TestRepo;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  repo = new TestRepo();
  api = new GitHubApiMock()
    .installationToken(1)
    .installations([{ id: 1, login: OWNER }])
    .installationRepositories([{ owner: OWNER, name: REPO, cloneUrl: repo.cloneUrl }, { owner: OWNER, name: "archived", cloneUrl: "file:///nowhere", archived: true }])
    .config(OWNER, REPO, CONFIG)
    .dashboardIssues(OWNER, REPO);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function scanNow(app: Awaited<ReturnType<typeof startApp>>) {
  const found = await app.driftback.scans().discover();
  expect(found.map((f) => `${f.repo.target.owner}/${f.repo.target.repo}`)).toEqual([`${OWNER}/${REPO}`]);
  return app.driftback.scans().run(found[0]!.repo, found[0]!.octokit);
}

const writes = () => api.requests.filter((r) => r.method === "POST" || r.method === "PATCH");
const dashboardState = () => decodeState(writes().at(-1)!.body.body).state;

describe("drift scans across time (nock, fake terraform, local git)", () => {
  it("creates the dashboard on first drift, edits nothing when unchanged, tracks value changes, survives failures, resolves", async () => {
    let now = Date.parse("2026-11-01T10:00:00Z");
    const app = await startApp({ now: () => now });

    // 1. drift appears: the dashboard issue is created, ignored and noise items left out
    repo.commitTo(files("t3.large"), "refs/heads/main");
    const first = await scanNow(app);
    expect(first!.dashboard).toMatchObject({ action: "created", number: 7 });
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual([`POST /repos/${OWNER}/${REPO}/labels`, `POST /repos/${OWNER}/${REPO}/issues`]);
    expect(writes()[0]!.body).toMatchObject({ name: "driftback" });
    const created = writes()[1]!.body;
    expect(created).toMatchObject({ title: "Drift dashboard", labels: ["driftback"] });
    expect(created.body).toContain("<code>aws_instance.web</code> | <code>instance_type</code>");
    expect(created.body).not.toContain("desired_capacity"); // ignored by config
    expect(created.body).not.toContain("<code>tags</code>"); // null -> {} is noise
    expect(created.body).not.toContain("could not bring the backport pull requests up to date"); // backport is off here
    const [item] = Object.values(dashboardState().items);
    expect(item).toMatchObject({ workspace: "prod", severity: "high", firstSeen: "2026-11-01" });

    // 2. the same drift again: not a single write
    await scanNow(app);
    expect(writes()).toHaveLength(2);

    // 3. after a restart (a new process: all it knows is the dashboard), the live value moves:
    //    same drift, new value, first-seen kept, the dashboard updated in place
    now += 24 * 3_600_000;
    repo.commitTo(files("t3.xlarge"), "refs/heads/main");
    const restarted = await startApp({ now: () => now });
    await scanNow(restarted);
    expect(writes().map((w) => w.method)).toEqual(["POST", "POST", "PATCH"]);
    const moved = Object.values(dashboardState().items)[0]!;
    expect(moved.firstSeen).toBe("2026-11-01");
    expect(moved.valueHash).not.toBe(item!.valueHash);

    // 4. dev fails: reported, and prod's drift is untouched
    repo.commitTo(files("t3.xlarge", { fail: { plan: { code: 1, stderr: "Error: Error acquiring the state lock\n" } } }), "refs/heads/main");
    const failing = await scanNow(restarted);
    expect(failing!.scans.find((s) => s.workspace === "dev")).toMatchObject({ ok: false });
    expect(writes().at(-1)!.body.body).toMatch(/scan failed: .*terraform plan.* exited with code 1: Error: Error acquiring the state lock/);
    expect(Object.values(dashboardState().items)).toHaveLength(1);

    // 5. drift resolved (someone applied): gone from the dashboard, workspace clean
    now += 24 * 3_600_000;
    repo.commitTo(files(null), "refs/heads/main");
    await scanNow(restarted);
    expect(dashboardState().items).toEqual({});
    expect(writes().at(-1)!.body.body).toContain("✅ clean since 2026-11-03");
  });

  it("keeps known drift when the whole checkout fails, and says why", async () => {
    const app = await startApp();
    repo.commitTo(files("t3.large"), "refs/heads/main");
    await scanNow(app);
    repo.commitTo(files("t3.large"), "refs/heads/other");
    // the default branch disappears: fetching it fails
    const { execFileSync } = await import("node:child_process");
    execFileSync("git", ["--git-dir", repo.bare, "update-ref", "-d", "refs/heads/main"]);
    const report = await scanNow(app);
    expect(report!.scans.every((s) => !s.ok)).toBe(true);
    expect(Object.values(dashboardState().items)).toHaveLength(1);
    expect(writes().at(-1)!.body.body).toMatch(/scan failed: could not fetch main/);
  });

  it("runs on its schedule: due repositories start on the tick after their time (with jitter)", async () => {
    let now = Date.parse("2026-11-01T10:05:00Z");
    const app = await startApp({ now: () => now });
    repo.commitTo(files("t3.large"), "refs/heads/main");
    expect(await app.driftback.scheduler().tick()).toEqual([]); // discovers, plans the first run
    now = Date.parse("2026-11-01T10:59:00Z");
    expect(await app.driftback.scheduler().tick()).toEqual([]);
    now = Date.parse("2026-11-01T11:11:00Z"); // past 11:00 plus at most ten minutes of jitter
    expect(await app.driftback.scheduler().tick()).toEqual([`${OWNER}/${REPO}`]);
    await app.idle();
    expect(writes().map((w) => w.path)).toEqual([`/repos/${OWNER}/${REPO}/labels`, `/repos/${OWNER}/${REPO}/issues`]);
  });
});

describe("installation events", () => {
  it("make the schedule walk installations again on its next tick", async () => {
    const { readSharedWebhook, sharedAvailable } = await import("../support/shared.js");
    if (!sharedAvailable) return;
    let now = Date.parse("2026-11-01T10:05:00Z");
    const app = await startApp({ now: () => now });
    repo.commitTo(files("t3.large"), "refs/heads/main");
    await app.driftback.scheduler().tick();
    let discoveries = 0;
    api.scope.on("request", (req: { url: string }) => {
      if (req.url.includes("/app/installations")) discoveries++;
    });
    now += 60_000;
    await app.driftback.scheduler().tick();
    expect(discoveries).toBe(0); // within the hour: no walk
    await app.receive("installation_repositories", readSharedWebhook("installation_repositories.added"));
    now += 60_000;
    await app.driftback.scheduler().tick();
    expect(discoveries).toBe(1);
  });
});

describe("the scan endpoint, /metrics and /healthz", () => {
  async function serve(app: Awaited<ReturnType<typeof startApp>>) {
    const server = http.createServer(async (req, res) => {
      for (const handler of app.handlers) if (await handler(req, res)) return;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it("is off without DRIFTBACK_SCAN_TOKEN", async () => {
    const app = await startApp({ scanToken: undefined });
    const { base, close } = await serve(app);
    expect((await fetch(`${base}/driftback/scan`, { method: "POST" })).status).toBe(404);
    await close();
  });

  it("demands the bearer token, answers 202 with what it queued, then scans the repository asked for, one scan at a time", async () => {
    repo.commitTo(files("t3.large", { sleepMs: { plan: 800 } }), "refs/heads/main");
    const app = await startApp({ scanToken: "s3cret-scan-token" });
    const { base, close } = await serve(app);
    const post = (token: string | undefined, query = "") =>
      fetch(`${base}/driftback/scan${query}`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });

    expect((await post(undefined)).status).toBe(401);
    const wrong = await post("s3cret-scan-tokeX");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
    expect((await post("s3cret-scan-token", "?repo=not a repo")).status).toBe(400);
    expect((await fetch(`${base}/driftback/scan`)).status).toBe(405);

    // discovery runs after the answer: a repository that is not installed is reported in the metrics
    const unknown = await post("s3cret-scan-token", "?repo=acme/unknown");
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual({ id: expect.any(String), queued: ["acme/unknown"] });
    await app.idle();
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^driftback_scan_requests_unmatched_total 1$/m);
    expect(app.fake.calls()).toEqual([]);

    const accepted = await post("s3cret-scan-token", `?repo=${OWNER}/${REPO}`);
    expect(accepted.status).toBe(202);
    const queued = await accepted.json();
    expect(queued).toEqual({ id: expect.any(String), queued: [`${OWNER}/${REPO}`] });
    const all = await post("s3cret-scan-token");
    expect(all.status).toBe(202);
    expect(await all.json()).toEqual({ id: expect.not.stringMatching(queued.id), queued: "all installations" });
    await app.idle();
    expect(app.fake.calls().filter((c) => c.args[0] === "plan")).toHaveLength(2); // prod and dev, once: the second request found the scan running
    // the default branch is reviewed code: its owner's reviewed cache, which no pull request's run writes
    expect(new Set(app.fake.calls().map((c) => c.env.TF_PLUGIN_CACHE_DIR!.replace(/\/slot-\d+$/, "")))).toEqual(new Set([expect.stringMatching(/\/acme\/reviewed$/)]));

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/driftback_drift_items\{repo="acme\/infra",workspace="prod",class="actionable",severity="high"\} 1/);
    expect(metrics).toMatch(/driftback_plans_total\{kind="scan",outcome="ok"\} 2/);
    expect(metrics).toMatch(/driftback_scan_duration_seconds_count\{repo="acme\/infra"\} 1/);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    await close();
  });
});

describe("/driftback scan on the dashboard issue", () => {
  it("scans now for a writer, and only reacts for anyone else", async () => {
    const { readSharedWebhook, sharedAvailable } = await import("../support/shared.js");
    if (!sharedAvailable) return;
    repo.commitTo(files("t3.large"), "refs/heads/main");
    api.permission(OWNER, REPO, "octocat", "write").permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO);
    const app = await startApp();
    const event = (login: string, id: number, body = "<!-- driftback:dashboard -->\n## Drift dashboard") => {
      const payload = readSharedWebhook("issue_comment.created");
      payload.repository = { ...payload.repository, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...payload.repository.owner, login: OWNER }, clone_url: repo.cloneUrl, default_branch: "main" };
      payload.installation = { id: 1 };
      payload.issue = { ...payload.issue, number: 7, body, pull_request: undefined };
      payload.comment = { ...payload.comment, id, body: "/driftback scan", user: { ...payload.comment.user, login, type: "User" } };
      return payload;
    };
    await app.receive("issue_comment", event("mallory", 21));
    await app.receive("issue_comment", event("octocat", 22, "an ordinary issue"));
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/21\/reactions$/)[0]!.body).toEqual({ content: "confused" });

    await app.receive("issue_comment", event("octocat", 23));
    await app.idle();
    expect(api.sent("POST", /comments\/23\/reactions$/)[0]!.body).toEqual({ content: "eyes" });
    expect(app.fake.calls().filter((c) => c.args[0] === "plan")).toHaveLength(2);
    expect(api.sent("POST", new RegExp(`/repos/${OWNER}/${REPO}/issues$`))).toHaveLength(1);
  });
});
