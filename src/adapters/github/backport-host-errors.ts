import { BackportHostError } from "../../ports.js";
import { isRateLimited } from "./rate-limit.js";

/**
 * Turns whatever Octokit threw into one BackportHostError whose reason reads "Could not <action>: <why>".
 * Octokit's errors are recognised by shape, not `instanceof`: probot and @octokit/rest may each bring their own copy.
 * GitHub's own words are quoted only from a JSON `message`, sanitised; a raw body (HTML, broken JSON) is never echoed.
 */
export function toBackportHostError(error: unknown, rawAction: string, now: () => number = Date.now): BackportHostError {
  if (error instanceof BackportHostError) return error;
  const action = oneLine(rawAction);
  if (isGraphqlResponseError(error)) return fromGraphqlErrors(error, action, now);
  if (isRequestError(error)) return fromHttpError(error, action, now);
  return new BackportHostError("unavailable", `Could not ${action}: it failed unexpectedly (${quote(messageOf(error)) ?? "no message"}); driftback tries again on the next scan.`, { cause: error });
}

/** A 2xx answer that does not have the shape GitHub documents (or is not JSON at all). */
export function unreadableAnswer(action: string, cause: unknown): BackportHostError {
  return new BackportHostError("unavailable", `Could not ${oneLine(action)}: GitHub's answer could not be read; driftback tries again on the next scan.`, { cause });
}

/** Bad input caught before any request is sent. */
export function invalidInput(action: string, what: string): BackportHostError {
  return new BackportHostError("invalid", `Could not ${oneLine(action)}: ${what}.`);
}

/** Actions name branches the caller chose: a bad one must not break the reason's single line. */
function oneLine(text: string): string {
  return text.replace(CONTROL, " ");
}

interface HttpErrorLike {
  name: string;
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

interface GraphqlErrorLike {
  name: string;
  errors: { type?: string; message?: string }[];
  headers?: Record<string, string | number | undefined>;
}

export function isRequestError(error: unknown): error is HttpErrorLike {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "HttpError" && typeof (error as { status?: unknown }).status === "number";
}

function isGraphqlResponseError(error: unknown): error is GraphqlErrorLike {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "GraphqlResponseError" && Array.isArray((error as { errors?: unknown }).errors);
}

const PROTECTION = /protected branch|rule violation|cannot force-push|changes must be made through a pull request|required status check/i;
const MISSING_PERMISSION = /not accessible by integration/i;
/** GitHub's docs: without retry-after or a reset time, wait at least a minute after a secondary rate limit. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

function fromHttpError(error: HttpErrorLike, action: string, now: () => number): BackportHostError {
  const status = error.status;
  const headers = error.response?.headers ?? {};
  const said = githubMessage(error.response?.data);
  const words = said ?? "";
  const base = { cause: error, status };
  if (!error.response) {
    return new BackportHostError("unavailable", `Could not ${action}: GitHub could not be reached; driftback tries again on the next scan.`, base);
  }
  // the same test as the queue's retries (any of GitHub's wordings, retry-after, an exhausted limit), not one phrase
  if (isRateLimited(error)) {
    const wait = retryAfterSeconds(headers, now);
    const primary = String(headers["x-ratelimit-remaining"]) === "0" && headers["retry-after"] === undefined;
    if (primary) return new BackportHostError("rate-limited", `Could not ${action}: the app's GitHub API rate limit is used up; driftback tries again on the next scan (it resets in ${wait} s).`, { ...base, retryAfterSeconds: wait });
    return new BackportHostError("rate-limited", `Could not ${action}: GitHub's secondary rate limit was hit; driftback tries again on the next scan (GitHub asks to wait ${wait} s).`, { ...base, retryAfterSeconds: wait });
  }
  if (status === 401) return new BackportHostError("forbidden", `Could not ${action}: GitHub did not accept driftback's credentials (HTTP 401).`, base);
  if (status === 403 && MISSING_PERMISSION.test(words)) return missingPermission(action, base);
  if ((status === 403 || status === 422) && PROTECTION.test(words)) return protectedBranch(action, said, base);
  if (status === 403) return new BackportHostError("forbidden", `Could not ${action}: GitHub refused it (HTTP 403${quoted(said)}).`, base);
  if (status === 422 && /reference already exists/i.test(words)) return new BackportHostError("branch-exists", `Could not ${action}: the branch already exists.`, base);
  if (status === 404 || status === 410) return new BackportHostError("not-found", `Could not ${action}: GitHub found no such repository, branch or pull request, or the app cannot see it (HTTP ${status}).`, base);
  if (status >= 500 || status === 0) return new BackportHostError("unavailable", `Could not ${action}: GitHub did not answer properly (HTTP ${status}); driftback tries again on the next scan.`, base);
  return new BackportHostError("invalid", `Could not ${action}: GitHub rejected the request (HTTP ${status}${quoted(said)}).`, base);
}

/** GraphQL answers 200 with `errors`: each has a `type` (STALE_DATA, FORBIDDEN, RATE_LIMITED, NOT_FOUND, ...). */
function fromGraphqlErrors(error: GraphqlErrorLike, action: string, now: () => number): BackportHostError {
  const types = error.errors.map((e) => e.type ?? "");
  const words = error.errors.map((e) => e.message ?? "").join(" ");
  const said = error.errors.find((e) => e.message)?.message;
  const base = { cause: error };
  if (types.includes("STALE_DATA") || /expected branch to point to/i.test(words)) {
    return new BackportHostError("head-moved", `Could not ${action}: the branch moved while driftback was writing (someone pushed to it); nothing was written, and the next scan looks again.`, base);
  }
  if (types.includes("RATE_LIMITED")) {
    const wait = retryAfterSeconds(error.headers ?? {}, now);
    return new BackportHostError("rate-limited", `Could not ${action}: the app's GitHub GraphQL rate limit is used up; driftback tries again on the next scan (it resets in ${wait} s).`, { ...base, retryAfterSeconds: wait });
  }
  if (types.includes("BRANCH_PROTECTION_RULE_VIOLATION") || PROTECTION.test(words)) return protectedBranch(action, said, base);
  if (types.includes("FORBIDDEN") && MISSING_PERMISSION.test(words)) return missingPermission(action, base);
  if (types.includes("FORBIDDEN")) return new BackportHostError("forbidden", `Could not ${action}: GitHub refused it${quoted(said, ": ")}.`, base);
  if (types.includes("NOT_FOUND")) return new BackportHostError("not-found", `Could not ${action}: GitHub found no such repository or branch, or the app cannot see it${quoted(said, ": ")}.`, base);
  if (types.some((t) => t !== "")) return new BackportHostError("invalid", `Could not ${action}: GitHub rejected the request${quoted(said, ": ")}.`, base);
  // untyped GraphQL errors are GitHub's own failures ("Something went wrong while executing your query", timeouts)
  return new BackportHostError("unavailable", `Could not ${action}: GitHub failed to run the request${quoted(said, ": ")}; driftback tries again on the next scan.`, base);
}

function missingPermission(action: string, base: { cause: unknown; status?: number }): BackportHostError {
  return new BackportHostError("forbidden", `Could not ${action}: the driftback app lacks a permission it needs (GitHub said "Resource not accessible by integration"); grant it Contents, Pull requests and Issues write access.`, base);
}

function protectedBranch(action: string, said: string | undefined, base: { cause: unknown; status?: number }): BackportHostError {
  return new BackportHostError("forbidden", `Could not ${action}: a branch protection rule or ruleset blocks it${quoted(said, ": ")}.`, base);
}

function retryAfterSeconds(headers: Record<string, string | number | undefined>, now: () => number): number {
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.ceil(retryAfter);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - now() / 1000));
  return DEFAULT_RETRY_AFTER_SECONDS;
}

/** GitHub's own words from a JSON error body: `message`, or the detail messages of a "Validation Failed". */
export function githubMessage(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors) ? errors.map((e) => (typeof e === "object" && e !== null ? (e as { message?: unknown }).message : e)).filter((m): m is string => typeof m === "string") : [];
  const parts = [typeof message === "string" ? message : undefined, ...details].filter((m): m is string => Boolean(m));
  return parts.length > 0 ? parts.join(": ") : undefined;
}

// C0/C1 controls and bidi overrides could rewrite what the reader sees
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const SECRETS: [RegExp, string][] = [
  [/\bgh[pousr]_[A-Za-z0-9_]{8,}/g, "***"],
  [/\bgithub_pat_[A-Za-z0-9_]{8,}/g, "***"],
  [/\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 ***"],
  [/\/\/[^\s/@]+@/g, "//***@"],
];

/** One line of someone else's text made safe to show: no control characters, no token, no endless length. */
export function quote(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let line = text.split(/\r?\n/, 1)[0]!;
  line = line.replace(CONTROL, " ");
  for (const [secret, replacement] of SECRETS) line = line.replace(secret, replacement);
  line = line.replace(/\s+/g, " ").trim();
  if (line.length > 200) line = `${line.slice(0, 199)}…`;
  return line || undefined;
}

function quoted(said: string | undefined, separator = ": "): string {
  const safe = quote(said);
  return safe ? `${separator}"${safe}"` : "";
}

function messageOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string" ? (error as { message: string }).message : undefined;
}
