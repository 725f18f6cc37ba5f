import { createHmac } from "node:crypto";
import http from "node:http";
import net from "node:net";

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** Body bytes the client had written when the answer came. */
  bytesSent: number;
  /** Whether the server said "100 Continue". */
  continued: boolean;
}

export interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A generated body of this many bytes, written in 1 MiB chunks of `fill`, stopping once the server answers. */
  bigBody?: { bytes: number; chunked?: boolean; fill?: string };
}

/** One request on its own connection; resolves with the server's answer even when the server cuts the upload short. */
export function request(port: number, spec: RequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.bigBody && !spec.bigBody.chunked) headers["content-length"] = String(spec.bigBody.bytes);
    const req = http.request({ host: "127.0.0.1", port, method: spec.method ?? "POST", path: spec.path, headers, agent: false });
    let bytesSent = 0;
    let answered = false;
    let continued = false;
    req.on("continue", () => {
      continued = true;
      writeBig();
    });
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      const finish = () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers, bytesSent, continued });
      res.on("end", finish);
      res.on("error", finish); // the server may close right after its answer
    });
    req.on("error", (error) => {
      if (!answered) reject(new Error(`no answer from the server (${(error as NodeJS.ErrnoException).code ?? error.message}) after ${bytesSent} bytes`));
    });
    const writeBig = () => {
      const big = spec.bigBody!;
      const chunk = Buffer.alloc(Math.min(1024 * 1024, big.bytes), big.fill ?? "x");
      const pump = () => {
        while (!answered && !req.destroyed && bytesSent < big.bytes) {
          const piece = chunk.subarray(0, Math.min(chunk.length, big.bytes - bytesSent));
          bytesSent += piece.length;
          if (!req.write(piece)) return void req.once("drain", pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    };
    if (spec.bigBody) {
      if (headers.expect !== "100-continue") writeBig();
      else req.flushHeaders();
    } else {
      if (spec.body !== undefined) bytesSent = Buffer.byteLength(spec.body);
      req.end(spec.body);
    }
  });
}

/** Bytes sent as they are, for what Node's client refuses to send (control characters in a header). */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
  });
}

/** X-Hub-Signature-256 as GitHub computes it. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The headers GitHub sends with a delivery. */
export function webhookHeaders(event: string, signature: string, delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"): Record<string, string> {
  return { "content-type": "application/json", "x-github-event": event, "x-github-delivery": delivery, "x-hub-signature-256": signature };
}
