import { z } from "zod";
import type { FollowUpRequest, FollowUpResult, Incident, IncidentEventKind, IncidentSource, IncidentWindow, WebhookHeaders, WebhookVerification } from "../../ports.js";
import { IncidentSourceError, unexpected } from "./errors.js";
import { checkMarker, followUpTag, isOwnFollowUp, joinText, markdownToPlainText, writtenByPeople } from "./follow-up.js";
import { requestJson, type HttpContext } from "./http.js";
import { bodyText, freshness, fromHex, header, hmacSha256, parseJsonObject, quoteId, RecentDeliveries, duplicate, reject, sameDigest } from "./webhook.js";
import { checkWindow, isoTime, mergeIncidents, openDuring } from "./window.js";

/**
 * PagerDuty REST API v2 (https://api.pagerduty.com) and v3 webhooks.
 * - incidents: GET /incidents with since/until (PagerDuty filters on creation time, at most 6 months apart: a longer
 *   window is asked in parts), service_ids[], statuses[], limit/offset pagination until `more` is false (offset + limit
 *   at most 10,000); one incident: GET /incidents/{id} (its `include[]` values name related objects only, not the
 *   body), its details from its alerts' `body.details` (GET /incidents/{id}/alerts) and its notes;
 * - scope: with `serviceIds` (the operator's allowlist for the repository's owner), an incident of another service is
 *   neither read nor written on, whoever names it;
 * - follow-up: notes (POST /incidents/{id}/notes with a `From` header naming a PagerDuty user). Notes cannot be edited or
 *   deleted, so every follow-up is append-only: one note per marker, never a second;
 * - webhooks: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>[,v1=...]` (several during secret rotation),
 *   retried for up to 48 hours; `X-Webhook-Id` is not signed, so a replay is known by the signed body's `event.id`
 *   ("the unique id of the event"); `event.occurred_at` says how old it is.
 */
export interface PagerDutyOptions {
  token: string;
  /** Only these services' incidents; empty: all the token can see. */
  serviceIds?: readonly string[];
  /** The email of a PagerDuty user, sent as `From` when writing notes; without it no note is written. */
  fromEmail?: string;
  /** Current and previous signing secrets (rotation): a delivery is accepted if any of its signatures matches any of them. */
  webhookSecrets?: readonly string[];
  baseUrl?: string;
  timeoutMs?: number;
  /** Results per page (PagerDuty allows up to 100). */
  pageSize?: number;
  /** How far before the window to look for incidents still open in it (PagerDuty's since/until select by creation time). */
  lookbackMs?: number;
  /** Oldest accepted delivery: PagerDuty retries for up to 48 hours (a 4xx other than 429 would end its retries). */
  maxWebhookAgeMs?: number;
  recentDeliveries?: RecentDeliveries;
  now?: () => number;
}

const PAGE_LIMIT = 10_000;
/** PagerDuty's longest since/until range ("at most 6 months"): 180 days stays inside it whatever the months. */
export const MAX_RANGE_MS = 180 * 86_400_000;
/** How long PagerDuty retries a delivery: a signed one is accepted that long. */
export const PAGERDUTY_RETRY_MS = 48 * 3_600_000;
/** Alerts read for an incident's details: the first page (the triggering alert comes first). */
const ALERTS_PAGE = 25;

const reference = z.object({ id: z.string(), summary: z.string().nullish() });
const incidentSchema = z.object({
  id: z.string().min(1),
  incident_number: z.number().optional(),
  title: z.string(),
  description: z.string().nullish(),
  /** triggered, acknowledged or resolved ("more may be introduced"). */
  status: z.string(),
  /** Nullable in PagerDuty's schema. */
  html_url: z.string().nullish(),
  created_at: z.string(),
  resolved_at: z.string().nullish(),
  last_status_change_at: z.string().nullish(),
  service: reference.nullish(),
});
type PagerDutyIncident = z.output<typeof incidentSchema>;
const listSchema = z.object({ incidents: z.array(incidentSchema), more: z.boolean().nullish(), offset: z.number().optional(), limit: z.number().optional() });
const noteSchema = z.object({ id: z.string(), content: z.string().nullish() });
const alertsSchema = z.object({ alerts: z.array(z.object({ body: z.object({ details: z.unknown().optional() }).nullish() })) });
const notesSchema = z.object({ notes: z.array(noteSchema) });

export class PagerDutyIncidentSource implements IncidentSource {
  readonly name = "pagerduty" as const;
  private readonly http: HttpContext;
  private readonly base: string;
  private readonly recent: RecentDeliveries;

  constructor(private readonly options: PagerDutyOptions) {
    this.base = (options.baseUrl ?? "https://api.pagerduty.com").replace(/\/+$/, "");
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
    this.http = {
      hints: {
        tracker: "PagerDuty",
        unauthorized: "check PAGERDUTY_API_TOKEN (a REST API key, sent as `Token token=...`)",
        forbidden: "the API key lacks access to these incidents or services (a read-only key cannot write notes)",
      },
      headers: { authorization: `Token token=${options.token}`, accept: "application/vnd.pagerduty+json;version=2" },
      secrets: [options.token, ...(options.webhookSecrets ?? [])],
      timeoutMs: options.timeoutMs ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  async listIncidents(window: IncidentWindow): Promise<Incident[]> {
    const action = "list PagerDuty incidents";
    checkWindow(window, action);
    try {
      const since = window.since.getTime() - (this.options.lookbackMs ?? 7 * 86_400_000);
      // created in (or shortly before) the window, whatever their status now; in ranges PagerDuty accepts
      const recent: Incident[] = [];
      for (const range of ranges(since, window.until.getTime(), MAX_RANGE_MS)) {
        recent.push(...(await this.listAll(action, { since: new Date(range.since).toISOString(), until: new Date(range.until).toISOString() })));
      }
      // still open, however long ago they were created
      const stillOpen = await this.listAll(action, { date_range: "all", "statuses[]": ["triggered", "acknowledged"] });
      return mergeIncidents(recent, stillOpen).filter((incident) => openDuring(incident, window));
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  private async listAll(action: string, filters: Record<string, string | string[]>): Promise<Incident[]> {
    const limit = Math.min(this.options.pageSize ?? 100, 100);
    const incidents: Incident[] = [];
    for (let offset = 0; ; offset += limit) {
      if (offset + limit > PAGE_LIMIT) {
        throw new IncidentSourceError("rejected", `Could not ${action}: more than ${PAGE_LIMIT} incidents match (PagerDuty's pagination limit); narrow incidents.pagerduty.service_ids.`);
      }
      const url = new URL(`${this.base}/incidents`);
      for (const [name, value] of Object.entries(filters)) for (const v of [value].flat()) url.searchParams.append(name, v);
      for (const id of this.options.serviceIds ?? []) url.searchParams.append("service_ids[]", id);
      url.searchParams.set("time_zone", "UTC");
      url.searchParams.set("limit", String(limit));
      url.searchParams.set("offset", String(offset));
      const page = await requestJson(this.http, { action, url }, listSchema);
      incidents.push(...page.incidents.map((incident) => this.toIncident(incident, [], action)));
      if (page.more !== true || page.incidents.length === 0) return incidents;
    }
  }

  async getIncident(key: string): Promise<Incident | undefined> {
    const id = incidentId(key);
    const action = `read PagerDuty incident ${quoteId(key)}`;
    if (!id) throw new IncidentSourceError("rejected", `Could not ${action}: a PagerDuty incident is named by its id (letters and digits, e.g. PT4KHLK) or its URL.`);
    try {
      const found = await this.readIncident(id, action);
      if (!this.allows(found)) return undefined; // another service's incident: not this repository's to read
      const alertsUrl = new URL(`${this.base}/incidents/${id}/alerts`);
      alertsUrl.searchParams.set("limit", String(ALERTS_PAGE));
      const alerts = await requestJson(this.http, { action, url: alertsUrl }, alertsSchema);
      const notes = await requestJson(this.http, { action, url: new URL(`${this.base}/incidents/${id}/notes`) }, notesSchema);
      const details = alerts.alerts.map((alert) => alert.body?.details).filter((d) => d !== undefined && d !== null);
      return this.toIncident(found, notes.notes.map((note) => note.content), action, details);
    } catch (error) {
      if (error instanceof IncidentSourceError && error.kind === "not-found") return undefined;
      throw unexpected(action, error, this.http.secrets);
    }
  }

  private async readIncident(id: string, action: string): Promise<PagerDutyIncident> {
    return (await requestJson(this.http, { action, url: new URL(`${this.base}/incidents/${id}`) }, z.object({ incident: incidentSchema }))).incident;
  }

  /** Within the services this source may read: all when none are set (the CLI, or an operator's `owner:*`). */
  private allows(incident: PagerDutyIncident): boolean {
    const ids = this.options.serviceIds ?? [];
    return ids.length === 0 || (incident.service?.id !== undefined && ids.includes(incident.service.id));
  }

  private toIncident(incident: PagerDutyIncident, notes: (string | null | undefined)[], action: string, alertDetails: unknown[] = []): Incident {
    const resolved = incident.status === "resolved";
    const resolvedAt = resolved ? (incident.resolved_at ?? incident.last_status_change_at ?? null) : null;
    const details = alertDetails.map((d) => (typeof d === "string" ? d : JSON.stringify(d)));
    return {
      key: incident.id,
      title: incident.title,
      // nullable in PagerDuty's schema: app.pagerduty.com leads a signed-in user to the account's own host
      url: incident.html_url ?? `https://app.pagerduty.com/incidents/${encodeURIComponent(incident.id)}`,
      status: resolved ? "resolved" : "open",
      openedAt: isoTime(incident.created_at, action, "PagerDuty"),
      resolvedAt: resolvedAt === null ? null : isoTime(resolvedAt, action, "PagerDuty"),
      text: joinText([incident.title, incident.description !== incident.title ? incident.description : undefined, ...details, ...writtenByPeople(notes)]),
      ...(incident.service?.summary ? { service: incident.service.summary } : {}),
      source: "pagerduty",
    };
  }

  /** Notes are append-only: a note is added when none carries the marker yet, whatever the mode. */
  async upsertFollowUp(key: string, followUp: FollowUpRequest): Promise<FollowUpResult> {
    const id = incidentId(key);
    const action = `write the follow-up note on PagerDuty incident ${quoteId(key)}`;
    checkMarker(followUp.marker, action);
    if (!id) throw new IncidentSourceError("rejected", `Could not ${action}: a PagerDuty incident is named by its id or its URL.`);
    if (!this.options.fromEmail) {
      return { written: false, outcome: "unsupported", reason: "PagerDuty notes need the email of a PagerDuty user in the From header: set incidents.pagerduty.from." };
    }
    try {
      if ((this.options.serviceIds ?? []).length > 0 && !this.allows(await this.readIncident(id, action))) {
        throw new IncidentSourceError("rejected", `Could not ${action}: the incident belongs to a PagerDuty service this repository may not write on (incidents.pagerduty.service_ids, PAGERDUTY_SERVICE_ALLOWLIST).`);
      }
      const notes = await requestJson(this.http, { action, url: new URL(`${this.base}/incidents/${id}/notes`) }, notesSchema);
      if (notes.notes.some((note) => isOwnFollowUp(note.content, followUp))) {
        return followUp.mode === "edit"
          ? { written: false, outcome: "unchanged", reason: "PagerDuty notes cannot be edited; the note with this marker stays as first written." }
          : { written: false, outcome: "unchanged" };
      }
      const content = `${markdownToPlainText(followUp.body)}\n\n[${followUpTag(followUp)}]`;
      await requestJson(this.http, { action, method: "POST", url: new URL(`${this.base}/incidents/${id}/notes`), headers: { from: this.options.fromEmail }, body: { note: { content } } }, z.object({ note: noteSchema }));
      return { written: true, outcome: "created" };
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: string | Uint8Array, now: Date): WebhookVerification {
    const secrets = this.options.webhookSecrets ?? [];
    if (secrets.length === 0) return reject("no PagerDuty webhook secret is configured (PAGERDUTY_WEBHOOK_SECRETS)");
    const signatureHeader = header(headers, "x-pagerduty-signature");
    if (!signatureHeader) return reject("the X-PagerDuty-Signature header is missing");
    const given = signatureHeader
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part.startsWith("v1="))
      .map((part) => fromHex(part.slice(3)))
      .filter((digest): digest is Buffer => digest !== undefined);
    if (given.length === 0) return reject("the X-PagerDuty-Signature header holds no v1 signature");
    const expected = secrets.map((secret) => hmacSha256(secret, rawBody));
    // every pair is compared, so the time taken does not say which secret (or signature) matched
    let matched = false;
    for (const digest of expected) for (const signature of given) matched = sameDigest(digest, signature) || matched;
    if (!matched) return reject("the X-PagerDuty-Signature matches none of the configured secrets");

    const payload = parseJsonObject(bodyText(rawBody));
    const event = payload?.event as { id?: unknown; event_type?: unknown; occurred_at?: unknown; data?: Record<string, unknown> } | undefined;
    if (typeof event !== "object" || event === null || typeof event.event_type !== "string" || typeof event.occurred_at !== "string") {
      return reject("the delivery is not a PagerDuty v3 webhook event (no event.event_type or event.occurred_at)");
    }
    const nowMs = now.getTime();
    const stale = freshness(Date.parse(event.occurred_at), nowMs, this.options.maxWebhookAgeMs ?? PAGERDUTY_RETRY_MS, 5 * 60_000, "event time");
    if (stale) return reject(stale);
    // the replay key comes from the signed body: X-Webhook-Id is not signed, so a captured body sent again with a new
    // header is still the same event
    const deliveryId = typeof event.id === "string" && event.id !== "" ? event.id : undefined;
    if (!deliveryId) return reject("the delivery's signed body has no event.id");
    if (this.recent.checkAndRemember(`pagerduty:${deliveryId}`, nowMs)) return duplicate(quoteId(deliveryId), "a replay or a retry");
    return { ok: true, event: { ...pagerDutyEvent(event.event_type, event.data), deliveryId } };
  }
}

function pagerDutyEvent(eventType: string, data: Record<string, unknown> | undefined): { key: string | null; kind: IncidentEventKind } {
  if (!eventType.startsWith("incident.")) return { key: null, kind: "other" };
  // incident events carry the incident; notes, responders and status updates carry a reference to it
  const incident = data?.type === "incident" ? data : (data?.incident as Record<string, unknown> | undefined);
  const key = typeof incident?.id === "string" ? incident.id : null;
  const kinds: Record<string, IncidentEventKind> = { "incident.resolved": "resolved", "incident.triggered": "opened", "incident.reopened": "opened" };
  return { key, kind: key === null ? "other" : (kinds[eventType] ?? "updated") };
}

/** [since, until] cut into consecutive ranges no longer than `maxMs` (PagerDuty refuses longer ones). */
export function ranges(since: number, until: number, maxMs: number): { since: number; until: number }[] {
  const parts: { since: number; until: number }[] = [];
  for (let start = since; ; start += maxMs) {
    const end = Math.min(start + maxMs, until);
    parts.push({ since: start, until: end });
    if (end >= until) return parts;
  }
}

/** An id (PT4KHLK) or an incident URL (https://acme.pagerduty.com/incidents/PT4KHLK). */
function incidentId(key: string): string | undefined {
  const fromUrl = /^https:\/\/[a-z0-9-]+\.pagerduty\.com\/incidents\/([A-Z0-9]+)\/?$/i.exec(key.trim())?.[1];
  const id = fromUrl ?? key.trim();
  return /^[A-Z0-9]{1,40}$/i.test(id) ? id : undefined;
}
