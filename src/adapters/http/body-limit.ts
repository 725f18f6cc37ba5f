import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../ports.js";
import { printable } from "../../core/printable.js";

/** GitHub caps webhook payloads at 25 MB; nothing driftback serves takes more. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** A Node request handler that says whether it answered (Probot's and @octokit/webhooks' convention). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: Function) => boolean | Promise<boolean>; // Function: @octokit/webhooks types it so

export interface BodyLimitOptions {
  maxBytes: number;
  /** The webhook route: its body is read here, bounded, and handed to @octokit/webhooks as a string. */
  webhookPath: string;
  log: Logger;
  /** Counts each rejection (a Prometheus counter in the app). */
  rejected?: (reason: "body_too_large") => void;
  /** The 413 message, from a template. */
  message: (view: { limit: string }) => string;
}

export type BodyRead = { kind: "complete"; bytes: Buffer } | { kind: "too-large"; bytesRead: number } | { kind: "aborted" };

/**
 * Puts a body limit in front of a request handler (Probot's webhook middleware, which would buffer any
 * body whole): a declared Content-Length over the limit is answered 413 without reading a byte; a body
 * without one (chunked) is counted while it streams and cut off once it passes the limit.
 */
export function limitRequestBodies(inner: NodeHandler, options: BodyLimitOptions): (req: IncomingMessage, res: ServerResponse, next?: Function) => Promise<boolean> {
  const webhookPath = withoutTrailingSlashes(options.webhookPath);
  return async (req: IncomingMessage, res: ServerResponse, next?: Function): Promise<boolean> => {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > options.maxBytes) return reject(req, res, options, { declaredBytes: declared, bytesRead: 0 });
    if (req.method === "POST" && pathOf(req) === webhookPath) {
      const body = await readBounded(req, options.maxBytes);
      if (body.kind === "aborted") return true; // the client went away: nobody to answer
      if (body.kind === "too-large") return reject(req, res, options, { declaredBytes: declared, bytesRead: body.bytesRead });
      // @octokit/webhooks uses a string `request.body` as the payload instead of reading the stream again
      (req as IncomingMessage & { body?: string }).body = new TextDecoder("utf-8", { fatal: false }).decode(body.bytes);
    }
    return inner(req, res, next);
  };
}

/** True when a request announces a body over the limit (for `Expect: 100-continue`, before the client sends it). */
export function announcesTooLargeBody(req: IncomingMessage, maxBytes: number): boolean {
  const declared = declaredLength(req);
  return declared !== undefined && declared > maxBytes;
}

/** The 413 answer: logged and counted without a byte of the body; the connection is closed after it. */
export function reject(req: IncomingMessage, res: ServerResponse, options: Pick<BodyLimitOptions, "maxBytes" | "log" | "rejected" | "message">, read: { declaredBytes?: number; bytesRead: number }): true {
  options.rejected?.("body_too_large");
  options.log.warn({ method: req.method, path: printable(pathOf(req) ?? "?", 200), limitBytes: options.maxBytes, ...read }, "request body over the limit: answered 413 without reading the rest");
  if (!res.headersSent) {
    const body = `${JSON.stringify({ error: options.message({ limit: `${Math.round(options.maxBytes / (1024 * 1024))} MB` }) })}\n`;
    res.writeHead(413, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" });
    res.end(body);
  }
  return true;
}

/** Reads a body whole, up to `maxBytes` (driftback's own routes that take a raw body use it too). */
export function readBounded(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (result: BodyRead) => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        chunks.length = 0; // drop what was read: the rest is never buffered
        req.pause();
        settle({ kind: "too-large", bytesRead: total });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: "complete", bytes: Buffer.concat(chunks, total) });
    const onGone = () => settle({ kind: "aborted" });
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers["content-length"];
  if (header === undefined || !/^\d+$/.test(header)) return undefined; // Node's parser rejects malformed lengths itself
  return Number(header);
}

function pathOf(req: IncomingMessage): string | undefined {
  try {
    return withoutTrailingSlashes(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    return undefined;
  }
}

function withoutTrailingSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") || "/" : path;
}
