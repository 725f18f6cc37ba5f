import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IncidentIoIncidentSource } from "../../src/adapters/incidents/incident-io.js";
import { JiraIncidentSource } from "../../src/adapters/incidents/jira.js";
import { PagerDutyIncidentSource } from "../../src/adapters/incidents/pagerduty.js";
import { ioIncident, jiraIssue, pdIncident, signJira, signPagerDuty } from "../support/incident-apis.js";

/**
 * Issue 15 §6: every request each incident adapter sends is checked against its provider's published description, so a
 * wrong path, parameter, header or body cannot pass on a mock that answers anything. Each adapter runs its whole
 * surface (list, get, follow-up) against a recorder; every request must match one documented operation below and use
 * only that operation's documented parameters and body fields.
 *
 * Where each table comes from:
 * - PagerDuty: REST API v2 OpenAPI, github.com/PagerDuty/api-schema reference/REST/openapiv3.json ("List incidents",
 *   "Get an incident" whose include[] enum is acknowledgers, agents, assignees, conference_bridge, escalation_policies,
 *   first_trigger_log_entries, priorities, services, teams, users (no `body`), "List alerts for an incident",
 *   "List notes for an incident", "Create a note on an incident" with its required `From` header), and the developer
 *   docs' authentication page (`Authorization: Token token=...`, `Accept: application/vnd.pagerduty+json;version=2`).
 *   Webhooks: github.com/PagerDuty/developer-docs docs/webhooks/01-v3-Overview.md (the payload: event.id "the unique id
 *   of the event", event_type, resource_type, occurred_at, agent, client, data) and 04-Signatures.md (X-PagerDuty-Signature).
 * - Jira Cloud: the platform REST API v3 OpenAPI (developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json):
 *   POST /rest/api/3/search/jql (SearchAndReconcileRequestBean: jql, nextPageToken, maxResults, fields, ...),
 *   GET /rest/api/3/issue/{issueIdOrKey} (fields, expand, ...), GET and POST /rest/api/3/issue/{key}/comment
 *   (startAt, maxResults, orderBy, expand; body: ADF), PUT .../comment/{id}; Basic auth with an API token.
 *   Webhooks: every delivery carries `timestamp` (ms) and `webhookEvent`, signed as X-Hub-Signature: sha256=...
 * - incident.io: the public OpenAPI (api-docs.incident.io; the same definition generates github.com/fern-api/incident-node):
 *   GET /v2/incidents (page_size, after, filters such as status_category[one_of], created_at[lte], updated_at[gte]),
 *   GET /v2/incidents/{id}, GET /v2/incident_updates (incident_id, page_size, after),
 *   GET /v1/incident_attachments (incident_id, external_id, resource_type) and POST /v1/incident_attachments
 *   (IncidentAttachmentsCreatePayloadV1: incident_id, resource { external_id, resource_type }, resource_type one of
 *   pager_duty_incident, ..., github_pull_request, ...); Bearer API key.
 */
interface Operation {
  name: string;
  method: string;
  path: RegExp;
  query: readonly string[];
  /** Top-level body fields the description allows (POST/PUT). */
  body?: readonly string[];
  headers: Record<string, RegExp>;
  answer: (request: Recorded) => unknown;
}
interface Recorded {
  host: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

const PD_HEADERS = { authorization: /^Token token=\S+$/, accept: /^application\/vnd\.pagerduty\+json;version=2$/ };
const PAGERDUTY: Operation[] = [
  {
    name: "List incidents",
    method: "GET",
    path: /^\/incidents$/,
    query: ["date_range", "incident_key", "include[]", "limit", "offset", "total", "service_ids[]", "since", "sort_by", "statuses[]", "team_ids[]", "time_zone", "until", "urgencies[]", "user_ids[]"],
    headers: PD_HEADERS,
    answer: () => ({ incidents: [pdIncident()], limit: 100, offset: 0, more: false, total: null }),
  },
  {
    name: "Get an incident",
    method: "GET",
    path: /^\/incidents\/[A-Z0-9]+$/,
    query: ["include[]"],
    headers: PD_HEADERS,
    answer: () => ({ incident: pdIncident() }),
  },
  {
    name: "List alerts for an incident",
    method: "GET",
    path: /^\/incidents\/[A-Z0-9]+\/alerts$/,
    query: ["statuses[]", "alert_key", "sort_by", "include[]", "limit", "offset", "total"],
    headers: PD_HEADERS,
    answer: () => ({ alerts: [{ id: "PALERT1", type: "alert", body: { type: "alert_body", contexts: [], details: { cause: "manual change" } } }], limit: 25, offset: 0, more: false }),
  },
  { name: "List notes for an incident", method: "GET", path: /^\/incidents\/[A-Z0-9]+\/notes$/, query: [], headers: PD_HEADERS, answer: () => ({ notes: [] }) },
  {
    name: "Create a note on an incident",
    method: "POST",
    path: /^\/incidents\/[A-Z0-9]+\/notes$/,
    query: [],
    body: ["note"],
    headers: { ...PD_HEADERS, from: /^\S+@\S+$/, "content-type": /^application\/json/ },
    answer: () => ({ note: { id: "PNOTE1", content: "x", created_at: "2026-11-01T05:00:00Z" } }),
  },
];

const JIRA_HEADERS = { authorization: /^Basic [A-Za-z0-9+/=]+$/, accept: /^application\/json$/ };
const JIRA: Operation[] = [
  {
    name: "Search for issues using JQL enhanced search (POST)",
    method: "POST",
    path: /^\/rest\/api\/3\/search\/jql$/,
    query: [],
    body: ["jql", "nextPageToken", "maxResults", "fields", "expand", "properties", "fieldsByKeys", "failFast", "reconcileIssues"],
    headers: { ...JIRA_HEADERS, "content-type": /^application\/json/ },
    answer: () => ({ issues: [jiraIssue("INC-7")], isLast: true }),
  },
  {
    name: "Get issue",
    method: "GET",
    path: /^\/rest\/api\/3\/issue\/[A-Z][A-Z0-9_]*-\d+$/,
    query: ["fields", "fieldsByKeys", "expand", "properties", "updateHistory", "failFast"],
    headers: JIRA_HEADERS,
    answer: () => jiraIssue("INC-7"),
  },
  {
    name: "Get comments",
    method: "GET",
    path: /^\/rest\/api\/3\/issue\/[A-Z][A-Z0-9_]*-\d+\/comment$/,
    query: ["startAt", "maxResults", "orderBy", "expand"],
    headers: JIRA_HEADERS,
    answer: () => ({ startAt: 0, maxResults: 100, total: 0, comments: [] }),
  },
  {
    name: "Add comment",
    method: "POST",
    path: /^\/rest\/api\/3\/issue\/[A-Z][A-Z0-9_]*-\d+\/comment$/,
    query: ["expand"],
    body: ["body", "visibility", "properties"],
    headers: { ...JIRA_HEADERS, "content-type": /^application\/json/ },
    answer: () => ({ id: "10001", body: { type: "doc", version: 1, content: [] } }),
  },
];

const IO_HEADERS = { authorization: /^Bearer \S+$/ };
const INCIDENT_IO: Operation[] = [
  {
    name: "List Incidents V2",
    method: "GET",
    path: /^\/v2\/incidents$/,
    query: ["page_size", "after", "status_category[one_of]", "status_category[not_in]", "created_at[gte]", "created_at[lte]", "created_at[date_range]", "updated_at[gte]", "updated_at[lte]", "updated_at[date_range]", "status[one_of]", "severity[one_of]", "mode[one_of]"],
    headers: IO_HEADERS,
    answer: () => ({ incidents: [ioIncident()], pagination_meta: { page_size: 100 } }),
  },
  { name: "Show Incidents V2", method: "GET", path: /^\/v2\/incidents\/[0-9A-Z]+$/, query: [], headers: IO_HEADERS, answer: () => ({ incident: ioIncident() }) },
  {
    name: "List Incident Updates V2",
    method: "GET",
    path: /^\/v2\/incident_updates$/,
    query: ["incident_id", "page_size", "after"],
    headers: IO_HEADERS,
    answer: () => ({ incident_updates: [], pagination_meta: { page_size: 250 } }),
  },
  {
    name: "List Incident Attachments V1",
    method: "GET",
    path: /^\/v1\/incident_attachments$/,
    query: ["incident_id", "external_id", "resource_type"],
    headers: IO_HEADERS,
    answer: () => ({ incident_attachments: [] }),
  },
  {
    name: "Create Incident Attachments V1",
    method: "POST",
    path: /^\/v1\/incident_attachments$/,
    query: [],
    body: ["incident_id", "resource"],
    headers: { ...IO_HEADERS, "content-type": /^application\/json/ },
    answer: (request) => {
      const body = request.body as { incident_id: string; resource: { external_id: string; resource_type: string } };
      return { incident_attachment: { id: "01ATT", incident_id: body.incident_id, resource: { ...body.resource, permalink: body.resource.external_id, title: "PR" } } };
    },
  },
];

/**
 * Records every request to `origin` (as TrackerMock does) and answers those matching a documented operation; any other
 * request finds no interceptor, so the adapter fails and the test with it.
 */
function record(origin: string, operations: readonly Operation[]): Recorded[] {
  const sent: Recorded[] = [];
  const scope = nock(origin).persist();
  scope.on("request", (req: { method: string; url: string; headers: Headers | Record<string, string> }, _interceptor: unknown, body: string) => {
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    if (req.headers instanceof Headers) req.headers.forEach((value, name) => (headers[name] = value));
    else for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = String(value);
    sent.push({ host: url.host, method: req.method, path: url.pathname, query: url.searchParams, headers, body: body ? JSON.parse(body) : undefined });
  });
  for (const operation of operations) {
    scope
      .intercept((path) => operation.path.test(new URL(path, origin).pathname), operation.method)
      .query(true)
      // the answer is built from the request just recorded ("request" is emitted before the reply)
      .reply(200, () => JSON.stringify(operation.answer(sent[sent.length - 1]!)), { "content-type": "application/json" });
  }
  return sent;
}

/** Every recorded request is one documented operation, with documented parameters, headers and body fields only. */
function expectDocumented(sent: readonly Recorded[], operations: readonly Operation[]): string[] {
  const used = new Set<string>();
  for (const request of sent) {
    const operation = operations.find((op) => op.method === request.method && op.path.test(request.path));
    expect(operation, `${request.method} ${request.path} is not a documented operation`).toBeDefined();
    used.add(operation!.name);
    for (const name of new Set(request.query.keys())) expect(operation!.query, `${operation!.name}: query parameter ${name}`).toContain(name);
    for (const [name, pattern] of Object.entries(operation!.headers)) expect(request.headers[name], `${operation!.name}: header ${name}`).toMatch(pattern);
    if (operation!.body) {
      expect(request.body, `${operation!.name}: a JSON object body`).toBeTypeOf("object");
      for (const key of Object.keys(request.body as object)) expect(operation!.body, `${operation!.name}: body field ${key}`).toContain(key);
    } else expect(request.body, `${operation!.name}: no body`).toBeUndefined();
  }
  return [...used].sort();
}

const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("PagerDuty requests are PagerDuty's documented operations", () => {
  it("listing, reading one incident and writing a note use only documented paths, parameters, headers and bodies", async () => {
    const sent = record("https://api.pagerduty.com", PAGERDUTY);
    const source = new PagerDutyIncidentSource({ token: "pd-token", serviceIds: ["PF9KMXH"], fromEmail: "driftback@acme.example" });
    await source.listIncidents(WINDOW);
    const incident = await source.getIncident("PT4KHLK");
    expect(incident?.text).toContain("manual change"); // the body, from the alerts' documented body.details
    await source.upsertFollowUp("PT4KHLK", { marker: "driftback:follow-up:opened", body: "Backport pull requests", mode: "append" });
    expect(expectDocumented(sent, PAGERDUTY)).toEqual(["Create a note on an incident", "Get an incident", "List alerts for an incident", "List incidents", "List notes for an incident"]);
    expect(sent.filter((r) => r.path === "/incidents/PT4KHLK").flatMap((r) => r.query.getAll("include[]"))).toEqual([]);
    expect(sent.find((r) => r.method === "POST")!.body).toEqual({ note: { content: expect.stringContaining("[driftback:follow-up:opened]") } });
  });

  it("a v3 webhook shaped as the developer docs' example is verified and keyed by its event.id", () => {
    // the fields of docs/webhooks/01-v3-Overview.md's example payload, with values of our own
    const body = JSON.stringify({
      event: {
        id: "0a1b2c3d-1111-4222-8333-944445555666",
        event_type: "incident.resolved",
        resource_type: "incident",
        occurred_at: "2026-11-01T03:59:00.000Z",
        agent: { id: "PUSER01", type: "user_reference", summary: "An Engineer" },
        client: { name: "PagerDuty" },
        data: { id: "PT4KHLK", type: "incident", status: "resolved", title: "Checkout down", service: { id: "PF9KMXH", type: "service_reference" } },
      },
    });
    const source = new PagerDutyIncidentSource({ token: "pd", webhookSecrets: ["s3cret"] });
    const verdict = source.verifyWebhook({ "x-pagerduty-signature": signPagerDuty(body, "s3cret"), "x-webhook-id": "unsigned" }, body, new Date("2026-11-01T04:00:00Z"));
    expect(verdict).toEqual({ ok: true, event: { key: "PT4KHLK", kind: "resolved", deliveryId: "0a1b2c3d-1111-4222-8333-944445555666" } });
  });
});

describe("Jira requests are Jira Cloud's documented operations", () => {
  it("searching, reading an issue and adding the follow-up comment use only documented paths, parameters, headers and bodies", async () => {
    const sent = record("https://acme.atlassian.net", JIRA);
    const source = new JiraIncidentSource({ site: "acme.atlassian.net", jql: "project = INC", email: "bot@acme.example", apiToken: "jt" });
    await source.listIncidents(WINDOW);
    await source.getIncident("INC-7");
    await source.upsertFollowUp("INC-7", { marker: "driftback:follow-up:v1", body: "- [ ] acme/infra#3", mode: "edit" });
    expect(expectDocumented(sent, JIRA)).toEqual(["Add comment", "Get comments", "Get issue", "Search for issues using JQL enhanced search (POST)"]);
    expect(sent.find((r) => r.method === "POST" && r.path.endsWith("/comment"))!.body).toMatchObject({ body: { type: "doc", version: 1 } });
  });

  it("a webhook with the two fields every delivery carries (timestamp, webhookEvent) is keyed by them, not by its unsigned identifier", () => {
    const body = JSON.stringify({ timestamp: Date.parse("2026-11-01T03:59:30Z"), webhookEvent: "jira:issue_updated", issue: { id: "10042", key: "INC-7", fields: { status: { statusCategory: { key: "done" } } } }, changelog: { id: "20001", items: [{ field: "status" }] } });
    const source = new JiraIncidentSource({ site: "acme.atlassian.net", jql: "x", email: "e", apiToken: "t", webhookSecrets: ["jira-secret"] });
    const verdict = source.verifyWebhook({ "x-hub-signature": signJira(body, "jira-secret"), "x-atlassian-webhook-identifier": "unsigned" }, body, new Date("2026-11-01T04:00:00Z"));
    expect(verdict).toEqual({ ok: true, event: { key: "INC-7", kind: "resolved", deliveryId: `${Date.parse("2026-11-01T03:59:30Z")}/jira:issue_updated/10042/20001//` } });
  });
});

describe("incident.io requests are incident.io's documented operations", () => {
  it("listing, reading an incident and attaching the pull requests use only documented paths, parameters, headers and bodies", async () => {
    const sent = record("https://api.incident.io", INCIDENT_IO);
    const source = new IncidentIoIncidentSource({ apiKey: "io-key" });
    await source.listIncidents(WINDOW);
    await source.getIncident("INC-123");
    const result = await source.upsertFollowUp("INC-123", { marker: "driftback:follow-up:v1", body: "x", mode: "edit", pullRequests: ["https://github.com/acme/infra/pull/3"] });
    expect(result).toMatchObject({ written: true, outcome: "created" });
    expect(expectDocumented(sent, INCIDENT_IO)).toEqual(["Create Incident Attachments V1", "List Incident Attachments V1", "List Incident Updates V2", "List Incidents V2", "Show Incidents V2"]);
    // IncidentAttachmentsCreatePayloadV1's example shape, with the documented github_pull_request resource type
    expect(sent.find((r) => r.method === "POST")!.body).toEqual({ incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", resource: { external_id: "https://github.com/acme/infra/pull/3", resource_type: "github_pull_request" } });
    expect(new Set(sent.map((r) => r.host))).toEqual(new Set(["api.incident.io"]));
  });
});

describe("the conformance check itself", () => {
  const fake = (method: string, path: string, query = "", body?: unknown): Recorded => ({ host: "api.pagerduty.com", method, path, query: new URLSearchParams(query), headers: { authorization: "Token token=x", accept: "application/vnd.pagerduty+json;version=2", "content-type": "application/json", from: "a@b.c" }, body });
  it.each([
    ["an undocumented path", fake("GET", "/incidents/PX/log_entries_everything")],
    ["an undocumented parameter", fake("GET", "/incidents", "service_id=P1")],
    ["an undocumented body field", fake("POST", "/incidents/PX/notes", "", { note: {}, extra: 1 })],
    ["a missing header", { ...fake("GET", "/incidents"), headers: {} }],
  ])("fails on %s", (_name, request) => {
    expect(() => expectDocumented([request], PAGERDUTY)).toThrow();
  });
});
