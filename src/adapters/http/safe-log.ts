import type { Writable } from "node:stream";
import { getTransformStream } from "@probot/pino";
import { pino, type Logger } from "pino";
import { escapeUnprintable } from "../../core/printable.js";

/**
 * Keys removed from every log line, whoever logs it: request and response headers (bearer tokens,
 * webhook signatures, cookies), and webhook events, payloads and bodies (@octokit/webhooks attaches
 * the whole event, payload and signature included, to a bad-signature error; Probot logs it twice).
 * Probot's debug line per GitHub request carries the request's parameters: GraphQL `variables` hold
 * the file contents of every backport commit (createCommitOnBranch), so they go too.
 */
export const REDACTED_PATHS = [
  "req.headers",
  "res.headers",
  "headers",
  "*.headers",
  "req.id",
  "event",
  "*.event",
  "payload",
  "*.payload",
  "body",
  "*.body",
  "rawBody",
  "*.rawBody",
  "variables",
  "*.variables",
];

// pino-http takes the request id from X-Request-Id / X-GitHub-Delivery: kept only when it is a GUID, like GitHub's
const DELIVERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function censor(value: unknown, path: unknown[]): unknown {
  const isRequestId = path.length === 2 && path[0] === "req" && path[1] === "id";
  return isRequestId && typeof value === "string" && DELIVERY_ID.test(value) ? value : undefined; // undefined drops the key
}

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  status?: number;
  code?: string;
  cause?: SerializedError | string;
  aggregateErrors?: (SerializedError | string)[];
}

/**
 * An error as the log shows it: type, message, stack (not for a client's 4xx), status, code, cause and
 * aggregated errors, nothing else. Other own properties (`event`, `request`, `response`, `headers`) carry payloads and credentials.
 */
export function serializeError(error: unknown, depth = 0): SerializedError | string {
  if (!(error instanceof Error)) return serializeNonError(error, depth);
  const { status, code } = error as { status?: unknown; code?: unknown };
  const out: SerializedError = { type: error.constructor?.name ?? error.name, message: escapeUnprintable(error.message) };
  // a client's bad request (a 4xx: bad signature, bad JSON) is not a bug here: its stack says nothing and may quote the input
  if (error.stack !== undefined && !isClientError(error)) out.stack = escapeUnprintable(error.stack);
  if (typeof status === "number") out.status = status;
  if (typeof code === "string") out.code = code;
  if (depth < 3 && error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1);
  if (depth < 3 && error instanceof AggregateError) out.aggregateErrors = [...error.errors].slice(0, 10).map((e) => serializeError(e, depth + 1));
  return out;
}

/**
 * A thrown or logged value that is not an Error: a string as it is; an object that carries a `message`
 * (callers log `{ message }`, libraries throw plain objects) by its message, code, status and cause, never
 * `String(object)` ("[object Object]") and never its other properties (they may hold payloads); another
 * object by the names of its keys only.
 */
function serializeNonError(value: unknown, depth: number): SerializedError | string {
  if (value === null || typeof value !== "object") return escapeUnprintable(String(value)).slice(0, 500);
  const { message, code, status, cause, name } = value as { message?: unknown; code?: unknown; status?: unknown; cause?: unknown; name?: unknown };
  if (typeof message !== "string") return `an object without a message (keys: ${Object.keys(value).slice(0, 10).map((k) => escapeUnprintable(k).slice(0, 40)).join(", ")})`;
  const out: SerializedError = { type: typeof name === "string" ? escapeUnprintable(name).slice(0, 100) : "Object", message: escapeUnprintable(message) };
  if (typeof status === "number") out.status = status;
  if (typeof code === "string") out.code = code;
  if (depth < 3 && cause !== undefined) out.cause = serializeError(cause, depth + 1);
  return out;
}

/** A 4xx about a request made *to* driftback; a 4xx GitHub answered to one of driftback's own calls carries `request`. */
function isClientError(error: Error): boolean {
  const { status } = error as { status?: unknown };
  if (typeof status === "number") return status >= 400 && status < 500 && !("request" in error);
  return error instanceof AggregateError && error.errors.length > 0 && error.errors.every((e) => e instanceof Error && isClientError(e));
}

export interface SafeLogOptions {
  level?: string;
  /** "json" (containers) or "pretty" (humans), as Probot's LOG_FORMAT. */
  format?: "json" | "pretty";
  levelInString?: boolean;
  messageKey?: string;
  sentryDsn?: string;
  /** Where lines go; stdout by default. Tests pass a stream that collects them. */
  destination?: Writable;
  /** Told the level of every line written (the Action fails its step when an error was logged). */
  onLevel?: (level: number) => void;
}

/**
 * The process logger, for Probot, its HTTP request logger and driftback alike: Probot's formatting
 * (json or pretty, Sentry) with headers, webhook payloads and error attachments removed before a line is written.
 */
export async function createSafeLog(options: SafeLogOptions = {}): Promise<Logger> {
  const transform = await getTransformStream({ logFormat: options.format, logLevelInString: options.levelInString, sentryDsn: options.sentryDsn });
  transform.pipe(options.destination ?? (pino.destination(1) as unknown as Writable)); // SonicBoom is a stream, typed apart
  return pino(
    {
      name: "probot",
      level: options.level ?? "info",
      messageKey: options.messageKey ?? "msg",
      redact: { paths: REDACTED_PATHS, censor },
      serializers: { err: serializeError },
      ...(options.onLevel ? { hooks: { logMethod: countedLogMethod(options.onLevel) } } : {}),
    },
    transform,
  );
}

/** pino's logMethod hook: tells `onLevel` each line's level, then logs it as usual (child loggers inherit it). */
function countedLogMethod(onLevel: (level: number) => void) {
  return function (this: Logger, args: Parameters<Logger["info"]>, method: (...args: unknown[]) => void, level: number): void {
    onLevel(level);
    method.apply(this, args);
  };
}
