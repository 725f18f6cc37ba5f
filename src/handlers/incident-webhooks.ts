import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_BODY_BYTES, readBounded, reject as rejectTooLarge } from "../adapters/http/body-limit.js";
import { IncidentIoIncidentSource } from "../adapters/incidents/incident-io.js";
import { JiraIncidentSource } from "../adapters/incidents/jira.js";
import { PagerDutyIncidentSource } from "../adapters/incidents/pagerduty.js";
import { operatorIncidentSettings } from "../adapters/incidents/operator.js";
import { INCIDENT_ENV } from "../adapters/incidents/sources.js";
import { parseJsonObject, RecentDeliveries, secretList } from "../adapters/incidents/webhook.js";
import { printable } from "../core/printable.js";
import type { IncidentSourceName, Logger, WebhookVerification } from "../ports.js";
import type { DeliveryMemory } from "../adapters/redis/delivery-memory.js";
import type { Templates } from "../templates.js";

export const INCIDENT_WEBHOOK_PREFIX = "/driftback/incidents/";

/** The trackers that sign their own webhooks (GitHub's `issues` events come through Probot, already verified). */
export type WebhookSourceName = Exclude<IncidentSourceName, "github">;
export const WEBHOOK_SOURCES: readonly WebhookSourceName[] = ["pagerduty", "jira", "incident_io"];

/** The environment variable holding each tracker's webhook secret(s): set means that webhook is on. */
export const WEBHOOK_SECRET_ENV: Record<WebhookSourceName, string> = {
  pagerduty: INCIDENT_ENV.pagerdutyWebhookSecrets,
  jira: INCIDENT_ENV.jiraWebhookSecret,
  incident_io: INCIDENT_ENV.incidentIoWebhookSecret,
};

export interface WebhookVerifier {
  verifyWebhook(headers: IncomingMessage["headers"], rawBody: Uint8Array, now: Date): WebhookVerification;
}

/**
 * One verifier per tracker whose webhook secret is set. Verifying needs only the secrets and the replay memory (shared
 * by all three); the incident is fetched again with the credentials and the endpoints of the operator's environment,
 * as each repository's owner is allowed, so the ones here are placeholders that never reach a network call.
 * Called at boot: the operator's incident settings (JIRA_SITE, PAGERDUTY_SERVICE_ALLOWLIST...) are checked here, and a
 * wrong one fails the start with a message naming the variable.
 */
export function webhookVerifiers(env: Record<string, string | undefined>, recentDeliveries = new RecentDeliveries()): Partial<Record<WebhookSourceName, WebhookVerifier>> {
  operatorIncidentSettings(env);
  const secrets = (source: WebhookSourceName) => secretList(env[WEBHOOK_SECRET_ENV[source]]);
  const verifiers: Partial<Record<WebhookSourceName, WebhookVerifier>> = {};
  const pagerduty = secrets("pagerduty");
  if (pagerduty.length > 0) verifiers.pagerduty = new PagerDutyIncidentSource({ token: "unused-for-verification", webhookSecrets: pagerduty, recentDeliveries });
  const jira = secrets("jira");
  if (jira.length > 0) verifiers.jira = new JiraIncidentSource({ site: "verification.invalid", jql: "unused", email: "unused", apiToken: "unused", webhookSecrets: jira, recentDeliveries });
  const incidentIo = secrets("incident_io");
  if (incidentIo.length > 0) verifiers.incident_io = new IncidentIoIncidentSource({ apiKey: "unused-for-verification", webhookSecrets: incidentIo, recentDeliveries });
  return verifiers;
}

export interface IncidentWebhookOptions {
  verifiers: Partial<Record<WebhookSourceName, WebhookVerifier>>;
  /** Called after the answer for a verified "resolved" event: reconciles in the background. */
  onResolved: (source: WebhookSourceName, key: string) => void;
  log: Logger;
  messages: Templates["http"];
  now: () => number;
  maxBodyBytes?: number;
  /** Counts a body refused for its size (the app's Prometheus counter, as for the webhook route). */
  rejected?: (reason: "body_too_large") => void;
  /**
   * Deliveries accepted by any replica (Redis): a tracker's retry that reaches another replica is a replay there too.
   * Asked after the signature and this process's own replay memory (the verifiers'), so only signed deliveries count.
   */
  deliveries?: DeliveryMemory;
}

/**
 * `POST /driftback/incidents/{pagerduty|jira|incident_io}`: reads the raw body (bounded), verifies it with that
 * tracker's signature scheme (constant time; stale and replayed deliveries refused), answers 202 at once, and hands a
 * resolved incident's key to `onResolved`. Returns false for any other path. Never logs a header or a body.
 */
export function incidentWebhookHandler(options: IncidentWebhookOptions) {
  const { messages, log } = options;
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> => {
    if (!pathname.startsWith(INCIDENT_WEBHOOK_PREFIX)) return false;
    const name = pathname.slice(INCIDENT_WEBHOOK_PREFIX.length).replace(/\/+$/, "");
    if (!isWebhookSource(name)) {
      send(res, 404, { error: messages.incidentUnknown({ source: printable(name, 40) }) });
      return true;
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      send(res, 405, { error: messages.incidentMethod({ method: printable(req.method ?? "?", 20), source: name }) });
      return true;
    }
    const verifier = options.verifiers[name];
    if (!verifier) {
      send(res, 404, { error: messages.incidentOff({ source: name, variable: WEBHOOK_SECRET_ENV[name] }) });
      return true;
    }
    const body = await readBounded(req, maxBytes);
    if (body.kind === "aborted") return true; // the client went away: nobody to answer
    if (body.kind === "too-large") return rejectTooLarge(req, res, { maxBytes, log, rejected: options.rejected, message: messages.bodyTooLarge }, { bytesRead: body.bytesRead });
    if (!parseJsonObject(new TextDecoder("utf-8", { fatal: false }).decode(body.bytes))) {
      log.warn({ source: name }, "incident webhook refused: the body is not a JSON object");
      send(res, 400, { error: messages.incidentMalformed({ source: name }) });
      return true;
    }
    const verified = await sharedReplay(options.deliveries, name, verifier.verifyWebhook(req.headers, body.bytes, new Date(options.now())));
    if (!verified.ok && verified.duplicate) {
      // a tracker retrying a delivery whose answer it lost: it was handled, so say so rather than fail it
      log.info({ source: name }, "incident webhook: a delivery already received, nothing to do again");
      send(res, 200, { accepted: false, duplicate: true });
      return true;
    }
    if (!verified.ok) {
      const reason = printable(verified.reason, 300);
      log.warn({ source: name, reason }, "incident webhook refused");
      send(res, 401, { error: messages.incidentUnauthorized({ source: name, reason }) });
      return true;
    }
    const { key, kind } = verified.event;
    send(res, 202, { accepted: true, kind, incident: key });
    log.info({ source: name, kind, incident: key, delivery: verified.event.deliveryId === undefined ? undefined : printable(verified.event.deliveryId, 64) }, "incident webhook accepted");
    if (kind === "resolved" && key !== null) options.onResolved(name, key);
    return true;
  };
}

/** A verified delivery that another replica accepted already becomes a duplicate here too (answered 200, not acted on). */
async function sharedReplay(deliveries: DeliveryMemory | undefined, source: WebhookSourceName, verified: WebhookVerification): Promise<WebhookVerification> {
  const deliveryId = verified.ok ? verified.event.deliveryId : undefined;
  if (!deliveries || deliveryId === undefined) return verified;
  if (await deliveries.firstSeen(`incident/${source}/${deliveryId}`)) return verified;
  return { ok: false, reason: `delivery ${printable(deliveryId, 64)} was already received by another replica`, duplicate: true };
}

function isWebhookSource(name: string): name is WebhookSourceName {
  return (WEBHOOK_SOURCES as readonly string[]).includes(name);
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}
