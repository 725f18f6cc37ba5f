import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubIssuesIncidentSource } from "../../../src/adapters/incidents/github.js";
import { ghIssue, GitHubIssuesMock, GITHUB_API } from "../../support/incident-apis.js";

const TOKEN = "ghs_incidents0123456789abcdefABCDEF012345";
const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };
const NOW = Date.parse("2026-11-01T04:00:00Z");

let api: GitHubIssuesMock;
let source: GitHubIssuesIncidentSource;
beforeEach(() => {
  nock.disableNetConnect();
  api = new GitHubIssuesMock();
  const octokit = new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false } });
  source = new GitHubIssuesIncidentSource({ octokit, repo: "acme/incidents", now: () => NOW });
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const next = (page: number) => `<${GITHUB_API}/repositories/1/issues?page=${page}>; rel="next", <${GITHUB_API}/repositories/1/issues?page=9>; rel="last"`;

describe("listing incident issues", () => {
  it("reads every page of the issues touched since the window began, then the open ones, and keeps those open during the window", async () => {
    api.listIssues([ghIssue(42), ghIssue(43, { pull_request: { url: "x" } })], next(2));
    api.listIssues([ghIssue(44, { created_at: "2026-10-01T00:00:00Z", closed_at: "2026-10-02T00:00:00Z" })]);
    api.listIssues([ghIssue(7, { state: "open", closed_at: null, created_at: "2026-09-01T00:00:00Z" })]);

    const incidents = await source.listIncidents(WINDOW);

    expect(incidents.map((i) => i.key)).toEqual(["acme/incidents#7", "acme/incidents#42"]);
    const [first, second, open] = api.sent("GET", "/repos/acme/incidents/issues");
    expect(Object.fromEntries(first!.query)).toEqual({ labels: "incident", state: "all", since: "2026-11-01T00:00:00.000Z", per_page: "100", page: "1" });
    expect(second!.query.get("page")).toBe("2");
    expect(Object.fromEntries(open!.query)).toEqual({ labels: "incident", state: "open", per_page: "100", page: "1" });
    expect(first!.headers.authorization).toBe(`token ${TOKEN}`);
  });

  it("maps an issue: closed is resolved at closed_at, a service:<name> label is the service", async () => {
    api.listIssues([ghIssue(42)]);
    api.listIssues([]);
    expect(await source.listIncidents(WINDOW)).toEqual([
      {
        key: "acme/incidents#42",
        title: "Incident 42: checkout down",
        url: "https://github.com/acme/incidents/issues/42",
        status: "resolved",
        openedAt: "2026-11-01T02:10:00.000Z",
        resolvedAt: "2026-11-01T03:40:00.000Z",
        text: "Incident 42: checkout down\n\nOpened sg-0abc to 0.0.0.0/0 on port 443 while debugging.",
        service: "shop",
        source: "github",
      },
    ]);
  });

  it("a used-up rate limit (403 with x-ratelimit-remaining 0) waits until the reset", async () => {
    api.listIssues({ status: 403, body: { message: "API rate limit exceeded for installation ID 1." }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 600) } });
    await expect(source.listIncidents(WINDOW)).rejects.toMatchObject({ kind: "rate-limited", retryAfterSeconds: 600 });
  });
});

describe("one incident issue", () => {
  it("is read by #number with its comments; driftback's own follow-up is not evidence", async () => {
    api.getIssue(42, ghIssue(42));
    api.listComments(42, [
      { id: 1, body: "Rolled back the sg change? No, kept it." },
      { id: 2, body: "- [ ] acme/infra#3\n\n<!-- driftback:follow-up:v1 -->" },
    ]);
    const incident = await source.getIncident("#42");
    expect(incident?.text).toContain("kept it");
    expect(incident?.text).not.toContain("acme/infra#3");
  });

  const gone: [string, number][] = [
    ["a missing issue", 404],
    ["a deleted issue (410)", 410],
  ];
  it.each(gone)("%s is undefined", async (_name, status) => {
    api.getIssue(9, { status, body: { message: status === 410 ? "This issue was deleted" : "Not Found" } });
    expect(await source.getIncident("acme/incidents#9")).toBeUndefined();
  });

  it("a pull request is not an incident", async () => {
    api.getIssue(43, ghIssue(43, { pull_request: { url: "x" } }));
    expect(await source.getIncident("https://github.com/acme/incidents/issues/43")).toBeUndefined();
  });

  it("an issue of another repository is refused without a request", async () => {
    await expect(source.getIncident("acme/secrets#1")).rejects.toMatchObject({ kind: "rejected", reason: expect.stringContaining("is not an issue of acme/incidents") });
    expect(api.requests).toHaveLength(0);
  });
});

describe("the follow-up comment (hidden marker, edited in place)", () => {
  const marker = "driftback:follow-up:v1";
  const body = "- [x] acme/infra#3 merged\n- [ ] acme/infra#4 open";
  const written = `${body}\n\n<!-- ${marker} -->\n`;

  it("creates one comment carrying the hidden marker", async () => {
    api.listComments(42, [{ id: 1, body: "hello" }]);
    api.createComment(42, 77);
    expect(await source.upsertFollowUp("#42", { marker, body, mode: "edit" })).toEqual({ written: true, outcome: "created", url: "https://github.com/acme/incidents/issues/42#issuecomment-77" });
    expect(api.sent("POST", "/repos/acme/incidents/issues/42/comments")[0]!.body).toEqual({ body: written });
  });

  it("finds its comment on the second page of comments and edits it in place", async () => {
    api.listComments(42, { status: 200, body: [{ id: 1, body: "a", html_url: "u" }], headers: { link: next(2) } });
    api.listComments(42, [{ id: 55, body: `- [ ] acme/infra#3 open\n\n<!-- ${marker} -->\n` }]);
    api.updateComment(55);
    expect(await source.upsertFollowUp("acme/incidents#42", { marker, body, mode: "edit" })).toMatchObject({ written: true, outcome: "updated" });
    expect(api.sent("PATCH", "/repos/acme/incidents/issues/comments/55")[0]!.body).toEqual({ body: written });
  });

  it("writes nothing when the comment already says the same (GitHub's CRLF line endings included)", async () => {
    api.listComments(42, [{ id: 55, body: written.replace(/\n/g, "\r\n") }]);
    expect(await source.upsertFollowUp("#42", { marker, body, mode: "edit" })).toMatchObject({ written: false, outcome: "unchanged" });
    expect(api.requests.filter((r) => r.method !== "GET")).toHaveLength(0);
  });

  describe("sealed (the App has a state key)", () => {
    const seals = ["c2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtMQ", "b2xkLWtleS1zZWFsLW9sZC1rZXktc2VhbC1vbGQta2V5LTI"];
    const sealedBody = `${body}\n\n<!-- ${marker} seal:${seals[0]} -->\n`;

    it("a person's comment carrying the bare marker is neither edited nor taken for driftback's: a sealed one is created", async () => {
      api.listComments(42, [{ id: 9, body: `my words\n\n<!-- ${marker} -->`, user: { type: "User" } }]);
      api.createComment(42, 78);
      expect(await source.upsertFollowUp("#42", { marker, body, mode: "edit", seals })).toMatchObject({ written: true, outcome: "created" });
      expect(api.sent("POST", "/repos/acme/incidents/issues/42/comments")[0]!.body).toEqual({ body: sealedBody });
      expect(api.sent("PATCH", "/repos/acme/incidents/issues/comments/9")).toHaveLength(0);
    });

    it("driftback's unsealed comment from before seals (a bot's) is adopted and sealed by the edit: no second comment", async () => {
      api.listComments(42, [{ id: 55, body: `old list\n\n<!-- ${marker} -->\n`, user: { type: "Bot" } }]);
      api.updateComment(55);
      expect(await source.upsertFollowUp("#42", { marker, body, mode: "edit", seals })).toMatchObject({ written: true, outcome: "updated" });
      expect(api.sent("PATCH", "/repos/acme/incidents/issues/comments/55")[0]!.body).toEqual({ body: sealedBody });
    });

    it("a comment sealed with a rotated-out key is still driftback's, and is sealed again with the first key", async () => {
      api.listComments(42, [
        { id: 9, body: `copied\n\n<!-- ${marker} seal:forged -->`, user: { type: "User" } },
        { id: 56, body: `old list\n\n<!-- ${marker} seal:${seals[1]} -->\n`, user: { type: "Bot" } },
      ]);
      api.updateComment(56);
      expect(await source.upsertFollowUp("#42", { marker, body, mode: "edit", seals })).toMatchObject({ written: true, outcome: "updated" });
      expect(api.sent("PATCH", "/repos/acme/incidents/issues/comments/56")[0]!.body).toEqual({ body: sealedBody });
    });
  });

  it("a follow-up over GitHub's 65,536-character limit is refused before any request", async () => {
    await expect(source.upsertFollowUp("#42", { marker, body: "x".repeat(70_000), mode: "edit" })).rejects.toMatchObject({ kind: "rejected", reason: expect.stringContaining("over GitHub's limit of 65536") });
    expect(api.requests).toHaveLength(0);
  });
});

describe("issues webhooks (signature already verified by Probot)", () => {
  const delivery = (action: string, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ action, issue: { number: 42, labels: [{ name: "incident" }], state: action === "closed" ? "closed" : "open" }, repository: { full_name: "acme/incidents" }, ...overrides });
  const headers = (event = "issues", id = "72d3162e-cc78-11e3-81ab-4c9367dc0958") => ({ "x-github-event": event, "x-github-delivery": id });

  const cases: [string, string, Record<string, string>, { key: string | null; kind: string } | RegExp][] = [
    ["closing the issue resolves the incident", delivery("closed"), headers(), { key: "acme/incidents#42", kind: "resolved" }],
    ["reopening opens it again", delivery("reopened"), headers(), { key: "acme/incidents#42", kind: "opened" }],
    ["an edit is an update", delivery("edited"), headers(), { key: "acme/incidents#42", kind: "updated" }],
    ["an issue of another repository is not ours", delivery("closed", { repository: { full_name: "acme/other" } }), headers(), { key: null, kind: "other" }],
    ["an issue without the incident label is not an incident", delivery("closed", { issue: { number: 42, labels: [{ name: "bug" }] } }), headers(), { key: null, kind: "other" }],
    ["another event is not about an incident", delivery("closed"), headers("pull_request"), { key: null, kind: "other" }],
    ["no delivery id", delivery("closed"), { "x-github-event": "issues" }, /X-GitHub-Delivery header is missing/],
    ["a body that is not JSON", "<html>", headers(), /not a JSON object/],
  ];
  it.each(cases)("%s", (_name, body, sent, expected) => {
    const verdict = source.verifyWebhook(sent, body, new Date(NOW));
    if (expected instanceof RegExp) expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(expected) });
    else expect(verdict).toEqual({ ok: true, event: { ...expected, deliveryId: sent["x-github-delivery"] } });
  });

  it("a redelivery (same X-GitHub-Delivery) is refused the second time", () => {
    expect(source.verifyWebhook(headers("issues", "d-1"), delivery("closed"), new Date(NOW)).ok).toBe(true);
    expect(source.verifyWebhook(headers("issues", "d-1"), delivery("closed"), new Date(NOW))).toEqual({ ok: false, reason: "delivery d-1 was already received (a replay or a redelivery)", duplicate: true });
  });
});
