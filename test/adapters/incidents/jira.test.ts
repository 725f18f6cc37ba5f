import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { markdownToAdf } from "../../../src/adapters/incidents/adf.js";
import { JiraIncidentSource } from "../../../src/adapters/incidents/jira.js";
import { adfParagraphs, JIRA_API, jiraIssue, JiraMock, signJira } from "../../support/incident-apis.js";

const EMAIL = "bot@acme.example";
const TOKEN = "ATATTjira0123456789abcdef";
const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };
const NOW = new Date("2026-11-01T04:00:00Z");

let api: JiraMock;
beforeEach(() => {
  nock.disableNetConnect();
  api = new JiraMock();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const source = (options: Partial<ConstructorParameters<typeof JiraIncidentSource>[0]> = {}) =>
  new JiraIncidentSource({ site: "acme.atlassian.net", email: EMAIL, apiToken: TOKEN, jql: "project = INC AND type = Incident", webhookSecrets: ["jira-secret"], ...options });

const openIssue = (key: string, created = "2026-11-01T01:00:00.000+0000") =>
  jiraIssue(key, { fields: { status: { name: "In Progress", statusCategory: { key: "indeterminate" } }, created, resolutiondate: null } });

describe("searching incidents with /rest/api/3/search/jql", () => {
  it("follows nextPageToken to the last page (which may omit the token) and sends the configured JQL inside the window", async () => {
    api.search({ issues: [jiraIssue("INC-1"), openIssue("INC-2")], nextPageToken: "CAEaAggD" });
    api.search({ issues: [jiraIssue("INC-3", { fields: { created: "2026-11-01T07:30:00.000+0000" } })] });

    const incidents = await source({ pageSize: 2 }).listIncidents(WINDOW);

    expect(incidents.map((i) => i.key)).toEqual(["INC-1", "INC-2"]);
    const [first, second] = api.sent("POST", "/rest/api/3/search/jql");
    expect(first!.body).toEqual({
      jql: '(project = INC AND type = Incident) AND created <= "2026-11-02" AND (statusCategory != Done OR updated >= "2026-10-31")',
      fields: ["summary", "description", "status", "created", "updated", "resolutiondate", "statuscategorychangedate", "components", "comment"],
      maxResults: 2,
    });
    expect(second!.body.nextPageToken).toBe("CAEaAggD");
    expect(first!.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`);
    expect(api.sent("POST", "/rest/api/3/search")).toHaveLength(0);
  });

  it("stops at isLast even when a token is still given", async () => {
    api.search({ issues: [jiraIssue("INC-1")], nextPageToken: "more", isLast: true });
    expect(await source().listIncidents(WINDOW)).toHaveLength(1);
  });

  it("maps an issue: ADF description and people's comments are the text, Done is resolved, the first component is the service", async () => {
    api.search({
      issues: [
        jiraIssue("INC-7", {
          fields: {
            comment: { comments: [{ body: adfParagraphs("Bumped DB_TIMEOUT to 60s on prod") }, { body: markdownToAdf("- [ ] acme/infra#3 open", "driftback:follow-up:v1") }], total: 2 },
          },
        }),
      ],
    });
    const [incident] = await source().listIncidents(WINDOW);
    expect(incident).toEqual({
      key: "INC-7",
      title: "INC-7: payments timeouts",
      url: `${JIRA_API}/browse/INC-7`,
      status: "resolved",
      openedAt: "2026-11-01T02:10:00.000Z",
      resolvedAt: "2026-11-01T03:40:00.000Z",
      text: "INC-7: payments timeouts\n\nDB_TIMEOUT set to 60s by hand on aws_db_instance.main\n\nBumped DB_TIMEOUT to 60s on prod",
      service: "payments",
      source: "jira",
    });
  });

  it("a Done issue without a resolution date is resolved when its status category changed", async () => {
    api.search({ issues: [jiraIssue("INC-8", { fields: { resolutiondate: null, statuscategorychangedate: "2026-11-01T05:00:00.000+0100" } })] });
    const [incident] = await source().listIncidents(WINDOW);
    expect(incident?.resolvedAt).toBe("2026-11-01T04:00:00.000Z");
  });

  it("an issue resolved before the window began is left out", async () => {
    api.search({ issues: [jiraIssue("INC-9", { fields: { created: "2026-10-30T10:00:00.000+0000", resolutiondate: "2026-10-31T23:00:00.000+0000" } })] });
    expect(await source().listIncidents(WINDOW)).toEqual([]);
  });

  it("a page token that repeats stops the search with a reason instead of looping", async () => {
    api.search({ issues: [jiraIssue("INC-1")], nextPageToken: "same" });
    api.search({ issues: [jiraIssue("INC-2")], nextPageToken: "same" });
    await expect(source().listIncidents(WINDOW)).rejects.toMatchObject({ kind: "malformed", reason: expect.stringContaining("same page cursor twice") });
  });

  it("a JQL with ORDER BY is refused before any request (driftback adds its own window)", async () => {
    await expect(source({ jql: "project = INC ORDER BY created DESC" }).listIncidents(WINDOW)).rejects.toMatchObject({ kind: "rejected", reason: expect.stringContaining("must not contain ORDER BY") });
    expect(api.requests).toHaveLength(0);
  });
});

describe("one issue", () => {
  it("is read by key or by its /browse/ URL", async () => {
    api.getIssue("INC-7", openIssue("INC-7"));
    const incident = await source().getIncident(`${JIRA_API}/browse/inc-7`);
    expect(incident).toMatchObject({ key: "INC-7", status: "open", resolvedAt: null });
    expect(api.sent("GET", "/rest/api/3/issue/INC-7")[0]!.query.get("fields")).toContain("resolutiondate");
  });

  it("an unknown issue is undefined", async () => {
    api.getIssue("INC-404", { status: 404, body: { errorMessages: ["Issue does not exist or you do not have permission to see it."], errors: {} } });
    expect(await source().getIncident("INC-404")).toBeUndefined();
  });

  it("a URL of another site is refused", async () => {
    await expect(source().getIncident("https://evil.example/browse/INC-7")).rejects.toMatchObject({ kind: "rejected" });
  });
});

describe("the follow-up comment (ADF, edited in place)", () => {
  const marker = "driftback:follow-up:v1";
  const body = "Backport pull requests from this incident:\n- [x] [acme/infra#3](https://github.com/acme/infra/pull/3) merged\n- [ ] [acme/infra#4](https://github.com/acme/infra/pull/4) open";

  it("creates one comment whose ADF ends with the marker paragraph", async () => {
    api.listComments("INC-7", { comments: [{ id: "10001", body: adfParagraphs("Looking into it") }] });
    api.createComment("INC-7");
    const result = await source().upsertFollowUp("INC-7", { marker, body, mode: "edit" });
    expect(result).toEqual({ written: true, outcome: "created", url: `${JIRA_API}/browse/INC-7?focusedCommentId=10100` });
    const [post] = api.sent("POST", "/rest/api/3/issue/INC-7/comment");
    expect(post!.body.body).toEqual(markdownToAdf(body, marker));
    expect(post!.body.body.content.at(-1)).toEqual({ type: "paragraph", content: [{ type: "text", text: marker, marks: [{ type: "code" }] }] });
  });

  it("finds its comment on a later page of comments and edits it in place", async () => {
    api.listComments("INC-7", { comments: Array.from({ length: 100 }, (_, i) => ({ id: String(20000 + i), body: adfParagraphs(`note ${i}`) })), total: 101 });
    api.listComments("INC-7", { comments: [{ id: "30000", body: markdownToAdf("old list", marker) }], startAt: 100, total: 101 });
    api.updateComment("INC-7", "30000");
    const result = await source().upsertFollowUp("INC-7", { marker, body, mode: "edit" });
    expect(result).toMatchObject({ written: true, outcome: "updated" });
    expect(api.sent("GET", "/rest/api/3/issue/INC-7/comment").map((r) => r.query.get("startAt"))).toEqual(["0", "100"]);
    expect(api.sent("PUT", "/rest/api/3/issue/INC-7/comment/30000")[0]!.body).toEqual({ body: markdownToAdf(body, marker) });
  });

  it("writes nothing when the comment already says the same (Jira's own ids on the nodes do not count)", async () => {
    const stored = JSON.parse(JSON.stringify(markdownToAdf(body, marker)));
    stored.content[0].attrs = { localId: "a1b2" };
    api.listComments("INC-7", { comments: [{ id: "30000", body: stored }] });
    expect(await source().upsertFollowUp("INC-7", { marker, body, mode: "edit" })).toEqual({ written: false, outcome: "unchanged", url: `${JIRA_API}/browse/INC-7?focusedCommentId=30000` });
    expect(api.requests.filter((r) => r.method !== "GET")).toHaveLength(0);
  });

  it("sealed: a comment a person wrote with the bare marker is not edited; driftback writes its own, sealed", async () => {
    const seals = ["c2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtMQ"];
    api.listComments("INC-7", { comments: [{ id: "30000", body: markdownToAdf("my words", marker) }] });
    api.createComment("INC-7");
    expect(await source().upsertFollowUp("INC-7", { marker, body, mode: "edit", seals })).toMatchObject({ written: true, outcome: "created" });
    expect(api.sent("PUT", "/rest/api/3/issue/INC-7/comment/30000")).toHaveLength(0);
    expect(api.sent("POST", "/rest/api/3/issue/INC-7/comment")[0]!.body.body).toEqual(markdownToAdf(body, `${marker} seal:${seals[0]}`));
  });

  it("in append mode an existing comment with the marker is left alone", async () => {
    api.listComments("INC-7", { comments: [{ id: "30000", body: markdownToAdf("something else", marker) }] });
    expect(await source().upsertFollowUp("INC-7", { marker, body, mode: "append" })).toMatchObject({ written: false, outcome: "unchanged" });
  });
});

describe("webhooks signed X-Hub-Signature: sha256=…", () => {
  const event = (webhookEvent: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ timestamp: Date.parse("2026-11-01T03:59:30Z"), webhookEvent, issue_event_type_name: "issue_generic", issue: { id: "10042", key: "INC-7", fields: { status: { statusCategory: { key: "done" } } } }, ...extra });
  const resolved = event("jira:issue_updated", { changelog: { items: [{ field: "status", fromString: "In Progress", toString: "Done" }] } });
  const headers = (signature?: string, id = "wh-1") => ({ ...(signature ? { "x-hub-signature": signature } : {}), "x-atlassian-webhook-identifier": id, "x-atlassian-webhook-flow": "Primary" });

  const cases: [string, { body?: string; signature?: string; secrets?: string[]; now?: Date }, RegExp | { key: string | null; kind: string }][] = [
    ["a status change to Done is the incident resolving", { signature: signJira(resolved, "jira-secret") }, { key: "INC-7", kind: "resolved" }],
    ["a rotated secret: either configured secret may sign", { signature: signJira(resolved, "jira-next"), secrets: ["jira-secret", "jira-next"] }, { key: "INC-7", kind: "resolved" }],
    ["a wrong secret", { signature: signJira(resolved, "guess") }, /matches none of the configured secrets/],
    ["no signature (the webhook has no secret in Jira)", {}, /X-Hub-Signature header is missing/],
    ["a signature that is not sha256=<hex>", { signature: "sha1=abcdef" }, /not sha256=<64 hex characters>/],
    ["a stale delivery", { signature: signJira(resolved, "jira-secret"), now: new Date("2026-11-01T06:00:00Z") }, /stale/],
    ["no secret configured", { signature: signJira(resolved, "jira-secret"), secrets: [] }, /JIRA_WEBHOOK_SECRET/],
  ];
  it.each(cases)("%s", (_name, { body, signature, secrets, now }, expected) => {
    const verdict = source(secrets ? { webhookSecrets: secrets } : {}).verifyWebhook(headers(signature), body ?? resolved, now ?? NOW);
    if (expected instanceof RegExp) expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(expected) });
    else expect(verdict).toEqual({ ok: true, event: { ...expected, deliveryId: expect.stringMatching(/^\d+\/jira:issue_updated\/10042\//) } });
  });

  it("a retry of a delivery already handled (same body) is refused", () => {
    const jira = source();
    const signed = headers(signJira(resolved, "jira-secret"), "wh-9");
    expect(jira.verifyWebhook(signed, resolved, NOW).ok).toBe(true);
    expect(jira.verifyWebhook(signed, resolved, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/already received \(a replay or a retry\)/), duplicate: true });
  });

  it("a captured body replayed with new X-Atlassian-Webhook-Identifier values is refused: the key is the signed timestamp, event and ids (issue 15 §4.4)", () => {
    const jira = source();
    expect(jira.verifyWebhook(headers(signJira(resolved, "jira-secret"), "wh-1"), resolved, NOW).ok).toBe(true);
    for (const id of ["wh-2", "wh-3", "wh-4", "wh-5"]) expect(jira.verifyWebhook(headers(signJira(resolved, "jira-secret"), id), resolved, NOW)).toMatchObject({ ok: false, duplicate: true });
    // a different event on the same issue (another changelog) is a delivery of its own
    const next = event("jira:issue_updated", { changelog: { id: "20001", items: [{ field: "status" }] } });
    expect(jira.verifyWebhook(headers(signJira(next, "jira-secret"), "wh-1"), next, NOW).ok).toBe(true);
  });

  const kinds: [string, string, { key: string | null; kind: string }][] = [
    ["issue created", event("jira:issue_created"), { key: "INC-7", kind: "opened" }],
    ["issue edited without a status change", event("jira:issue_updated", { changelog: { items: [{ field: "summary" }] } }), { key: "INC-7", kind: "updated" }],
    ["comment added", event("comment_created"), { key: "INC-7", kind: "updated" }],
    ["a project event names no issue", JSON.stringify({ timestamp: Date.parse("2026-11-01T03:59:30Z"), webhookEvent: "project_updated", project: { key: "INC" } }), { key: null, kind: "other" }],
  ];
  it.each(kinds)("%s", (_name, body, expected) => {
    expect(source().verifyWebhook(headers(signJira(body, "jira-secret")), body, NOW)).toEqual({ ok: true, event: { ...expected, deliveryId: expect.stringMatching(/^\d+\//) } });
  });
});
