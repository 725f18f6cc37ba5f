/**
 * Named nock builders for the incident trackers, answering in the shapes each provider documents, plus the signing
 * each provider's webhooks use. Pages checked with the search tool before these mocks were written:
 *
 * PagerDuty
 * - github.com/PagerDuty/developer-docs docs/REST-API/09-Pagination.md: classic pagination `limit` (default 25, max 100),
 *   `offset`, response `{ limit, offset, more, total }`; offset + limit at most 10,000 (else 400).
 * - docs/REST-API/02-Authentication.md: `Authorization: Token token=...`, `Accept: application/vnd.pagerduty+json;version=2`.
 * - docs/REST-API/04-Rate-Limits.md: 429 with `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (seconds),
 *   body `{ error: { message: "Rate Limit Exceeded", code: 2020 } }`; docs/REST-API/14-Errors.md: `{ error: { message, code, errors[] } }`.
 * - OilCan/pager_duty_openapi_client docs/IncidentsApi.md and docs/Incident.md (generated from PagerDuty/api-schema
 *   openapiv3.json): GET /incidents since/until (max 6 months), date_range=all, statuses[], service_ids[], time_zone,
 *   include[]; Incident { id, incident_number, title, description, status triggered|acknowledged|resolved, html_url,
 *   created_at, resolved_at (null until resolved), last_status_change_at, service { id, summary }, body { details } (with
 *   include[]=body) }; POST /incidents/{id}/notes needs `From` (email of a user), body `{ note: { content } }`, at most
 *   2,000 notes per incident; GET /incidents/{id}/notes -> `{ notes: [{ id, user, content, created_at }] }`.
 * - docs/webhooks/04-Signatures.md: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`, several comma-separated
 *   during secret rotation, accept if any matches, constant-time comparison; docs/webhooks/01-Overview.md: payload
 *   `{ event: { id, event_type, resource_type, occurred_at, agent, client, data } }`, incident.* event types, note events
 *   carry `data.incident`; docs/webhooks/02-Behavior.md: `X-Webhook-Id` repeated on every retry, retries over ~20 minutes.
 * Jira Cloud
 * - mrrefactoring.github.io/jira.js Version3Parameters.SearchForIssuesUsingJqlEnhancedSearch and SearchAndReconcileResults:
 *   /rest/api/3/search/jql { jql, fields, maxResults, nextPageToken } -> { issues, nextPageToken (null or absent on the last
 *   page, jira.atlassian.com/browse/JRACLOUD-92184), isLast }; only ids come back unless `fields` is given.
 * - GitHub issue threads adyscorpius/logseq-jira#34, pycontribs/jira#2367, aaronshaf/ji#23: the old /rest/api/3/search
 *   answers 410 `{ errorMessages: ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.
 *   ... CHANGE-2046"], errors: {} }`.
 * - jira.js cloud.getComments / Version3Models.Comment: GET /rest/api/3/issue/{key}/comment (startAt, maxResults, orderBy,
 *   expand=renderedBody only) -> { startAt, maxResults, total, comments: [{ id, body (ADF), author, created }] }; POST the
 *   same path `{ body: ADF }` -> 201; PUT /rest/api/3/issue/{key}/comment/{id} `{ body }` -> 200.
 * - skills.sh hookdeck jira-webhooks, nango.dev/docs/api-integrations/jira/webhooks, developer.atlassian.com/cloud/jira/platform/webhooks:
 *   admin webhooks with a secret are signed `X-Hub-Signature: sha256=<hex>` (WebSub); jira.js webhooks.WebhookHeaders:
 *   `x-atlassian-webhook-identifier` unchanged across retries, `x-atlassian-webhook-retry`; payload { timestamp (ms),
 *   webhookEvent "jira:issue_updated", issue { key, fields }, changelog { items: [{ field }] } }.
 * incident.io
 * - docs.incident.io/api-reference/incidents-v2/list(.md) and api-docs.incident.io/tag/Incidents-V2: GET /v2/incidents,
 *   max page size 250, filters created_at[lte|gte|date_range], updated_at[...], status_category[one_of|not_in] with
 *   triage, declined, merged, canceled, live, learning, closed; Bearer API key; 1,200 requests/minute.
 * - docs.incident.io/api-reference/incidents-v2 (the incident object) and the khoih-prog/skills incidentio SKILL.md:
 *   { id, reference "INC-123", name, summary, permalink, created_at, updated_at, mode, incident_status { category },
 *   incident_timestamp_values [{ incident_timestamp { name }, value { value } }], custom_field_entries }, pagination
 *   `pagination_meta.after`; docs.blinkops.com incidentio get-incident: GET /v2/incidents/{id} takes the id or the
 *   reference's number.
 * - docs.incident.io/api-reference/incident-updates-v2: incident updates can only be listed (GET /v2/incident_updates?incident_id=);
 *   api-docs.incident.io/tag/Incident-Attachments-V1: attachments link external resources (github_pull_request, ...).
 *   No endpoint writes an update or a note, hence no follow-up there.
 * - docs.incident.io/api-reference/webhooks and docs.svix.com/receiving/verifying-payloads/how-manual: headers webhook-id,
 *   webhook-timestamp (seconds), webhook-signature `v1,<base64>` space-separated; HMAC-SHA256 over "{id}.{timestamp}.{body}"
 *   keyed with the base64 part of `whsec_...`; 5 minutes tolerance; payload { event_type, [event_type]: {...} }.
 * GitHub
 * - docs.github.com/en/rest/issues/issues#list-repository-issues (labels, state=all, since = updated at or after, PRs
 *   included with `pull_request`), /rest/issues/comments (list, create, PATCH /issues/comments/{id}); a deleted issue is 410.
 */
import { createHmac } from "node:crypto";
import nock from "nock";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Milliseconds before the answer starts (a tracker that stalls). */
  delayMs?: number;
}

export interface SentRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: any;
}

const json = (body: unknown): Reply => ({ status: 200, body });
/** A prepared answer, as opposed to a resource (a PagerDuty incident's own `status` is a string). */
const isReply = (value: unknown): value is Reply => typeof (value as { status?: unknown }).status === "number";

/** Records every request a scope answers, so tests assert what was sent (paths, filters, headers, bodies). */
export class TrackerMock {
  readonly requests: SentRequest[] = [];
  readonly scope: nock.Scope;

  constructor(readonly base: string) {
    this.scope = nock(base);
    this.scope.on("request", (req: { method: string; url: string; headers: Headers | Record<string, string> }, _interceptor: unknown, body: string) => {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      if (req.headers instanceof Headers) req.headers.forEach((value, name) => (headers[name] = value));
      else for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = String(value);
      this.requests.push({ method: req.method, path: decodeURIComponent(url.pathname), query: url.searchParams, headers, body: body ? JSON.parse(body) : undefined });
    });
  }

  protected answer(interceptor: nock.Interceptor, reply: Reply): this {
    const delayed = reply.delayMs ? interceptor.delay(reply.delayMs) : interceptor;
    const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
    const headers = { "content-type": typeof reply.body === "string" ? "text/html" : "application/json", ...reply.headers };
    delayed.reply(reply.status, body, headers);
    return this;
  }

  sent(method: string, path: string): SentRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }
}

// ---------------------------------------------------------------------------------------------- PagerDuty

export const PAGERDUTY_API = "https://api.pagerduty.com";

export function pdIncident(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as string) ?? "PT4KHLK";
  return {
    id,
    type: "incident",
    summary: "[#1234] sg-0abc opened to the world",
    self: `${PAGERDUTY_API}/incidents/${id}`,
    html_url: `https://acme.pagerduty.com/incidents/${id}`,
    incident_number: 1234,
    title: "Checkout down: security group sg-0abc opened to the world",
    description: "Checkout down: security group sg-0abc opened to the world",
    created_at: "2026-11-01T02:10:00Z",
    updated_at: "2026-11-01T03:40:00Z",
    status: "resolved",
    incident_key: "d3640fbd41094207a1c11e58e46b1662",
    service: { id: "PF9KMXH", type: "service_reference", summary: "shop", self: `${PAGERDUTY_API}/services/PF9KMXH`, html_url: "https://acme.pagerduty.com/services/PF9KMXH" },
    assignments: [],
    last_status_change_at: "2026-11-01T03:40:00Z",
    resolved_at: "2026-11-01T03:40:00Z",
    urgency: "high",
    ...overrides,
  };
}

export class PagerDutyMock extends TrackerMock {
  constructor() {
    super(PAGERDUTY_API);
  }
  listIncidents(reply: Reply | { incidents: unknown[]; more: boolean; offset?: number }): this {
    const r = isReply(reply) ? reply : json({ limit: 100, offset: reply.offset ?? 0, more: reply.more, total: null, incidents: reply.incidents });
    return this.answer(this.scope.get("/incidents").query(true), r);
  }
  getIncident(id: string, reply: Reply | Record<string, unknown>): this {
    return this.answer(this.scope.get(`/incidents/${id}`).query(true), isReply(reply) ? reply : json({ incident: reply }));
  }
  listNotes(id: string, reply: Reply | string[]): this {
    const r = Array.isArray(reply) ? json({ notes: reply.map((content, i) => ({ id: `PNOTE${i}`, content, created_at: "2026-11-01T03:00:00Z", user: { id: "PUSER1", type: "user_reference" } })) }) : reply;
    return this.answer(this.scope.get(`/incidents/${id}/notes`), r);
  }
  /** GET /incidents/{id}/alerts: each alert's `body.details` (PagerDuty's Alert schema: body.type alert_body, contexts, details). */
  listAlerts(id: string, details: unknown[]): this {
    const alerts = details.map((d, i) => ({ id: `PALERT${i}`, type: "alert", status: "resolved", created_at: "2026-11-01T02:10:00Z", body: { type: "alert_body", contexts: [], details: d } }));
    return this.answer(this.scope.get(`/incidents/${id}/alerts`).query(true), json({ alerts, limit: 25, offset: 0, more: false, total: null }));
  }
  createNote(id: string, reply: Reply = { status: 201, body: { note: { id: "PNOTE9", content: "x", created_at: "2026-11-01T05:00:00Z" } } }): this {
    return this.answer(this.scope.post(`/incidents/${id}/notes`), reply);
  }
}

export function signPagerDuty(body: string, ...secrets: string[]): string {
  return secrets.map((secret) => `v1=${createHmac("sha256", secret).update(body).digest("hex")}`).join(",");
}

export function pdEvent(eventType: string, occurredAt: string, data: Record<string, unknown> = { id: "PT4KHLK", type: "incident" }, eventId = "01DEN6ALFLQQXQQ9XQ2LAJ7ZU1"): string {
  return JSON.stringify({ event: { id: eventId, event_type: eventType, resource_type: "incident", occurred_at: occurredAt, agent: null, client: null, data } });
}

// ---------------------------------------------------------------------------------------------- Jira

export const JIRA_SITE = "acme.atlassian.net";
export const JIRA_API = `https://${JIRA_SITE}`;

export function adfParagraphs(...texts: string[]): Record<string, unknown> {
  return { type: "doc", version: 1, content: texts.map((text) => ({ type: "paragraph", content: [{ type: "text", text }] })) };
}

export function jiraIssue(key: string, overrides: { fields?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    id: "10042",
    key,
    self: `${JIRA_API}/rest/api/3/issue/10042`,
    fields: {
      summary: `${key}: payments timeouts`,
      description: adfParagraphs("DB_TIMEOUT set to 60s by hand on aws_db_instance.main"),
      status: { name: "Done", statusCategory: { key: "done", name: "Done" } },
      created: "2026-11-01T02:10:00.000+0000",
      updated: "2026-11-01T03:45:00.000+0000",
      resolutiondate: "2026-11-01T03:40:00.000+0000",
      statuscategorychangedate: "2026-11-01T03:40:00.000+0000",
      components: [{ name: "payments" }],
      comment: { comments: [], maxResults: 0, total: 0, startAt: 0 },
      ...overrides.fields,
    },
  };
}

export class JiraMock extends TrackerMock {
  constructor() {
    super(JIRA_API);
  }
  search(reply: Reply | { issues: unknown[]; nextPageToken?: string; isLast?: boolean }): this {
    return this.answer(this.scope.post("/rest/api/3/search/jql"), isReply(reply) ? reply : json(reply));
  }
  getIssue(key: string, reply: Reply | Record<string, unknown>): this {
    return this.answer(this.scope.get(`/rest/api/3/issue/${key}`).query(true), isReply(reply) ? reply : json(reply));
  }
  listComments(key: string, reply: Reply | { comments: { id: string; body: unknown }[]; startAt?: number; total?: number }): this {
    const r = isReply(reply) ? reply : json({ startAt: reply.startAt ?? 0, maxResults: 100, total: reply.total ?? reply.comments.length, comments: reply.comments });
    return this.answer(this.scope.get(`/rest/api/3/issue/${key}/comment`).query(true), r);
  }
  createComment(key: string, reply: Reply = { status: 201, body: { id: "10100", body: adfParagraphs("x") } }): this {
    return this.answer(this.scope.post(`/rest/api/3/issue/${key}/comment`), reply);
  }
  updateComment(key: string, id: string, reply: Reply = { status: 200, body: { id, body: adfParagraphs("x") } }): this {
    return this.answer(this.scope.put(`/rest/api/3/issue/${key}/comment/${id}`), reply);
  }
}

export function signJira(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

// ---------------------------------------------------------------------------------------------- incident.io

export const INCIDENT_IO_API = "https://api.incident.io";

export function ioIncident(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as string) ?? "01FDAG4SAP5TYPT98WGR2N7W91";
  return {
    id,
    reference: "INC-123",
    name: "Elevated API latency",
    summary: "Somebody raised the RDS instance class of aws_db_instance.main by hand",
    permalink: `https://app.incident.io/acme/incidents/123`,
    created_at: "2026-11-01T02:10:00Z",
    updated_at: "2026-11-01T03:41:00Z",
    mode: "standard",
    visibility: "public",
    incident_status: { id: "01FCNDV6P870EA6S7TK1DSYD5H", name: "Closed", category: "closed", rank: 4 },
    incident_timestamp_values: [
      { incident_timestamp: { id: "01T1", name: "Reported at", rank: 1 }, value: { value: "2026-11-01T02:10:00Z" } },
      { incident_timestamp: { id: "01T2", name: "Resolved at", rank: 3 }, value: { value: "2026-11-01T03:40:00Z" } },
    ],
    custom_field_entries: [
      { custom_field: { id: "01CF1", name: "Affected services", field_type: "multi_select" }, values: [{ value_catalog_entry: { id: "01CE1", name: "shop" } }] },
    ],
    ...overrides,
  };
}

export class IncidentIoMock extends TrackerMock {
  constructor() {
    super(INCIDENT_IO_API);
  }
  listIncidents(reply: Reply | { incidents: unknown[]; after?: string }): this {
    const r = isReply(reply) ? reply : json({ incidents: reply.incidents, pagination_meta: { page_size: 100, ...(reply.after ? { after: reply.after } : {}) } });
    return this.answer(this.scope.get("/v2/incidents").query(true), r);
  }
  getIncident(pathId: string, reply: Reply | Record<string, unknown>): this {
    return this.answer(this.scope.get(`/v2/incidents/${pathId}`), isReply(reply) ? reply : json({ incident: reply }));
  }
  listUpdates(reply: Reply | { messages: string[]; after?: string }): this {
    const r = isReply(reply) ? reply : json({ incident_updates: reply.messages.map((message, i) => ({ id: `01U${i}`, incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", message, created_at: "2026-11-01T03:00:00Z" })), pagination_meta: { page_size: 250, ...(reply.after ? { after: reply.after } : {}) } });
    return this.answer(this.scope.get("/v2/incident_updates").query(true), r);
  }
  /** GET /v1/incident_attachments (IncidentAttachmentsListResultV1: incident_attachments of IncidentAttachmentV1). */
  listAttachments(externalIds: string[]): this {
    const incident_attachments = externalIds.map((external_id, i) => ({ id: `01ATT${i}`, incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", resource: { external_id, permalink: external_id, resource_type: "github_pull_request", title: `PR ${i}` } }));
    return this.answer(this.scope.get("/v1/incident_attachments").query(true), json({ incident_attachments }));
  }
  /** POST /v1/incident_attachments (IncidentAttachmentsCreateResultV1: incident_attachment). */
  createAttachment(): this {
    return this.answer(this.scope.post("/v1/incident_attachments"), {
      status: 201,
      body: { incident_attachment: { id: "01ATTNEW", incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", resource: { external_id: "x", permalink: "x", resource_type: "github_pull_request", title: "x" } } },
    });
  }
}

export function signSvix(id: string, timestamp: string, body: string, whsec: string): string {
  const key = Buffer.from(whsec.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

// ---------------------------------------------------------------------------------------------- GitHub

export const GITHUB_API = "https://api.github.com";

export function ghIssue(number: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1000 + number,
    number,
    title: `Incident ${number}: checkout down`,
    body: "Opened sg-0abc to 0.0.0.0/0 on port 443 while debugging.",
    state: "closed",
    html_url: `https://github.com/acme/incidents/issues/${number}`,
    created_at: "2026-11-01T02:10:00Z",
    updated_at: "2026-11-01T03:40:00Z",
    closed_at: "2026-11-01T03:40:00Z",
    labels: [{ id: 1, name: "incident" }, { id: 2, name: "service:shop" }],
    user: { login: "oncall" },
    ...overrides,
  };
}

export class GitHubIssuesMock extends TrackerMock {
  constructor(readonly repoPath = "/repos/acme/incidents") {
    super(GITHUB_API);
  }
  listIssues(reply: Reply | unknown[], link?: string): this {
    return this.answer(this.scope.get(`${this.repoPath}/issues`).query(true), Array.isArray(reply) ? { status: 200, body: reply, ...(link ? { headers: { link } } : {}) } : reply);
  }
  getIssue(number: number, reply: Reply | Record<string, unknown>): this {
    return this.answer(this.scope.get(`${this.repoPath}/issues/${number}`), isReply(reply) ? reply : json(reply));
  }
  listComments(number: number, reply: Reply | { id: number; body: string; user?: { type: string } }[]): this {
    const r = Array.isArray(reply) ? json(reply.map((c) => ({ ...c, html_url: `https://github.com/acme/incidents/issues/${number}#issuecomment-${c.id}` }))) : reply;
    return this.answer(this.scope.get(`${this.repoPath}/issues/${number}/comments`).query(true), r);
  }
  createComment(number: number, id = 77): this {
    return this.answer(this.scope.post(`${this.repoPath}/issues/${number}/comments`), { status: 201, body: { id, body: "x", html_url: `https://github.com/acme/incidents/issues/${number}#issuecomment-${id}` } });
  }
  updateComment(id: number, number = 42): this {
    return this.answer(this.scope.patch(`${this.repoPath}/issues/comments/${id}`), json({ id, body: "x", html_url: `https://github.com/acme/incidents/issues/${number}#issuecomment-${id}` }));
  }
}

/** The faults every tracker is tested against; each adapter's table adds the kind and sentence it expects. */
export const FAULTS = {
  unauthorized: { status: 401, body: { message: "Unauthorized" } },
  forbidden: { status: 403, body: { message: "Forbidden" } },
  notFound: { status: 404, body: { message: "Not Found" } },
  gone: { status: 410, body: { errorMessages: ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."], errors: {} } },
  rateLimited: { status: 429, body: { error: { message: "Rate Limit Exceeded", code: 2020 } }, headers: { "retry-after": "17" } },
  serverError: { status: 503, body: "<html><body><h1>503 Service Unavailable</h1></body></html>" },
  html: { status: 200, body: "<html><head><title>Sign in</title></head><body>Please sign in</body></html>" },
  truncatedJson: { status: 200, body: '{"incidents": [{"id": "PT4', headers: { "content-type": "application/json" } },
  wrongShape: { status: 200, body: { items: "not what the docs say" } },
} satisfies Record<string, Reply>;
