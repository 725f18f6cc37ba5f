import { lastLine } from "../backport/marker.js";
import { activeStateKeys, checkSeal, sealOf, type StateKeys } from "../state-seal.js";

/**
 * The hidden marker of an alignment pull request (issue 16 §6), always the body's last line: kind `align` and the
 * alignment's key, sealed like the backport marker (state-seal.ts), so only driftback's own alignment pull request
 * is taken for the one to keep up to date.
 */
export interface AlignMarker {
  key: string;
}

const KIND = "align";
const LINE = /^<!-- driftback:align (\{[^\n>]*\})(?: seal:([^\s>]*))? -->$/;

export function encodeAlignMarker(marker: AlignMarker, keys: StateKeys = activeStateKeys()): string {
  const json = JSON.stringify({ v: 1, kind: KIND, key: marker.key }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const seal = sealOf(KIND, json, keys);
  return `<!-- driftback:align ${json}${seal ? ` seal:${seal}` : ""} -->`;
}

/** The marker on the body's last line when driftback trusts it (sealed, or unsigned without a key); never throws. */
export function parseAlignMarker(body: string | null | undefined, keys: StateKeys = activeStateKeys()): AlignMarker | undefined {
  if (typeof body !== "string") return undefined;
  const line = lastLine(body);
  if (line.length > 10_000) return undefined;
  const match = LINE.exec(line);
  if (!match) return undefined;
  const seal = checkSeal(KIND, match[1]!, match[2], keys);
  if (seal === "forged" || seal === "unsigned") return undefined;
  try {
    const parsed = JSON.parse(match[1]!) as { v?: unknown; kind?: unknown; key?: unknown };
    return parsed.v === 1 && parsed.kind === KIND && typeof parsed.key === "string" && parsed.key.length > 0 ? { key: parsed.key } : undefined;
  } catch {
    return undefined;
  }
}
