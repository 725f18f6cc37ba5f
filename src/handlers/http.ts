import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "../ports.js";
import type { ScanService } from "./scan-service.js";

/** Constant-time comparison of a presented bearer token with the configured one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * driftback's own endpoints beside Probot's webhook route: `GET /healthz`, `GET /metrics`, and
 * `POST /driftback/scan[?repo=owner/name]` for an external cron, behind DRIFTBACK_SCAN_TOKEN.
 */
export function driftbackHttpHandler(options: { scans: ScanService; registry: Registry; scanToken?: string; log: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (req.method === "GET" && url.pathname === "/metrics") {
      res.writeHead(200, { "content-type": options.registry.contentType });
      res.end(await options.registry.metrics());
      return true;
    }
    if (url.pathname !== "/driftback/scan") return false;
    if (req.method !== "POST") {
      send(res, 405, { error: "use POST" });
      return true;
    }
    if (!options.scanToken) {
      send(res, 404, { error: "the scan endpoint is off: set DRIFTBACK_SCAN_TOKEN to turn it on" });
      return true;
    }
    const header = req.headers.authorization ?? "";
    const presented = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    if (!presented || !tokenMatches(presented, options.scanToken)) {
      res.setHeader("www-authenticate", 'Bearer realm="driftback"');
      send(res, 401, { error: "missing or wrong bearer token" });
      return true;
    }
    const repoParam = url.searchParams.get("repo");
    const filter = repoParam ? /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repoParam) : undefined;
    if (repoParam && !filter) {
      send(res, 400, { error: `repo must look like owner/name, got "${repoParam}"` });
      return true;
    }
    const found = await options.scans.discover(filter ? { owner: filter[1]!, repo: filter[2]! } : undefined);
    const started: string[] = [];
    const alreadyRunning: string[] = [];
    for (const { repo, octokit } of found) {
      const key = `${repo.target.owner}/${repo.target.repo}`;
      (options.scans.start(repo, octokit) ? started : alreadyRunning).push(key);
    }
    options.log.info({ started, alreadyRunning }, "scan requested over HTTP");
    send(res, filter && found.length === 0 ? 404 : 202, filter && found.length === 0 ? { error: `${repoParam} is not installed or has no valid driftback config` } : { started, alreadyRunning });
    return true;
  };
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}
