import { STATUS_CODES, type Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { Probot, Server, type ApplicationFunction, type ProbotOctokit } from "probot";
import type { Templates } from "../../templates.js";
import { announcesTooLargeBody, limitRequestBodies, MAX_BODY_BYTES, reject, type BodyLimitOptions } from "./body-limit.js";
import { printable } from "../../core/printable.js";

export interface DriftbackServerOptions {
  /** Application functions to load, in order (driftback's, and in tests a recorder). */
  apps: ApplicationFunction[];
  /** The process logger: pass `createSafeLog()`, which keeps headers and payloads out of every line. */
  log: Logger;
  appId: number;
  privateKey: string;
  secret: string;
  baseUrl?: string;
  redisConfig?: string;
  Octokit?: typeof ProbotOctokit;
  host?: string;
  port?: number;
  webhookPath?: string;
  webhookProxy?: string;
  maxBodyBytes?: number;
  messages: Templates["http"];
  /** Counts requests refused before a handler read them (the app's Prometheus metrics). */
  rejected?: (reason: "body_too_large") => void;
}

export interface RunningServer {
  server: Server;
  httpServer: HttpServer;
  url: string;
  /** Stops listening and drops open connections. */
  stop: () => Promise<void>;
}

/**
 * The server `probot run` builds (Probot's `Server`: webhooks, /ping, static files, not-found, the
 * smee proxy), with two changes at the edge: the logger passed in is used for every line, the request
 * log included, and a body limit sits in front of the webhook middleware, which would otherwise
 * buffer a body of any size and log it on a bad signature.
 */
export async function startDriftbackServer(options: DriftbackServerOptions): Promise<RunningServer> {
  const limits: Omit<BodyLimitOptions, "webhookPath"> = {
    maxBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    log: options.log,
    rejected: options.rejected,
    message: options.messages.bodyTooLarge,
  };
  const ProbotWithDefaults = Probot.defaults({
    appId: options.appId,
    privateKey: options.privateKey,
    secret: options.secret,
    baseUrl: options.baseUrl,
    redisConfig: options.redisConfig,
    log: options.log,
    Octokit: options.Octokit,
  });
  // Server puts Probot's middleware first in its handler chain, so the limit wraps that middleware
  class BodyLimitedProbot extends ProbotWithDefaults {
    override async getNodeMiddleware(middlewareOptions: Parameters<Probot["getNodeMiddleware"]>[0] = {}) {
      const middleware = await super.getNodeMiddleware(middlewareOptions);
      return limitRequestBodies(middleware, { ...limits, webhookPath: middlewareOptions.path ?? (this as unknown as Probot).webhookPath });
    }
  }
  const server = new Server({
    host: options.host ?? "localhost",
    port: options.port ?? 3000,
    webhookPath: options.webhookPath,
    webhookProxy: options.webhookProxy,
    log: options.log,
    Probot: BodyLimitedProbot as unknown as typeof Probot,
  });
  for (const app of options.apps) await server.load(app);
  const httpServer = await server.start();
  // `Expect: 100-continue` (curl sends it for large bodies): refuse an announced oversize body before it is sent
  httpServer.on("checkContinue", (req, res) => {
    if (announcesTooLargeBody(req, limits.maxBytes)) {
      reject(req, res, limits, { declaredBytes: Number(req.headers["content-length"]), bytesRead: 0 });
      return;
    }
    res.writeContinue();
    httpServer.emit("request", req, res);
  });
  httpServer.on("clientError", (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => answerMalformed(error, socket, options));
  return {
    server,
    httpServer,
    url: `http://${server.host}:${server.port}`,
    stop: async () => {
      httpServer.closeAllConnections();
      await server.stop();
    },
  };
}

/**
 * What Node answers to a request its parser refuses (a control character in a header, a bad length),
 * plus a log line and a message naming the fault. The raw bytes (`error.rawPacket`) are never logged.
 */
function answerMalformed(error: NodeJS.ErrnoException & { reason?: string }, socket: Socket, options: Pick<DriftbackServerOptions, "log" | "messages">): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const reason = printable(error.reason ?? error.code ?? "unreadable request", 120);
  options.log.warn({ code: error.code, reason, status }, "malformed HTTP request refused");
  const body = `${JSON.stringify({ error: options.messages.malformedRequest({ reason }) })}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
