import { existsSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAction } from "../../src/action/run.js";
import { API, GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { isAlive, scanPlanCalls } from "../support/fake-terraform.js";
import { ACTION_TOKEN, DRIFTED_PROD, simulatedStep } from "./action-env.js";
import { DASHBOARD_MARKER } from "../../src/core/drift/dashboard.js";
import { readSharedWebhook, sharedAvailable } from "../support/shared.js";

/**
 * Issue 17 §5: `on: schedule`, the Action's scan of the repository the workflow runs in, against nock'd GitHub
 * (each endpoint as GitHub's REST docs give it: GET /repos/{owner}/{repo}, the config's contents, the issues list,
 * POST/PATCH issues), the fake terraform and a local git remote.
 */
const OWNER = "acme";
const REPO = "infra";
const config = (backport: boolean) => `
workspaces:
  - name: prod
    dir: prod
    tier: prod
  - name: dev
    dir: dev
backport:
  enabled: ${backport}
`;

const drifted = {
  ...DRIFTED_PROD,
  "dev/main.tf": 'resource "null_resource" "x" {}\n',
  "dev/plan.json": JSON.stringify({ format_version: "1.2", resource_changes: [] }),
  "dev/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
};

/** GitHub's schedule event payload (the webhook payload object for `schedule`: the cron and the workflow file). */
const SCHEDULE_PAYLOAD = { schedule: "17 * * * *", workflow: ".github/workflows/driftback.yml" };

let api: GitHubApiMock;
let repo: TestRepo;

function github(yaml: string) {
  api = new GitHubApiMock().config(OWNER, REPO, yaml).dashboardIssues(OWNER, REPO, 7, { login: "github-actions[bot]", appId: 15368 }).backportPullRequests(OWNER, REPO);
  api.scope.get(`/repos/${OWNER}/${REPO}`).reply(200, { name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", clone_url: repo.cloneUrl, owner: { login: OWNER } }).persist();
}

beforeEach(() => {
  nock.disableNetConnect();
  repo = new TestRepo();
  repo.commitTo(drifted, "refs/heads/main");
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("the Action on schedule", () => {
  it("scans every configured workspace, writes the dashboard, sets drift-count and pull-requests, and a job summary", async () => {
    github(config(false));
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(step.outputs()).toEqual({ "drift-count": "1", "pull-requests": "[]" });
    // both workspaces planned, the dashboard created with the drift
    expect(scanPlanCalls(step.fake.calls()).map((c) => c.cwd.split("/").at(-1)).sort()).toEqual(["dev", "prod"]);
    const created = api.sent("POST", new RegExp(`^/repos/${OWNER}/${REPO}/issues$`));
    expect(created).toHaveLength(1);
    expect(created[0]!.body.body).toContain("aws_instance.web");
    const summary = step.summary();
    expect(summary).toMatch(/\| prod \| planned \| 1 \| 0 \| 0 \|/);
    expect(summary).toMatch(/\| dev \| planned \| 0 \| 0 \| 0 \|/);
    expect(summary).toContain("Dashboard issue: #7 created");
    expect(summary.trim().split("\n").at(-1)).toBe("**Drift: 1 real drift item — 0 pull requests open**");
    // the token was masked for the runner's log before anything else was printed
    expect(step.stdout[0]).toBe(`::add-mask::${ACTION_TOKEN}\n`);
  });

  it("terraform inherits none of the runner's secrets: inputs, runtime and OIDC tokens, file commands, a copy of the token", async () => {
    github(config(false));
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    const calls = step.fake.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(Object.keys(call.env).filter((k) => /^(INPUT_|ACTIONS_|GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$|LEAK_|GITHUB_TOKEN)/.test(k))).toEqual([]);
      expect(JSON.stringify(call.env)).not.toContain(ACTION_TOKEN);
    }
    // what terraform needs stays: the cloud credentials the workflow's OIDC step exported
    expect(step.env.AWS_ACCESS_KEY_ID).toBe("ASIAEXAMPLE");
  });

  it("a second run with the same drift edits nothing: one dashboard, found again by GitHub Actions' app id", async () => {
    github(config(false));
    const first = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    await runAction({ env: first.env, terraform: first.terraform, scratchDir: first.scratch, stdout: first.write, unthrottled: true, logDestination: quiet() });
    const issueWrites = () => api.requests.filter((r) => r.method !== "GET" && /\/issues(\/\d+)?$/.test(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(issueWrites()).toEqual([`POST /repos/${OWNER}/${REPO}/issues`]);
    const second = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    expect(await runAction({ env: second.env, terraform: second.terraform, scratchDir: second.scratch, stdout: second.write, unthrottled: true, logDestination: quiet() })).toBe(0);
    expect(issueWrites()).toEqual([`POST /repos/${OWNER}/${REPO}/issues`]);
    expect(second.summary()).toContain("Dashboard issue: #7 unchanged");
  });

  it("dry-run: GitHub is only read; the pull requests it would open are the output, the summary says so", async () => {
    github(config(true));
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD, inputs: { "dry-run": "true" } });
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(api.changes()).toEqual([]);
    const outputs = step.outputs();
    expect(outputs["drift-count"]).toBe("1");
    const pullRequests = JSON.parse(outputs["pull-requests"]!) as { status: string; action: string; title: string; branch: string; drift: number; number?: number }[];
    expect(pullRequests).toHaveLength(1);
    expect(pullRequests[0]).toMatchObject({ status: "would-open", drift: 1 });
    expect(pullRequests[0]!.number).toBeUndefined(); // the recording host's numbers are made up: never shown
    expect(pullRequests[0]!.branch).toMatch(/^driftback\//);
    expect(step.summary()).toContain("Dry run: GitHub was only read");
    expect(step.summary()).toContain("Dashboard issue: would be created");
    expect(step.summary().trim().split("\n").at(-1)).toBe("**Drift: 1 real drift item — 1 pull request would be open**");
  });

  it.skipIf(!sharedAvailable)("issue_comment: a writer's /driftback scan on the dashboard scans the repository in the job (the App's handler; payload from ../shared/fixtures)", async () => {
    github(config(false));
    api.permission(OWNER, REPO, "octocat", "write").reactions(OWNER, REPO);
    const event = readSharedWebhook("issue_comment.created");
    event.repository = { ...event.repository, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...event.repository.owner, login: OWNER }, clone_url: repo.cloneUrl, default_branch: "main" };
    event.issue = { ...event.issue, number: 7, pull_request: undefined, body: `${DASHBOARD_MARKER}\n# Drift dashboard` };
    event.comment = { ...event.comment, id: 61, body: "/driftback scan", user: { ...event.comment.user, login: "octocat", type: "User" } };
    delete event.installation;
    const step = simulatedStep({ event: "issue_comment", payload: event });
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(api.sent("POST", /comments\/61\/reactions$/).map((r) => r.body)).toEqual([{ content: "eyes" }]);
    expect(scanPlanCalls(step.fake.calls()).map((c) => c.cwd.split("/").at(-1)).sort()).toEqual(["dev", "prod"]);
    expect(api.sent("POST", new RegExp(`^/repos/${OWNER}/${REPO}/issues$`))).toHaveLength(1);
  });

  it("links the drift's pull request to the incident from the configured source (a GitHub issue, read with the job's token)", async () => {
    github(`${config(true)}incidents:\n  github: { repo: ${OWNER}/incidents, label: incident }\n`);
    const openedAt = new Date(Date.now() - 60 * 60_000).toISOString();
    const incident = { number: 42, title: "Checkout is slow", body: "Resized aws_instance.web in prod to t3.large by hand during the incident.", html_url: `https://github.com/${OWNER}/incidents/issues/42`, state: "open", created_at: openedAt, updated_at: openedAt, closed_at: null, labels: [{ name: "incident" }], user: { login: "alice", type: "User" } };
    const incidents = nock(API).persist();
    incidents.get(`/repos/${OWNER}/incidents/issues`).query(true).reply(200, [incident]);
    incidents.get(`/repos/${OWNER}/incidents/issues/42`).query(true).reply(200, incident);
    incidents.get(`/repos/${OWNER}/incidents/issues/42/comments`).query(true).reply(200, []);
    incidents.get(`/repos/${OWNER}/incidents/issues/42/timeline`).query(true).reply(200, []);
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD, inputs: { "dry-run": "true" } });
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    const [pr] = JSON.parse(step.outputs()["pull-requests"]!) as { incident?: { key: string; source: string; url?: string } }[];
    expect(pr!.incident).toEqual({ key: `${OWNER}/incidents#42`, source: "github", url: incident.html_url });
    expect(api.changes()).toEqual([]); // a dry run follows up nothing either
  });

  it("a cancelled job stops terraform with its process group at once and writes nothing more", async () => {
    repo.commitTo({ "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", hang: ["plan"] }) }, "refs/heads/main");
    github(config(false));
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    const cancelled = new AbortController();
    const done = runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, unthrottled: true, logDestination: quiet(), signal: cancelled.signal });
    while (!(existsSync(step.fake.pidFile) && readFileSync(step.fake.pidFile, "utf8").trim().split("\n").length >= 2)) await new Promise((resolve) => setTimeout(resolve, 50));
    cancelled.abort(); // what main.ts does on the runner's SIGINT or SIGTERM
    expect(await done).toBe(1);
    expect(step.stdout.join("")).toContain("::error::the job was cancelled: terraform was stopped");
    const pids = readFileSync(step.fake.pidFile, "utf8").trim().split("\n").map(Number);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(api.changes()).toEqual([]);
  });

  it("waits as GitHub's retry-after says on a rate limit and goes on (the throttling and retry plugins, not disabled here)", async () => {
    api = new GitHubApiMock().config(OWNER, REPO, config(false)).dashboardIssues(OWNER, REPO, 7, { login: "github-actions[bot]", appId: 15368 });
    // GitHub's secondary rate limit: 403 with retry-after (seconds), once (a scope of its own: the mock's scope persists all), then the answer
    nock(API).get(`/repos/${OWNER}/${REPO}`).reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, { "retry-after": "1" });
    api.scope.get(`/repos/${OWNER}/${REPO}`).reply(200, { name: REPO, default_branch: "main", clone_url: repo.cloneUrl }).persist();
    const step = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    const started = Date.now();
    const code = await runAction({ env: step.env, terraform: step.terraform, scratchDir: step.scratch, stdout: step.write, logDestination: quiet() });
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(step.outputs()["drift-count"]).toBe("1");
  });

  it("workspaces input narrows the scan; one that matches nothing is an error naming the configured ones", async () => {
    github(config(false));
    const only = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD, inputs: { workspaces: "dev" } });
    expect(await runAction({ env: only.env, terraform: only.terraform, scratchDir: only.scratch, stdout: only.write, unthrottled: true, logDestination: quiet() })).toBe(0);
    expect(scanPlanCalls(only.fake.calls()).map((c) => c.cwd.split("/").at(-1))).toEqual(["dev"]);
    expect(only.outputs()["drift-count"]).toBe("0");
    const none = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD, inputs: { workspaces: "staging-*" } });
    expect(await runAction({ env: none.env, terraform: none.terraform, scratchDir: none.scratch, stdout: none.write, unthrottled: true, logDestination: quiet() })).toBe(1);
    expect(none.stdout.join("")).toContain("::error::input workspaces (staging-*) matches none of the configured workspaces: prod, dev");
    expect(none.fake.calls()).toEqual([]);
  });

  it("no config, a bad input, an event it does not handle: one ::error:: line saying what to do, exit 1, nothing planned", async () => {
    api = new GitHubApiMock().config(OWNER, REPO, null);
    api.scope.get(`/repos/${OWNER}/${REPO}`).reply(200, { name: REPO, default_branch: "main", clone_url: repo.cloneUrl }).persist();
    for (const file of ["atlantis.yaml", "atlantis.yml"]) api.scope.get(`/repos/${OWNER}/${REPO}/contents/${file}`).query(true).reply(404, { message: "Not Found" }).persist();
    const missing = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD });
    expect(await runAction({ env: missing.env, terraform: missing.terraform, stdout: missing.write, unthrottled: true, logDestination: quiet() })).toBe(1);
    expect(missing.stdout.join("")).toContain("::error::acme/infra has no driftback config on its default branch (main)");

    const badInput = simulatedStep({ event: "schedule", payload: SCHEDULE_PAYLOAD, inputs: { "dry-run": "yes", config: "../secrets.yml" } });
    expect(await runAction({ env: badInput.env, terraform: badInput.terraform, stdout: badInput.write, unthrottled: true, logDestination: quiet() })).toBe(1);
    expect(badInput.stdout.join("")).toMatch(/^::error::input config is "..\/secrets.yml": it must name a .yml or .yaml file directly under .github\//);

    const push = simulatedStep({ event: "push", payload: {} });
    expect(await runAction({ env: push.env, terraform: push.terraform, stdout: push.write, unthrottled: true, logDestination: quiet() })).toBe(1);
    expect(push.stdout.join("")).toContain("::error::driftback does not handle the push event");
    expect(push.fake.calls()).toEqual([]);
  });
});

/** The Action's log, kept out of the test output (it is asserted through outputs, summaries and requests). */
function quiet(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
