import { z } from "zod";
import type { FollowUpRequest, FollowUpResult, Incident, IncidentEventKind, IncidentSource, IncidentWindow, WebhookHeaders, WebhookVerification } from "../../ports.js";
import { IncidentSourceError, unexpected } from "./errors.js";
import { checkMarker, joinText } from "./follow-up.js";
import { collectPages, requestJson, type HttpContext } from "./http.js";
import { bodyText, freshness, fromBase64, header, hmacSha256, parseJsonObject, quoteId, RecentDeliveries, duplicate, reject, sameDigest } from "./webhook.js";
import { checkWindow, dayOf, isoTime, mergeIncidents, openDuring } from "./window.js";

/**
 * incident.io API v2 (https://api.incident.io), Bearer API key.
 * - incidents: GET /v2/incidents with page_size (at most 250) and the `after` cursor from `pagination_meta.after`;
 *   filters `created_at[lte]`, `updated_at[gte]` (dates) and `status_category[one_of]`. Status categories triage, live
 *   and paused are open, learning and closed resolved; declined, merged and canceled incidents, and test or tutorial ones, are not
 *   incidents at all. The key is the reference (INC-123): GET /v2/incidents/{id} takes the id or the reference's number.
 * - follow-up: each linked pull request becomes an attachment of the incident (POST /v1/incident_attachments with
 *   `resource_type: github_pull_request` and its URL as `external_id`), once: the ones already attached are listed
 *   first (GET /v1/incident_attachments?incident_id=...). Text cannot be written (incident updates can only be listed;
 *   editing the incident would overwrite its summary).
 * - the API host is fixed (api.incident.io): a repository only chooses whether to read this source.
 * - webhooks (Svix): `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature: v1,<base64 HMAC-SHA256 of
 *   "{id}.{timestamp}.{body}">` (space-separated during rotation), secret `whsec_<base64 key>`. Deliveries can arrive
 *   out of order, so the event carries only the incident's key: fetch it again.
 */
export interface IncidentIoOptions {
  apiKey: string;
  /** `whsec_...`; several during a rotation. */
  webhookSecrets?: readonly string[];
  baseUrl?: string;
  timeoutMs?: number;
  pageSize?: number;
  /** Svix's tolerance: a delivery whose timestamp is further than this from now, either way, is refused. */
  webhookToleranceMs?: number;
  recentDeliveries?: RecentDeliveries;
  now?: () => number;
}

const OPEN = new Set(["triage", "live", "paused"]);
const RESOLVED = new Set(["learning", "closed"]);

const incidentSchema = z.object({
  id: z.string().min(1),
  reference: z.string().min(1),
  name: z.string(),
  summary: z.string().nullish(),
  permalink: z.string().nullish(),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  mode: z.string().nullish(),
  incident_status: z.object({ category: z.string(), name: z.string().nullish() }),
  incident_timestamp_values: z
    .array(z.object({ incident_timestamp: z.object({ name: z.string() }), value: z.object({ value: z.string().nullish() }).nullish() }))
    .nullish(),
  custom_field_entries: z
    .array(
      z.object({
        custom_field: z.object({ name: z.string() }),
        values: z.array(z.object({ value_text: z.string().nullish(), value_option: z.object({ value: z.string() }).nullish(), value_catalog_entry: z.object({ name: z.string() }).nullish() })),
      }),
    )
    .nullish(),
});
type IncidentIoIncident = z.output<typeof incidentSchema>;
const listSchema = z.object({ incidents: z.array(incidentSchema), pagination_meta: z.object({ after: z.string().nullish(), page_size: z.number().optional() }).nullish() });
const attachmentSchema = z.object({ id: z.string(), resource: z.object({ external_id: z.string(), resource_type: z.string() }) });
const attachmentsSchema = z.object({ incident_attachments: z.array(attachmentSchema) });
/** A GitHub pull request's web URL: the only thing attached. */
const PULL_URL = /^https:\/\/[A-Za-z0-9.-]+\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/pull\/\d+$/;
const updatesSchema = z.object({ incident_updates: z.array(z.object({ message: z.string().nullish() })), pagination_meta: z.object({ after: z.string().nullish() }).nullish() });

export class IncidentIoIncidentSource implements IncidentSource {
  readonly name = "incident_io" as const;
  private readonly http: HttpContext;
  private readonly base: string;
  private readonly recent: RecentDeliveries;

  constructor(private readonly options: IncidentIoOptions) {
    this.base = (options.baseUrl ?? "https://api.incident.io").replace(/\/+$/, "");
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
    this.http = {
      hints: {
        tracker: "incident.io",
        unauthorized: "check INCIDENT_IO_API_KEY",
        forbidden: "the API key lacks the role to view these incidents (private incidents need their own role)",
      },
      headers: { authorization: `Bearer ${options.apiKey}`, accept: "application/json" },
      secrets: [options.apiKey, ...(options.webhookSecrets ?? [])],
      timeoutMs: options.timeoutMs ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  async listIncidents(window: IncidentWindow): Promise<Incident[]> {
    const action = "list incident.io incidents";
    checkWindow(window, action);
    try {
      // dates only: a day of slack each side, then the exact window below
      const touched = await this.listAll(action, { "created_at[lte]": dayOf(window.until, 1), "updated_at[gte]": dayOf(window.since, -1) });
      const live = await this.listAll(action, { "status_category[one_of]": "live" });
      const triage = await this.listAll(action, { "status_category[one_of]": "triage" });
      const paused = await this.listAll(action, { "status_category[one_of]": "paused" });
      return mergeIncidents(touched, live, triage, paused).filter((incident) => openDuring(incident, window));
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  private async listAll(action: string, filters: Record<string, string>): Promise<Incident[]> {
    const pageSize = Math.min(this.options.pageSize ?? 100, 250);
    const incidents = await collectPages(action, "incident.io", async (after) => {
      const url = new URL(`${this.base}/v2/incidents`);
      url.searchParams.set("page_size", String(pageSize));
      for (const [name, value] of Object.entries(filters)) url.searchParams.set(name, value);
      if (after) url.searchParams.set("after", after);
      const page = await requestJson(this.http, { action, url }, listSchema);
      return { items: page.incidents, next: page.incidents.length === 0 ? undefined : (page.pagination_meta?.after ?? undefined) };
    });
    return incidents.flatMap((incident) => this.toIncident(incident, [], action) ?? []);
  }

  async getIncident(key: string): Promise<Incident | undefined> {
    const id = incidentPathId(key);
    const action = `read incident.io incident ${quoteId(key)}`;
    if (!id) throw new IncidentSourceError("rejected", `Could not ${action}: give its reference (INC-123), its id or its incident.io URL.`);
    try {
      const found = await requestJson(this.http, { action, url: new URL(`${this.base}/v2/incidents/${encodeURIComponent(id)}`) }, z.object({ incident: incidentSchema }));
      const updates = await collectPages(action, "incident.io", async (after) => {
        const url = new URL(`${this.base}/v2/incident_updates`);
        url.searchParams.set("incident_id", found.incident.id);
        url.searchParams.set("page_size", "250");
        if (after) url.searchParams.set("after", after);
        const page = await requestJson(this.http, { action, url }, updatesSchema);
        return { items: page.incident_updates, next: page.incident_updates.length === 0 ? undefined : (page.pagination_meta?.after ?? undefined) };
      });
      return this.toIncident(found.incident, updates.map((update) => update.message), action);
    } catch (error) {
      if (error instanceof IncidentSourceError && error.kind === "not-found") return undefined;
      throw unexpected(action, error, this.http.secrets);
    }
  }

  /** Undefined for what is not an incident: declined, merged, canceled, a test or a tutorial. */
  private toIncident(incident: IncidentIoIncident, updates: (string | null | undefined)[], action: string): Incident | undefined {
    const category = incident.incident_status.category;
    if (!OPEN.has(category) && !RESOLVED.has(category)) return undefined;
    if (incident.mode === "test" || incident.mode === "tutorial") return undefined;
    const resolved = RESOLVED.has(category);
    const stamp = (pattern: RegExp) => incident.incident_timestamp_values?.find((t) => pattern.test(t.incident_timestamp.name) && t.value?.value)?.value?.value ?? undefined;
    const resolvedAt = resolved ? (stamp(/resolved/i) ?? stamp(/closed/i) ?? incident.updated_at ?? null) : null;
    const service = incident.custom_field_entries
      ?.find((entry) => /service/i.test(entry.custom_field.name) && entry.values.length > 0)
      ?.values.map((value) => value.value_catalog_entry?.name ?? value.value_option?.value ?? value.value_text)
      .find((name): name is string => typeof name === "string" && name !== "");
    return {
      key: incident.reference,
      title: incident.name,
      url: incident.permalink ?? `https://app.incident.io/incidents/${encodeURIComponent(incident.id)}`,
      status: resolved ? "resolved" : "open",
      openedAt: isoTime(incident.created_at, action, "incident.io"),
      resolvedAt: resolvedAt ? isoTime(resolvedAt, action, "incident.io") : null,
      text: joinText([incident.name, incident.summary, ...updates]),
      ...(service ? { service } : {}),
      source: "incident_io",
    };
  }

  /** Attaches every linked pull request not attached yet; nothing is ever removed (a closed pull request stays part of the story). */
  async upsertFollowUp(key: string, followUp: FollowUpRequest): Promise<FollowUpResult> {
    const action = `attach the backport pull requests to incident.io incident ${quoteId(key)}`;
    checkMarker(followUp.marker, action);
    const id = incidentPathId(key);
    if (!id) throw new IncidentSourceError("rejected", `Could not ${action}: give its reference (INC-123), its id or its incident.io URL.`);
    const wanted = [...new Set(followUp.pullRequests ?? [])];
    const bad = wanted.find((url) => !PULL_URL.test(url));
    if (bad !== undefined) throw new IncidentSourceError("rejected", `Could not ${action}: "${quoteId(bad)}" is not a pull request URL.`);
    if (wanted.length === 0) return { written: false, outcome: "unchanged" };
    try {
      const found = await requestJson(this.http, { action, url: new URL(`${this.base}/v2/incidents/${encodeURIComponent(id)}`) }, z.object({ incident: incidentSchema }));
      const incidentId = found.incident.id;
      const listUrl = new URL(`${this.base}/v1/incident_attachments`);
      listUrl.searchParams.set("incident_id", incidentId);
      listUrl.searchParams.set("resource_type", "github_pull_request");
      const attached = new Set((await requestJson(this.http, { action, url: listUrl }, attachmentsSchema)).incident_attachments.map((a) => a.resource.external_id));
      const missing = wanted.filter((url) => !attached.has(url));
      for (const url of missing) {
        const body = { incident_id: incidentId, resource: { external_id: url, resource_type: "github_pull_request" } };
        await requestJson(this.http, { action, method: "POST", url: new URL(`${this.base}/v1/incident_attachments`), body }, z.object({ incident_attachment: attachmentSchema }));
      }
      const url = found.incident.permalink ?? undefined;
      return missing.length > 0 ? { written: true, outcome: "created", ...(url ? { url } : {}) } : { written: false, outcome: "unchanged", ...(url ? { url } : {}) };
    } catch (error) {
      throw unexpected(action, error, this.http.secrets);
    }
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: string | Uint8Array, now: Date): WebhookVerification {
    const keys = (this.options.webhookSecrets ?? []).map(signingKey);
    if (keys.length === 0) return reject("no incident.io webhook secret is configured (INCIDENT_IO_WEBHOOK_SECRET)");
    if (keys.some((key) => key === undefined)) return reject("an incident.io webhook secret is not whsec_<base64> (INCIDENT_IO_WEBHOOK_SECRET)");
    const id = header(headers, "webhook-id") ?? header(headers, "svix-id");
    const timestamp = header(headers, "webhook-timestamp") ?? header(headers, "svix-timestamp");
    const signatures = header(headers, "webhook-signature") ?? header(headers, "svix-signature");
    if (!id || !timestamp || !signatures) return reject("the webhook-id, webhook-timestamp or webhook-signature header is missing");
    if (!/^\d{1,12}$/.test(timestamp)) return reject("the webhook-timestamp header is not a number of seconds");
    const given = signatures
      .split(" ")
      .filter((entry) => entry.startsWith("v1,"))
      .map((entry) => fromBase64(entry.slice(3)))
      .filter((digest): digest is Buffer => digest !== undefined);
    if (given.length === 0) return reject("the webhook-signature header holds no v1 signature");
    let matched = false;
    for (const key of keys) {
      const expected = hmacSha256(key!, `${id}.${timestamp}.`, rawBody);
      for (const signature of given) matched = sameDigest(expected, signature) || matched;
    }
    if (!matched) return reject("the webhook-signature matches none of the configured secrets");
    const nowMs = now.getTime();
    const tolerance = this.options.webhookToleranceMs ?? 5 * 60_000;
    const stale = freshness(Number(timestamp) * 1000, nowMs, tolerance, tolerance, "webhook-timestamp");
    if (stale) return reject(stale);
    if (this.recent.checkAndRemember(`incident_io:${id}`, nowMs)) return duplicate(quoteId(id), "a replay or a retry");
    const payload = parseJsonObject(bodyText(rawBody));
    if (!payload || typeof payload.event_type !== "string") return reject("the delivery is not an incident.io webhook event (no event_type)");
    return { ok: true, event: { ...incidentIoEvent(payload.event_type, payload[payload.event_type]), deliveryId: id } };
  }
}

/** whsec_<base64> -> the HMAC key bytes. */
function signingKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, "base64");
  return key.length >= 16 ? key : undefined;
}

function incidentIoEvent(eventType: string, data: unknown): { key: string | null; kind: IncidentEventKind } {
  const body = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  // incident events carry the incident (public ones in full, private ones only its id), status changes wrap it in
  // `incident`; other events (follow-ups, actions) have ids of their own and name the incident by incident_id
  const isIncidentEvent = /\.incident_[a-z_]+_v\d+$/.test(eventType);
  const incident = (typeof body.incident === "object" && body.incident !== null ? body.incident : isIncidentEvent ? body : {}) as Record<string, unknown>;
  const key = [incident.reference, incident.id, body.incident_id].find((value): value is string => typeof value === "string" && value !== "") ?? null;
  if (key === null || !eventType.includes("incident.")) return { key: null, kind: "other" };
  const category = (body.new_status as { category?: unknown } | undefined)?.category ?? (incident.incident_status as { category?: unknown } | undefined)?.category;
  if (/incident_created_v\d+$/.test(eventType)) return { key, kind: "opened" };
  if (/incident_(status_)?updated_v\d+$/.test(eventType)) return { key, kind: typeof category === "string" && RESOLVED.has(category) ? "resolved" : "updated" };
  return { key, kind: "other" };
}

/** INC-123 -> "123" (the API takes the reference's number), an id as it is, or the last segment of an incident URL. */
function incidentPathId(key: string): string | undefined {
  const text = key.trim();
  const fromUrl = /^https:\/\/app\.incident\.io\/(?:[\w-]+\/)?incidents\/([\w-]+)\/?$/.exec(text)?.[1];
  const candidate = fromUrl ?? text;
  const reference = /^(?:[A-Z]+-)?(\d+)$/i.exec(candidate);
  if (reference) return reference[1];
  return /^[0-9A-Z]{10,40}$/i.test(candidate) ? candidate : undefined;
}
