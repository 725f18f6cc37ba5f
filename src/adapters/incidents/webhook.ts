import { createHmac, timingSafeEqual } from "node:crypto";
import { printable } from "../../core/printable.js";
import type { WebhookHeaders, WebhookVerification } from "../../ports.js";

/**
 * Delivery ids seen recently, so a replayed delivery is refused: bounded (the oldest is forgotten first) and each id
 * kept for `ttlMs` (longer than any tracker's retry schedule). One per process; give each source its own or share one.
 */
export class RecentDeliveries {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 48 * 3_600_000,
  ) {}

  /** True when the id was already seen (and not yet forgotten); otherwise remembers it. */
  checkAndRemember(id: string, nowMs: number): boolean {
    this.forgetExpired(nowMs);
    if (this.seen.has(id)) return true;
    this.seen.set(id, nowMs);
    while (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }

  private forgetExpired(nowMs: number): void {
    // insertion order is arrival order: the expired ones are at the front
    for (const [id, at] of this.seen) {
      if (nowMs - at < this.ttlMs) return;
      this.seen.delete(id);
    }
  }
}

/** A header by its lower-case name, from Node's headers or a fetch Headers; a repeated header counts as absent (ambiguous). */
export function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const direct = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(direct)) return direct.length === 1 ? direct[0] : undefined;
  return direct;
}

export function hmacSha256(key: string | Buffer, ...parts: (string | Uint8Array)[]): Buffer {
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Constant time on equal lengths (HMAC-SHA256 digests are 32 bytes); a different length is simply not a match. */
export function sameDigest(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Hex signature -> bytes; undefined when it is not exactly 64 hex characters (a SHA-256 digest). */
export function fromHex(text: string): Buffer | undefined {
  return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : undefined;
}

/** Base64 signature -> bytes; undefined unless it decodes to a 32-byte digest. */
export function fromBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === 32 ? bytes : undefined;
}

export const reject = (reason: string): WebhookVerification => ({ ok: false, reason });
/** A signed delivery seen before: refused as a replay, and marked so an endpoint can answer a retry kindly. */
export const duplicate = (deliveryId: string, what: string): WebhookVerification => ({ ok: false, reason: `delivery ${deliveryId} was already received (${what})`, duplicate: true });

/** "stale" or "from the future" beyond the tolerance, in a sentence; undefined when fresh. */
export function freshness(eventMs: number, nowMs: number, maxAgeMs: number, futureToleranceMs: number, what: string): string | undefined {
  if (!Number.isFinite(eventMs)) return `the delivery's ${what} is not a time`;
  const ageMs = nowMs - eventMs;
  if (ageMs > maxAgeMs) return `the delivery is stale: its ${what} is ${minutes(ageMs)} old (at most ${minutes(maxAgeMs)} accepted)`;
  if (-ageMs > futureToleranceMs) return `the delivery's ${what} is ${minutes(-ageMs)} in the future (at most ${minutes(futureToleranceMs)} accepted)`;
  return undefined;
}

function minutes(ms: number): string {
  const total = Math.round(ms / 60_000);
  return total < 1 ? `${Math.round(ms / 1000)} s` : `${total} min`;
}

/** A delivery id quoted in a reason: printable, short. */
export function quoteId(id: string): string {
  return printable(id, 64);
}

export function bodyText(rawBody: string | Uint8Array): string {
  return typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A secrets list from one environment value: comma-separated (rotation keeps the old and the new), blanks dropped. */
export function secretList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
