import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { printable } from "../core/printable.js";
import type { Logger } from "../ports.js";
import type { Templates } from "../templates.js";
import type { ScanService } from "./scan-service.js";

/** Constant-time comparison of a presented bearer token with the configured one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

// GitHub logins (letters, digits, "-"; "_" on Enterprise Server) and repository names (not "." or "..")
const REPO_PARAM = /^([A-Za-z0-9][A-Za-z0-9_-]{0,38})\/(?!\.{1,2}$)([A-Za-z0-9_.-]{1,100})$/;
const BEARER = /^Bearer +(\S+) *$/i;

/** Whether this replica should get traffic; the reason picks the one-line message of the 503. */
export type Readiness = { ready: true } | { ready: false; reason: "shutting-down" | "redis" | "not-loaded" };

/**
 * driftback's own endpoints beside Probot's webhook route: `GET /healthz` (alive: never touches Redis), `GET /readyz`
 * (ready for traffic: Redis answers when configured, templates loaded, not shutting down), `GET /metrics`, and
 * `POST /driftback/scan[?repo=owner/name]` for an external cron, behind DRIFTBACK_SCAN_TOKEN. A scan
 * request is answered 202 at once with what was queued; discovery runs in the background.
 */
export function driftbackHttpHandler(options: {
  scans: ScanService;
  registry: Registry;
  /** Absent: ready whenever the handler runs (the app and its templates are loaded). */
  readiness?: () => Promise<Readiness>;
  scanToken?: string;
  log: Logger;
  messages: Templates["http"];
  /** POST /driftback/incidents/<source> (src/handlers/incident-webhooks.ts); false when the path is not one of its. */
  incidents?: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;
}) {
  const { messages } = options;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = parseUrl(req.url);
    if (!url) return false; // not one of ours; Probot's not-found handler answers
    if (req.method === "GET" && url.pathname === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (req.method === "GET" && url.pathname === "/readyz") {
      const readiness = options.readiness ? await options.readiness() : { ready: true as const };
      if (readiness.ready) send(res, 200, { status: "ready" });
      else send(res, 503, { status: "unavailable", reason: notReadyMessage(messages, readiness.reason) });
      return true;
    }
    if (req.method === "GET" && url.pathname === "/metrics") {
      res.writeHead(200, { "content-type": options.registry.contentType });
      res.end(await options.registry.metrics());
      return true;
    }
    if (options.incidents && (await options.incidents(req, res, url.pathname))) return true;
    if (url.pathname !== "/driftback/scan") return false;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      send(res, 405, { error: messages.scanMethod({ method: printable(req.method ?? "?", 20) }) });
      return true;
    }
    if (!options.scanToken) {
      send(res, 404, { error: messages.scanOff({}) });
      return true;
    }
    const presented = BEARER.exec(req.headers.authorization ?? "")?.[1];
    if (!presented || !tokenMatches(presented, options.scanToken)) {
      res.setHeader("www-authenticate", 'Bearer realm="driftback"');
      send(res, 401, { error: messages.scanUnauthorized({}) });
      return true;
    }
    const repoParam = url.searchParams.get("repo");
    const filter = repoParam === null ? undefined : REPO_PARAM.exec(repoParam);
    if (filter === null) {
      send(res, 400, { error: messages.scanBadRepo({ value: printable(repoParam ?? "") }) });
      return true;
    }
    const queued = options.scans.request(filter ? { owner: filter[1]!, repo: filter[2]! } : undefined);
    options.log.info({ requestId: queued.id, queued: queued.queued }, "scan requested over HTTP");
    send(res, 202, queued);
    return true;
  };
}

function notReadyMessage(messages: Templates["http"], reason: "shutting-down" | "redis" | "not-loaded"): string {
  if (reason === "shutting-down") return messages.notReadyShuttingDown({});
  if (reason === "redis") return messages.notReadyRedis({});
  return messages.notReadyLoading({});
}

function parseUrl(url: string | undefined): URL | undefined {
  try {
    return new URL(url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}
