import type { z } from "zod";
import { errorForStatus, IncidentSourceError, safeWords, trackerMessage, type TrackerHints } from "./errors.js";

/** What every tracker adapter shares: its hints, its secrets (never echoed), a timeout and a clock. */
export interface HttpContext {
  hints: TrackerHints;
  /** Default headers of every request (authorization, accept). */
  headers: Record<string, string>;
  /** Values that must never appear in a reason: tokens, emails used for Basic auth. */
  secrets: readonly string[];
  timeoutMs: number;
  now: () => number;
}

export interface JsonRequest {
  /** "list PagerDuty incidents": the reason reads "Could not <action>: ...". */
  action: string;
  method?: "GET" | "POST" | "PUT";
  url: URL;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * One request with the global fetch (nock intercepts it in tests), bounded by a timeout; the answer parsed as JSON and
 * checked against the documented shape. Every failure becomes one IncidentSourceError.
 */
export async function requestJson<S extends z.ZodType>(context: HttpContext, request: JsonRequest, schema: S): Promise<z.output<S>> {
  const { status, text, headers } = await send(context, request);
  const { tracker } = context.hints;
  if (status < 200 || status >= 300) {
    throw errorForStatus(status, request.action, context.hints, { headers, nowMs: context.now(), said: safeWords(trackerMessage(parseOrUndefined(text)), context.secrets) });
  }
  let data: unknown;
  try {
    data = text === "" ? {} : JSON.parse(text);
  } catch (cause) {
    const type = headers.get("content-type")?.split(";", 1)[0] ?? "no content type";
    throw new IncidentSourceError("malformed", `Could not ${request.action}: ${tracker}'s answer was not valid JSON (HTTP ${status}, ${safeWords(type, [])}); driftback tries again on the next scan.`, { status, cause });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.map(String).join(".")})` : "";
    throw new IncidentSourceError("malformed", `Could not ${request.action}: ${tracker}'s answer did not have the documented shape${safeWords(where, []) ?? ""}; driftback tries again on the next scan.`, { status, cause: parsed.error });
  }
  return parsed.data;
}

async function send(context: HttpContext, request: JsonRequest): Promise<{ status: number; text: string; headers: Headers }> {
  const { tracker } = context.hints;
  const headers: Record<string, string> = { ...context.headers, ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers["content-type"] = "application/json";
  }
  try {
    const response = await fetchWithin(context.timeoutMs)(request.url, { method: request.method ?? "GET", headers, body, redirect: "error" });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers };
  } catch (cause) {
    if (isTimeout(cause)) {
      throw new IncidentSourceError("timeout", `Could not ${request.action}: ${tracker} did not answer within ${formatSeconds(context.timeoutMs)}; driftback tries again on the next scan.`, { cause });
    }
    const code = networkCode(cause);
    throw new IncidentSourceError("unavailable", `Could not ${request.action}: ${tracker} could not be reached${code ? ` (${code})` : ""}; driftback tries again on the next scan.`, { cause });
  }
}

/**
 * The global fetch bounded by a timeout that covers the headers and the whole body: the body is read here, racing the
 * signal, so a tracker that stalls mid-body times out too (whatever the fetch implementation does with the signal).
 * Also given to Octokit as its `request.fetch`.
 */
export function fetchWithin(timeoutMs: number): typeof fetch {
  return async (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await fetch(input, { ...init, signal });
    const body = await within(signal, response.arrayBuffer());
    const nullBody = [101, 204, 205, 304].includes(response.status);
    return new Response(nullBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function within<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

/** ECONNREFUSED, ENOTFOUND...: undici hides it in `cause`. */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Follows a cursor until it ends; refuses a cursor that repeats (a tracker bug would otherwise loop forever). */
export async function collectPages<T>(action: string, tracker: string, fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next: string | undefined }>, maxPages = 1000): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (result.next === undefined || result.next === "") return items;
    if (seen.has(result.next)) {
      throw new IncidentSourceError("malformed", `Could not ${action}: ${tracker} returned the same page cursor twice; driftback stopped rather than loop.`);
    }
    seen.add(result.next);
    cursor = result.next;
  }
  throw new IncidentSourceError("rejected", `Could not ${action}: more than ${maxPages} pages; narrow the incidents configuration.`);
}
