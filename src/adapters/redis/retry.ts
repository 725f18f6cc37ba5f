import { UnrecoverableError } from "bullmq";
import { BackportHostError } from "../../ports.js";
import { isRateLimited, retryAfterMs } from "../github/rate-limit.js";

export { isRateLimited, retryAfterMs };

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "EPIPE", "ENOTFOUND", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"]);

/**
 * Whether trying again later can help: GitHub 5xx, rate limits (primary and secondary), the network, a state lock held
 * by someone else. Never bad config, a failed plan or a refused permission: those fail the same way every time, and a
 * retry would only repeat the comment. Looks through `cause` chains.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  if (error instanceof BackportHostError) return error.kind === "rate-limited" || error.kind === "unavailable";
  const { status, code, message, cause } = error as { status?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (typeof status === "number") {
    if (status >= 500 || status === 429) return true;
    // a 403 is a rate limit when GitHub says so: in the message (older secondary limits say "abuse detection"), or
    // in the headers (a retry-after, or a primary limit with nothing remaining); otherwise a refused permission
    return status === 403 && isRateLimited(error);
  }
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  // terraform: "Error acquiring the state lock" (another run holds it, e.g. a pipeline applying right now)
  if (typeof message === "string" && /acquiring the state lock|secondary rate limit/i.test(message)) return true;
  return isTransient(cause, depth + 1);
}

/** A job's failure as BullMQ should see it: transient errors are retried with backoff, the rest fail at once. */
export function forRetry(error: unknown): Error {
  if (isTransient(error)) return error instanceof Error ? error : new Error(String(error));
  const message = error instanceof Error ? error.message : String(error);
  return new UnrecoverableError(message);
}

/**
 * The delay before a transient failure's next attempt: exponential from `baseMs` (with ±20% jitter so replicas do not
 * retry in step), but never sooner than GitHub asked for, and at most an hour.
 */
export function retryDelayMs(attemptsMade: number, baseMs: number, error: unknown, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  return Math.min(3_600_000, Math.max(jittered, retryAfterMs(error) ?? 0));
}
