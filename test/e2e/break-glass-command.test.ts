import Handlebars from "handlebars";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeState } from "../../src/core/drift/state.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { startApp } from "../support/probot-app.js";
import { escapeMarkdownInline } from "../../src/core/render/escape-markdown.js";

const OWNER = "acme";
const CONFIG = `
workspaces:
  - name: prod
    dir: prod
    tier: prod
  - name: dev
    dir: dev
drift:
  schedule: "0 0 * * *"
backport:
  enabled: false
incidents:
  github: { repo: acme/incidents, label: incident }
`;
const clean = JSON.stringify({ format_version: "1.2", resource_changes: [] });
const files = {
  "prod/main.tf": 'resource "null_resource" "x" {}\n',
  "prod/plan.json": clean,
  "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "dev/main.tf": 'resource "null_resource" "x" {}\n',
  "dev/plan.json": clean,
  "dev/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
};

/** A one-line reply as GitHub receives it: the template escapes HTML, which GitHub's markdown shows as typed. */
const line = (text: string) => `⚠️ ${escapeMarkdownInline(text)}`;

let api: GitHubApiMock;
let repo: TestRepo;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  repo = new TestRepo();
  repo.commitTo(files, "refs/heads/main");
  api = new GitHubApiMock()
    .installationToken(1)
    .installations([{ id: 1, login: OWNER }])
    .installationRepositories([{ owner: OWNER, name: "infra", cloneUrl: repo.cloneUrl }, { owner: OWNER, name: "incidents", cloneUrl: "file:///nowhere" }])
    .config(OWNER, "infra", CONFIG)
    .config(OWNER, "incidents", null)
    .dashboardIssues(OWNER, "infra")
    .permission(OWNER, "incidents", "alice", "write")
    .permission(OWNER, "incidents", "mallory", "read")
    .permission(OWNER, "infra", "alice", "admin")
    .reactions(OWNER, "incidents")
    .reactions(OWNER, "infra")
    .comments(OWNER, "incidents", 42)
    .comments(OWNER, "infra", 7);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** An issue comment as GitHub delivers it. */
function commentEvent(body: string, options: { repo?: string; issue?: number; issueBody?: string; labels?: string[]; login?: string; id?: number } = {}) {
  const name = options.repo ?? "incidents";
  return {
    action: "created",
    issue: { number: options.issue ?? 42, title: "Checkout down", body: options.issueBody ?? "Site down since 02:00", labels: (options.labels ?? ["incident"]).map((l) => ({ name: l })), user: { login: "pagerbot", type: "User" }, state: "open" },
    comment: { id: options.id ?? 500, body, user: { login: options.login ?? "alice", type: "User" } },
    repository: { name, full_name: `${OWNER}/${name}`, owner: { login: OWNER }, clone_url: name === "infra" ? repo.cloneUrl : "file:///nowhere", default_branch: "main" },
    installation: { id: 1 },
    sender: { login: options.login ?? "alice", type: "User" },
  };
}

const replies = (repoName: string, issue: number) => api.sent("POST", new RegExp(`^/repos/${OWNER}/${repoName}/issues/${issue}/comments$`)).map((r) => (r.body as { body: string }).body);
const reactionsOn = (repoName: string) => api.sent("POST", new RegExp(`^/repos/${OWNER}/${repoName}/issues/comments/\\d+/reactions$`)).map((r) => (r.body as { content: string }).content);
const dashboardState = () => decodeState((api.sent("POST", /^\/repos\/acme\/infra\/issues$/).concat(api.sent("PATCH", /^\/repos\/acme\/infra\/issues\/7$/)).at(-1)?.body as { body?: string } | undefined)?.body).state;

describe("/driftback break-glass (probot.receive, nock, fake terraform)", () => {
  it("on an incident issue, from a user with write access: replies with the window in UTC and records it in the dashboard of each repository with that workspace", async () => {
    const now = Date.parse("2026-11-23T02:00:00Z");
    const app = await startApp({ now: () => now });
    await app.receive("issue_comment", commentEvent("/driftback break-glass prod 2h db timeouts"));
    await app.idle();
    expect(replies("incidents", 42)).toEqual([
      "🛟 Break-glass declared for <code>prod</code> (acme/incidents#\u206042) by @alice: **2026-11-23 02:00–04:00 UTC** (2h): db timeouts.\n\n" +
        "Drift first seen in <code>prod</code> during this window is shown on the dashboard as expected and gets no backport pull request; when the window ends or the incident resolves, driftback scans at once and opens the pull requests, linked to acme/incidents#\u206042. Recorded on the drift dashboard of acme/infra.",
    ]);
    expect(reactionsOn("incidents")).toEqual(["+1"]);
    expect(dashboardState().breakGlass).toEqual([{ workspace: "prod", incidentKey: "acme/incidents#42", from: "2026-11-23T02:00:00.000Z", until: "2026-11-23T04:00:00.000Z", by: "alice", reason: "db timeouts" }]);
  });

  it("from a user without write access: a confused reaction, no reply and nothing recorded", async () => {
    const app = await startApp();
    await app.receive("issue_comment", commentEvent("/driftback break-glass prod 2h", { login: "mallory" }));
    await app.idle();
    expect(reactionsOn("incidents")).toEqual(["confused"]);
    expect(replies("incidents", 42)).toEqual([]);
    expect(api.sent("POST", /^\/repos\/acme\/infra\/issues$/)).toEqual([]);
  });

  it.each([
    ["a bad duration", "/driftback break-glass prod 2x", {}, 'break-glass: duration "2x" is not a duration such as "30m", "2h" or "1h30m"'],
    ["an unknown workspace", "/driftback break-glass staging 1h", {}, 'break-glass: workspace "staging" is not in .github/driftback.yml (workspaces: prod, dev)'],
    ["an issue without the incident label", "/driftback break-glass prod 1h", { labels: ["bug"] }, 'break-glass: issue #42 has no "incident" label, so it is not an incident'],
  ])("answers %s with one line and a confused reaction, recording nothing", async (_name, body, options, text) => {
    const app = await startApp();
    await app.receive("issue_comment", commentEvent(body, options));
    await app.idle();
    expect(replies("incidents", 42)).toEqual([line(text)]);
    expect(reactionsOn("incidents")).toEqual(["confused"]);
    expect(api.sent("POST", /^\/repos\/acme\/infra\/issues$/)).toEqual([]);
  });

  it("on the dashboard, naming incident=<key>: recorded in that repository; without incident= it says how to name one", async () => {
    const now = Date.parse("2026-11-23T02:00:00Z");
    const app = await startApp({ now: () => now });
    const onDashboard = { repo: "infra", issue: 7, issueBody: "<!-- driftback:dashboard -->\n## Drift dashboard", labels: ["driftback"] };
    await app.receive("issue_comment", commentEvent("/driftback break-glass dev 30m", { ...onDashboard, id: 600 }));
    expect(replies("infra", 7)).toEqual([line("break-glass: name the incident with incident=<key> (/driftback break-glass <workspace> <duration> [incident=<key>] [reason])")]);
    await app.receive("issue_comment", commentEvent("/driftback break-glass dev 30m incident=INC-1\u001b[31m", { ...onDashboard, id: 602 }));
    expect(replies("infra", 7)[1]).toBe(line("break-glass: incident=INC-1\\x1b[31m is not a key such as INC-123, owner/name#42 or the incident's URL (printable, at most 200 characters)"));
    await app.receive("issue_comment", commentEvent("/driftback break-glass dev 30m incident=INC-7 cache flush", { ...onDashboard, id: 601 }));
    await app.idle();
    expect(replies("infra", 7)[2]).toContain("Break-glass declared for <code>dev</code> (INC-7) by @alice: **2026-11-23 02:00–02:30 UTC** (30m): cache flush.");
    expect(reactionsOn("infra")).toEqual(["confused", "confused", "+1"]);
    expect(dashboardState().breakGlass).toMatchObject([{ workspace: "dev", incidentKey: "INC-7", until: "2026-11-23T02:30:00.000Z" }]);
  });

  it("says in one line that nothing was recorded when the installations cannot be walked", async () => {
    nock.cleanAll();
    api = new GitHubApiMock().installationToken(1).permission(OWNER, "incidents", "alice", "write").reactions(OWNER, "incidents").comments(OWNER, "incidents", 42);
    api.scope.get("/app/installations").query(true).reply(502, { message: "Bad Gateway" });
    const app = await startApp();
    await app.receive("issue_comment", commentEvent("/driftback break-glass prod 1h"));
    await app.idle();
    expect(replies("incidents", 42)).toEqual([line("break-glass: driftback could not read the repositories' driftback configs from GitHub just now; nothing was recorded: comment again")]);
    expect(reactionsOn("incidents")).toEqual(["confused"]);
  });

  it("a declaration made while the repository is being scanned is recorded by a scan right after it", async () => {
    repo.commitTo({ ...files, "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", sleepMs: { plan: 800 } }) }, "refs/heads/main");
    const app = await startApp({ now: () => Date.parse("2026-11-23T02:00:00Z") });
    const [found] = await app.driftback.scans().discover();
    expect(app.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    await app.receive("issue_comment", commentEvent("/driftback break-glass prod 1h"));
    await app.idle();
    expect(replies("incidents", 42)[0]).toContain("Recorded on the drift dashboard of acme/infra.");
    expect(dashboardState().breakGlass).toMatchObject([{ workspace: "prod", incidentKey: "acme/incidents#42", until: "2026-11-23T03:00:00.000Z" }]);
  });

  it("acts once on a redelivered comment", async () => {
    const app = await startApp({ now: () => Date.parse("2026-11-23T02:00:00Z") });
    const event = commentEvent("/driftback break-glass prod 1h");
    await app.receive("issue_comment", event, "delivery-1");
    await app.receive("issue_comment", event, "delivery-1");
    await app.idle();
    expect(replies("incidents", 42)).toHaveLength(1);
  });
});

describe("window end and incident resolution", () => {
  it("the scheduler's tick scans at once a repository whose window ended since the last tick; startForIncident scans the repositories with a declaration for it", async () => {
    let now = Date.parse("2026-11-23T02:00:00Z");
    const app = await startApp({ now: () => now });
    await app.receive("issue_comment", commentEvent("/driftback break-glass prod 2h"));
    await app.idle();
    expect(await app.driftback.scheduler().tick()).toEqual([]); // discovers; no window has ended
    now = Date.parse("2026-11-23T03:59:00Z");
    expect(await app.driftback.scheduler().tick()).toEqual([]);
    let dashboardReads = 0; // each scan reads the dashboard once
    api.scope.on("request", (req: { method: string; url: string }) => {
      if (req.method === "GET" && new URL(req.url).pathname === "/repos/acme/infra/issues") dashboardReads++;
    });
    now = Date.parse("2026-11-23T04:00:00Z");
    expect(await app.driftback.scheduler().tick()).toEqual(["acme/infra"]);
    await app.idle();
    expect(dashboardReads).toBe(1);
    now = Date.parse("2026-11-23T04:01:00Z");
    expect(await app.driftback.scheduler().tick()).toEqual([]); // once

    expect(await app.driftback.scans().startForIncident({ key: "ACME/incidents#42" })).toEqual(["acme/infra"]);
    expect(await app.driftback.scans().startForIncident({ key: "acme/incidents#43" })).toEqual([]);
    await app.idle();
    expect(dashboardReads).toBe(2); // one more scan, for the resolved incident
  });
});
