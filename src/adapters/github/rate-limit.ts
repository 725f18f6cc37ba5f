import { BackportHostError } from "../../ports.js";

/** GitHub's wordings of a rate limit: "secondary rate limit", "API rate limit exceeded", older "abuse detection". */
const RATE_LIMIT_WORDS = /rate limit|abuse detection/i;

/**
 * Whether a GitHub HTTP error is a rate limit, primary or secondary, however GitHub words it: a 429, or a 403 that
 * says so (in the error's message or the body's `message`) or carries a `retry-after` or an exhausted primary limit.
 * A 403 without any of them is a refused permission. The queue's retries and the CLI's errors both decide with it.
 */
export function isRateLimited(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { status, message, response } = error as { status?: unknown; message?: unknown; response?: { data?: unknown } };
  if (status === 429) return true;
  if (status !== 403) return false;
  const said = typeof response?.data === "object" && response.data !== null ? (response.data as { message?: unknown }).message : undefined;
  if ([message, said].some((words) => typeof words === "string" && RATE_LIMIT_WORDS.test(words))) return true;
  return retryAfterMs(error) !== undefined;
}

/**
 * How long GitHub asked to wait, in ms, when the error says (a `retry-after` header on secondary rate limits, the
 * reset time of an exhausted primary limit, or a BackportHostError's `retryAfterSeconds`); undefined otherwise.
 */
export function retryAfterMs(error: unknown, now = Date.now(), depth = 0): number | undefined {
  if (!error || typeof error !== "object" || depth > 5) return undefined;
  if (error instanceof BackportHostError && error.retryAfterSeconds !== undefined) return error.retryAfterSeconds * 1_000;
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  const retryAfter = Number(headers?.["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1_000;
  const reset = Number(headers?.["x-ratelimit-reset"]);
  if (headers?.["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) return Math.max(0, reset * 1_000 - now);
  return retryAfterMs((error as { cause?: unknown }).cause, now, depth + 1);
}
