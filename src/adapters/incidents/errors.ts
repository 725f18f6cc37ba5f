import { escapeForOneLine } from "../../core/printable.js";

export type IncidentSourceErrorKind =
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "gone"
  | "rate-limited"
  | "unavailable"
  | "malformed"
  | "timeout"
  /** The tracker refused the request itself (400, 409, 422: a bad JQL, a window PagerDuty does not accept). */
  | "rejected";

/** The one error an incident source throws: `reason` is one readable sentence for a PR body or a log, never a token or a body dump. */
export class IncidentSourceError extends Error {
  override readonly name = "IncidentSourceError";
  /** Seconds the tracker asked to wait, for `rate-limited`. */
  readonly retryAfterSeconds?: number;
  /** The HTTP status, when there was one. */
  readonly status?: number;

  constructor(
    readonly kind: IncidentSourceErrorKind,
    readonly reason: string,
    options: { cause?: unknown; retryAfterSeconds?: number; status?: number } = {},
  ) {
    super(reason, { cause: options.cause });
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** What to tell a person, per tracker, when an answer says their setup is wrong. */
export interface TrackerHints {
  /** "PagerDuty", "Jira", ... */
  tracker: string;
  /** After a 401: which credential to check, e.g. "check PAGERDUTY_API_TOKEN". */
  unauthorized: string;
  /** After a 403. */
  forbidden: string;
  /** After a 410. */
  gone?: string;
}

/** Without Retry-After or a reset time, wait a minute (GitHub's documented minimum; the others say nothing). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** Maps an HTTP error status to one error; `said` is the tracker's own short message, already made safe. */
export function errorForStatus(
  status: number,
  action: string,
  hints: TrackerHints,
  context: { headers: Headers | Record<string, string | number | undefined>; nowMs: number; said?: string; cause?: unknown; rateLimited?: boolean },
): IncidentSourceError {
  const base = { status, cause: context.cause };
  const { tracker } = hints;
  if (status === 429 || context.rateLimited) {
    const wait = retryAfterSeconds(context.headers, context.nowMs);
    return new IncidentSourceError("rate-limited", `Could not ${action}: ${tracker}'s rate limit was hit (HTTP ${status}); driftback tries again in ${wait} s.`, { ...base, retryAfterSeconds: wait });
  }
  if (status === 401) return new IncidentSourceError("unauthorized", `Could not ${action}: ${tracker} did not accept driftback's credentials (HTTP 401); ${hints.unauthorized}.`, base);
  if (status === 403) return new IncidentSourceError("forbidden", `Could not ${action}: ${tracker} refused it (HTTP 403); ${hints.forbidden}.`, base);
  if (status === 404) return new IncidentSourceError("not-found", `Could not ${action}: ${tracker} found no such thing, or the credentials cannot see it (HTTP 404).`, base);
  if (status === 410) return new IncidentSourceError("gone", `Could not ${action}: ${tracker} says this API is gone (HTTP 410); ${hints.gone ?? "update driftback"}.`, base);
  if (status >= 500 || status === 408) return new IncidentSourceError("unavailable", `Could not ${action}: ${tracker} did not answer properly (HTTP ${status}); driftback tries again on the next scan.`, base);
  const words = context.said ? `: "${context.said}"` : "";
  return new IncidentSourceError("rejected", `Could not ${action}: ${tracker} rejected the request (HTTP ${status}${words}).`, base);
}

/** Retry-After (seconds or an HTTP date), then PagerDuty's `ratelimit-reset` (seconds), then GitHub's `x-ratelimit-reset` (epoch seconds). */
export function retryAfterSeconds(headers: Headers | Record<string, string | number | undefined>, nowMs: number): number {
  const get = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return value === undefined || value === null ? undefined : String(value);
  };
  const retryAfter = get("retry-after");
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, Math.ceil(seconds));
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(1, Math.ceil((date - nowMs) / 1000));
  }
  const reset = Number(get("ratelimit-reset"));
  if (Number.isFinite(reset) && reset > 0) return Math.ceil(reset);
  const epochReset = Number(get("x-ratelimit-reset"));
  if (Number.isFinite(epochReset) && epochReset > 0) return Math.max(1, Math.ceil(epochReset - nowMs / 1000));
  return DEFAULT_RETRY_AFTER_SECONDS;
}

const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  [/\bgh[pousr]_[A-Za-z0-9_]{8,}/g, "***"],
  [/\bgithub_pat_[A-Za-z0-9_]{8,}/g, "***"],
  [/\b(bearer|token|basic)(\s+|=)[A-Za-z0-9._~+/=-]{8,}/gi, "$1$2***"],
  [/\/\/[^\s/@]+@/g, "//***@"],
];

/**
 * A tracker's own words (an error message) made safe for one line: the configured secrets and anything shaped like a
 * credential removed, no control characters, at most 200 characters.
 */
export function safeWords(text: string | undefined, secrets: readonly string[]): string | undefined {
  if (!text) return undefined;
  let line = text.split(/\r?\n/, 1)[0]!;
  for (const secret of secrets) if (secret.length >= 4) line = line.split(secret).join("***");
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) line = line.replace(pattern, replacement);
  line = escapeForOneLine(line).replace(/\s+/g, " ").trim();
  if (line.length > 200) line = `${line.slice(0, 199)}…`;
  return line || undefined;
}

/** The short message a tracker puts in a JSON error body: PagerDuty's `error.message`, Jira's `errorMessages`, incident.io's `errors[].message`, GitHub's `message`. */
export function trackerMessage(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const parts: string[] = [];
  const push = (value: unknown) => {
    if (typeof value === "string" && value.trim() !== "") parts.push(value.trim());
  };
  if (typeof record.error === "object" && record.error !== null) {
    const error = record.error as Record<string, unknown>;
    push(error.message);
    if (Array.isArray(error.errors)) error.errors.forEach(push);
  }
  if (Array.isArray(record.errorMessages)) record.errorMessages.forEach(push);
  if (typeof record.errors === "object" && record.errors !== null && !Array.isArray(record.errors)) Object.values(record.errors).forEach(push);
  if (Array.isArray(record.errors)) for (const entry of record.errors) push(typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>).message : entry);
  push(record.message);
  return parts.length > 0 ? parts.join(": ") : undefined;
}

/** Anything an adapter caught that is not already one of ours (a bug, an unexpected throw): kept as `unavailable`, its message made safe. */
export function unexpected(action: string, error: unknown, secrets: readonly string[]): IncidentSourceError {
  if (error instanceof IncidentSourceError) return error;
  const message = typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string" ? (error as { message: string }).message : String(error);
  const said = safeWords(message, secrets);
  return new IncidentSourceError("unavailable", `Could not ${action}: it failed unexpectedly (${said ?? "no message"}); driftback tries again on the next scan.`, { cause: error });
}
