import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * driftback's hidden state (backport markers, the dashboard's state block, sticky comments) lives in
 * bodies anyone who can write a value into a plan can influence. Each such marker carries a seal: an
 * HMAC-SHA256 over its kind and its content, keyed by the operator's `DRIFTBACK_STATE_KEY` (a comma
 * separated list: the first key seals, every key verifies, so a rotation keeps the old one) or, when
 * that is unset, by a key derived from the App's private key. Without any key (the CLI with a personal
 * token) nothing is sealed and only the marker's fixed place (the body's last line) and the escaping of
 * every value carry the trust.
 */
export type StateKeys = readonly Buffer[];

/** How a marker's seal stands against the keys. */
export type SealCheck =
  /** Sealed by one of the keys. */
  | "valid"
  /** Sealed by a key that is not the first any more (a rotation): trust it, seal it again with the first. */
  | "rotated"
  /** No seal: written before seals existed (adopted on driftback's own pull requests and issues) or with no key. */
  | "unsigned"
  /** A seal no key makes: forged or edited; the marker is ignored and reported. */
  | "forged"
  /** There is no key to check against (the CLI): the fixed place alone carries it. */
  | "unverifiable";

const DERIVE_LABEL = "driftback state key v1";
const SEAL = /^[A-Za-z0-9_-]{43}$/;

/** `DRIFTBACK_STATE_KEY` as keys: comma-separated, blanks ignored; each at least 16 characters or it is refused. */
export function parseStateKeys(text: string | undefined): Buffer[] {
  const parts = (text ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  for (const part of parts) if (part.length < 16) throw new Error("DRIFTBACK_STATE_KEY: every key must be at least 16 characters (a comma separates keys)");
  return parts.map((k) => Buffer.from(k, "utf8"));
}

/** The App's own key when the operator set none: HMAC-SHA256 of a fixed label, keyed by the private key's PEM. */
export function deriveStateKey(privateKeyPem: string): Buffer {
  return createHmac("sha256", privateKeyPem.trim()).update(DERIVE_LABEL).digest();
}

/** The keys the App uses: the operator's list, else one derived from the private key, else none. */
export function stateKeysFrom(env: Record<string, string | undefined>, privateKeyPem?: string): { keys: Buffer[]; source: "environment" | "private-key" | "none" } {
  const configured = parseStateKeys(env.DRIFTBACK_STATE_KEY);
  if (configured.length > 0) return { keys: configured, source: "environment" };
  if (privateKeyPem && privateKeyPem.trim()) return { keys: [deriveStateKey(privateKeyPem)], source: "private-key" };
  return { keys: [], source: "none" };
}

function mac(key: Buffer, kind: string, content: string): Buffer {
  return createHmac("sha256", key).update(`driftback:${kind}\n`).update(content, "utf8").digest();
}

/** The seal of `content` as a marker of `kind` (base64url, 43 characters); undefined without a key. */
export function sealOf(kind: string, content: string, keys: StateKeys = activeStateKeys()): string | undefined {
  const key = keys[0];
  return key ? mac(key, kind, content).toString("base64url") : undefined;
}

/** Checks a marker's seal (undefined: it had none). Constant-time per key. */
export function checkSeal(kind: string, content: string, seal: string | undefined, keys: StateKeys = activeStateKeys()): SealCheck {
  if (keys.length === 0) return "unverifiable";
  if (seal === undefined) return "unsigned";
  if (!SEAL.test(seal)) return "forged";
  const given = Buffer.from(seal, "base64url");
  for (const [index, key] of keys.entries()) {
    const expected = mac(key, kind, content);
    if (expected.length === given.length && timingSafeEqual(expected, given)) return index === 0 ? "valid" : "rotated";
  }
  return "forged";
}

let active: StateKeys = [];

/**
 * The process's keys, set once at start-up by the App (and by tests): markers are read and written in
 * pure code far from the environment, so the keys are the one piece of process state core reads.
 */
export function useStateKeys(keys: StateKeys): void {
  active = [...keys];
}

export function activeStateKeys(): StateKeys {
  return active;
}
