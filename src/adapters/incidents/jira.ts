import { z } from "zod";
import type { FollowUpRequest, FollowUpResult, Incident, IncidentEventKind, IncidentSource, IncidentWindow, WebhookHeaders, WebhookVerification } from "../../ports.js";
import { adfToText, markdownToAdf, sameAdf } from "./adf.js";
import { IncidentSourceError, unexpected } from "./errors.js";
import { checkMarker, followUpTag, isOwnFollowUp, joinText, writtenByPeople } from "./follow-up.js";
import { collectPages, requestJson, type HttpContext } from "./http.js";
import { bodyText, freshness, fromHex, header, hmacSha256, parseJsonObject, quoteId, RecentDeliveries, duplicate, reject, sameDigest } from "./webhook.js";
import { checkWindow, dayOf, isoTime, openDuring } from "./window.js";

/**
 * Jira Cloud REST API v3, Basic auth with an Atlassian account's email and API token.
 * - search: POST /rest/api/3/search/jql { jql, fields, maxResults, nextPageToken } -> { issues, nextPageToken, isLast }
 *   (the older /rest/api/3/search answers 410 since Atlassian's CHANGE-2046). Done (status category) = resolved;
 *   `resolutiondate` when set, else the status category's change date. The first component names the service.
 * - follow-up: one comment with an ADF body, its marker in the last paragraph (ADF has no hidden text), edited in place
 *   with PUT /rest/api/3/issue/{key}/comment/{id}.
 * - webhooks: admin webhooks with a secret are signed `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`;
 *   `X-Atlassian-Webhook-Identifier` is the same on every retry; the signed body's `timestamp` (ms) says how old it is.
 */
export interface JiraOptions {
  /** acme.atlassian.net */
  site: string;
  email: string;
  apiToken: string;
  /** Which issues are incidents, e.g. `project = INC`; no ORDER BY (driftback adds the time window). */
  jql: string;
  /** Comma-separated in JIRA_WEBHOOK_SECRET during a rotation: any of them may sign. */
  webhookSecrets?: readonly string[];
  timeoutMs?: number;
  pageSize?: number;
  maxWebhookAgeMs?: number;
  recentDeliveries?: RecentDeliveries;
  now?: () => number;
}

/** Jira's limit on a comment body. */
const JIRA_COMMENT_LIMIT = 32_767;
const FIELDS = ["summary", "description", "status", "created", "updated", "resolutiondate", "statuscategorychangedate", "components", "comment"];

const issueSchema = z.object({
  key: z.string().min(1),
  fields: z.object({
    summary: z.string(),
    description: z.unknown().optional(),
    status: z.object({ statusCategory: z.object({ key: z.string() }) }),
    created: z.string(),
    resolutiondate: z.string().nullish(),
    statuscategorychangedate: z.string().nullish(),
    updated: z.string().nullish(),
    components: z.array(z.object({ name: z.string() })).nullish(),
    comment: z.object({ comments: z.array(z.object({ body: z.unknown() })) }).nullish(),
  }),
});
type JiraIssue = z.output<typeof issueSchema>;
const searchSchema = z.object({ issues: z.array(issueSchema), nextPageToken: z.string().nullish(), isLast: z.boolean().nullish() });
const commentSchema = z.object({ id: z.string(), body: z.unknown() });
const commentsSchema = z.object({ startAt: z.number(), total: z.number(), comments: z.array(commentSchema) });

export class JiraIncidentSource implements IncidentSource {
  readonly name = "jira" as const;
  private readonly http: HttpContext;
  private readonly base: string;
  private readonly recent: RecentDeliveries;

  constructor(private readonly options: JiraOptions) {
    if (!/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i.test(options.site)) {
      throw new IncidentSourceError("rejected", `incidents.jira.site must be a host name such as acme.atlassian.net, not "${quoteId(options.site)}".`);
    }
    this.base = `https://${options.site}`;
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
    const basic = Buffer.from(`${options.email}:${options.apiToken}`).toString("base64");
    this.http = {
      hints: {
        tracker: "Jira",
        unauthorized: "check JIRA_EMAIL and JIRA_API_TOKEN (an Atlassian API token of that account)",
        forbidden: "the Jira account cannot browse these issues or add comments to them",
        gone: "Atlassian removed that endpoint (CHANGE-2046: /rest/api/3/search became /rest/api/3/search/jql); upgrade driftback",
      },
      headers: { authorization: `Basic ${basic}`, accept: "application/json" },
      secrets: [options.apiToken, basic, ...(options.webhookSecrets ?? [])],
      timeoutMs: options.timeoutMs ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  async listIncidents(window: IncidentWindow): Promise<Incident[]> {
    const action = "search Jira for incidents";
    checkWindow(window, action);
    if (/\border\s+by\b/i.test(this.options.jql)) {
      throw new IncidentSourceError("rejected", `Could not ${action}: incidents.jira.jql must not contain ORDER BY (driftback adds its own time window).`);
    }
    // JQL dates are read in the account's time zone: a day of slack each side, then the exact window below
    const jql = `(${this.options.jql}) AND created <= "${dayOf(window.until, 1)}" AND (statusCategory != Done OR updated >= "${dayOf(window.since, -1)}")`;
    const maxResults = Math.min(this.options.pageSize ?? 100, 100);
    try {
      const issues = await collectPages(action, "Jira", async (nextPageToken) => {
        const body = { jql, fields: FIELDS, maxResults, ...(nextPageToken ? { nextPageToken } : {}) };
        const page = await requestJson(this.http, { action, method: "POST", url: new URL(`${this.base}/rest/api/3/search/jql`), body }, searchSchema);
        return { items: page.issues, next: page.isLast === true ? undefined : (page.nextPageToken ?? undefined) };
      });
      return issues.map((issue) => this.toIncident(issue, action)).filter((incident) => openDuring(incident, window));
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  async getIncident(key: string): Promise<Incident | undefined> {
    const issueKey = this.issueKey(key);
    const action = `read Jira issue ${quoteId(key)}`;
    try {
      const url = new URL(`${this.base}/rest/api/3/issue/${issueKey}`);
      url.searchParams.set("fields", FIELDS.join(","));
      return this.toIncident(await requestJson(this.http, { action, url }, issueSchema), action);
    } catch (error) {
      if (error instanceof IncidentSourceError && error.kind === "not-found") return undefined;
      throw unexpected(action, error, this.http.secrets);
    }
  }

  private toIncident(issue: JiraIssue, action: string): Incident {
    const { fields } = issue;
    const done = fields.status.statusCategory.key === "done";
    const resolvedAt = done ? (fields.resolutiondate ?? fields.statuscategorychangedate ?? fields.updated ?? null) : null;
    const comments = (fields.comment?.comments ?? []).map((comment) => adfToText(comment.body));
    const service = fields.components?.[0]?.name;
    return {
      key: issue.key,
      title: fields.summary,
      url: `${this.base}/browse/${issue.key}`,
      status: done ? "resolved" : "open",
      openedAt: isoTime(fields.created, action, "Jira"),
      resolvedAt: resolvedAt ? isoTime(resolvedAt, action, "Jira") : null,
      text: joinText([fields.summary, adfToText(fields.description ?? null), ...writtenByPeople(comments)]),
      ...(service ? { service } : {}),
      source: "jira",
    };
  }

  async upsertFollowUp(key: string, followUp: FollowUpRequest): Promise<FollowUpResult> {
    const issueKey = this.issueKey(key);
    const action = `write the follow-up comment on Jira issue ${quoteId(key)}`;
    checkMarker(followUp.marker, action);
    const body = markdownToAdf(followUp.body, followUpTag(followUp));
    if (JSON.stringify(body).length > JIRA_COMMENT_LIMIT) {
      throw new IncidentSourceError("rejected", `Could not ${action}: the follow-up is over Jira's comment limit of ${JIRA_COMMENT_LIMIT} characters.`);
    }
    try {
      const existing = (await this.comments(issueKey, action)).find((comment) => isOwnFollowUp(adfToText(comment.body), followUp));
      const urlOf = (id: string) => `${this.base}/browse/${issueKey}?focusedCommentId=${encodeURIComponent(id)}`;
      if (existing) {
        if (followUp.mode === "append" || sameAdf(existing.body, body)) return { written: false, outcome: "unchanged", url: urlOf(existing.id) };
        const url = new URL(`${this.base}/rest/api/3/issue/${issueKey}/comment/${encodeURIComponent(existing.id)}`);
        const updated = await requestJson(this.http, { action, method: "PUT", url, body: { body } }, commentSchema);
        return { written: true, outcome: "updated", url: urlOf(updated.id) };
      }
      const created = await requestJson(this.http, { action, method: "POST", url: new URL(`${this.base}/rest/api/3/issue/${issueKey}/comment`), body: { body } }, commentSchema);
      return { written: true, outcome: "created", url: urlOf(created.id) };
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  /** Every comment of the issue, oldest first (startAt/maxResults/total pagination). */
  private async comments(issueKey: string, action: string): Promise<z.output<typeof commentSchema>[]> {
    const all: z.output<typeof commentSchema>[] = [];
    for (let startAt = 0; ; ) {
      const url = new URL(`${this.base}/rest/api/3/issue/${issueKey}/comment`);
      url.searchParams.set("startAt", String(startAt));
      url.searchParams.set("maxResults", "100");
      url.searchParams.set("orderBy", "created");
      const page = await requestJson(this.http, { action, url }, commentsSchema);
      all.push(...page.comments);
      startAt = page.startAt + page.comments.length;
      if (page.comments.length === 0 || startAt >= page.total) return all;
    }
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: string | Uint8Array, now: Date): WebhookVerification {
    const secrets = this.options.webhookSecrets ?? [];
    if (secrets.length === 0) return reject("no Jira webhook secret is configured (JIRA_WEBHOOK_SECRET)");
    const signature = header(headers, "x-hub-signature");
    if (!signature) return reject("the X-Hub-Signature header is missing (is the webhook's secret set in Jira?)");
    const given = signature.startsWith("sha256=") ? fromHex(signature.slice("sha256=".length)) : undefined;
    if (!given) return reject("the X-Hub-Signature header is not sha256=<64 hex characters>");
    let matched = false;
    for (const secret of secrets) matched = sameDigest(hmacSha256(secret, rawBody), given) || matched;
    if (!matched) return reject("the X-Hub-Signature matches none of the configured secrets");

    const payload = parseJsonObject(bodyText(rawBody));
    if (!payload || typeof payload.webhookEvent !== "string" || typeof payload.timestamp !== "number") {
      return reject("the delivery is not a Jira webhook event (no webhookEvent or timestamp)");
    }
    const nowMs = now.getTime();
    const stale = freshness(payload.timestamp, nowMs, this.options.maxWebhookAgeMs ?? 3_600_000, 5 * 60_000, "timestamp");
    if (stale) return reject(stale);
    // X-Atlassian-Webhook-Identifier is not signed: a replay is known by what the signature covers, the event's time,
    // its name and the ids of what it is about (a retry repeats the same body, so it is known the same way)
    const deliveryId = jiraReplayKey(payload);
    if (this.recent.checkAndRemember(`jira:${deliveryId}`, nowMs)) return duplicate(quoteId(deliveryId), "a replay or a retry");
    return { ok: true, event: { ...jiraEvent(payload), deliveryId } };
  }

  /** PROJ-123 or https://<site>/browse/PROJ-123. */
  private issueKey(key: string): string {
    const text = key.trim();
    const fromUrl = /^https:\/\/([^/]+)\/browse\/([A-Z][A-Z0-9_]*-\d+)\/?$/i.exec(text);
    const issueKey = fromUrl && fromUrl[1]!.toLowerCase() === this.options.site.toLowerCase() ? fromUrl[2]! : text;
    if (!/^[A-Z][A-Z0-9_]*-\d+$/i.test(issueKey)) {
      throw new IncidentSourceError("rejected", `"${quoteId(key)}" is not a Jira issue of ${this.options.site}: give its key (INC-123) or its /browse/ URL.`);
    }
    return issueKey.toUpperCase();
  }
}

/**
 * The replay key of a Jira delivery, from its signed body only: `timestamp` (ms) and `webhookEvent`, which every
 * delivery carries, then the ids of the issue, the changelog and the comment when present, and the webhooks it matched.
 */
export function jiraReplayKey(payload: Record<string, unknown>): string {
  const idOf = (value: unknown) => {
    const id = (value as { id?: unknown } | undefined)?.id;
    return typeof id === "string" || typeof id === "number" ? String(id) : "";
  };
  const matched = Array.isArray(payload.matchedWebhookIds) ? payload.matchedWebhookIds.filter((id) => typeof id === "number").join(".") : "";
  return [String(payload.timestamp), String(payload.webhookEvent), idOf(payload.issue), idOf(payload.changelog), idOf(payload.comment), matched].join("/");
}

function jiraEvent(payload: Record<string, unknown>): { key: string | null; kind: IncidentEventKind } {
  const issue = payload.issue as { key?: unknown; fields?: { status?: { statusCategory?: { key?: unknown } } } } | undefined;
  const key = typeof issue?.key === "string" ? issue.key : null;
  if (key === null) return { key: null, kind: "other" };
  const event = payload.webhookEvent as string;
  if (event === "jira:issue_created") return { key, kind: "opened" };
  if (event === "jira:issue_updated") {
    const items = ((payload.changelog as { items?: { field?: unknown }[] } | undefined)?.items ?? []).map((item) => item.field);
    const statusChanged = items.includes("status") || items.includes("resolution");
    if (statusChanged && issue?.fields?.status?.statusCategory?.key === "done") return { key, kind: "resolved" };
    return { key, kind: "updated" };
  }
  if (event.startsWith("comment_")) return { key, kind: "updated" };
  return { key, kind: "other" };
}
