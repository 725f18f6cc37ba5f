import { z } from "zod";
import { activeStateKeys, checkSeal, sealOf, type SealCheck, type StateKeys } from "../state-seal.js";

export const MARKER_VERSION = 1;
const PREFIX = "<!-- driftback:backport ";
const SUFFIX = " -->";
/** A marker longer than this is not driftback's (a workspace PR of a few thousand drifts stays far below). */
const MAX_MARKER = 200_000;

const switchAction = z.enum(["codify", "revert"]);
export const INCIDENT_LINK_SOURCES = ["github", "pagerduty", "jira", "incident_io", "manual"] as const;
export type IncidentLinkSource = (typeof INCIDENT_LINK_SOURCES)[number];

const markerSchema = z.object({
  v: z.literal(MARKER_VERSION),
  key: z.string().min(1),
  workspace: z.string().min(1),
  /** What the pull request does after codify refusals and verification: codify, revert or both. */
  action: z.enum(["codify", "revert", "mixed"]),
  /** Per drift: fingerprint, live-value hash (never a value), the action policy decided, and the action the pull request took. */
  items: z.array(z.tuple([z.string().regex(/^[0-9a-f]{16}$/), z.string().regex(/^(?:[0-9a-f]{12}|sensitive)$/), switchAction, switchAction])).min(1),
  /** A hash of what the body shows that no commit changes (title, why, first seen, settings). */
  digest: z.string().regex(/^[0-9a-f]{12}$/),
  /** Set by `/driftback codify|revert` on this pull request: a person's choice that wins over the rules. */
  override: switchAction.optional(),
  /** Set by `/driftback ignore` before the app closes the pull request: the login of the person who asked. */
  ignoredBy: z.string().min(1).max(100).optional(),
  /** Revert drift: [address, attribute paths] the plan excerpt showed apply will change (no paths: the whole resource). */
  expect: z.array(z.tuple([z.string().min(1), z.array(z.string())])).optional(),
  /** Merged pull requests only: its drift a successful scan found gone after the merge (recurrence.ts); that drift coming back is new. */
  cleared: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(1000).optional(),
  /** The incident linked to this pull request (issue 9); `pinned` when a person linked it with `/driftback incident`. */
  incident: z
    .object({ key: z.string().min(1).max(500), source: z.enum(INCIDENT_LINK_SOURCES), url: z.string().min(1).max(2000).optional(), pinned: z.boolean().optional() })
    .optional(),
});

export type BackportMarker = {
  version: typeof MARKER_VERSION;
  key: string;
  workspace: string;
  action: "codify" | "revert" | "mixed";
  /** `action`: what policy decided (an input: a change means an update); `settled`: what the pull request does after codify and verification. */
  items: { fingerprint: string; valueHash: string; action: "codify" | "revert"; settled: "codify" | "revert" }[];
  digest: string;
  override?: "codify" | "revert";
  /** `/driftback ignore`: closed by the app on a person's word, so it counts as closed by that person. */
  ignoredBy?: string;
  /** For revert drift: the resources and attribute paths the body's plan excerpt showed apply will change; apply.on_merge compares a fresh plan with it. */
  expect?: { address: string; paths: string[] }[];
  /** The incident linked to this pull request; `pinned`: a person linked it with `/driftback incident <url-or-key>`, so correlation never replaces it. */
  incident?: IncidentLink;
  /** Written on a merged pull request: the fingerprints of its drift a successful scan found gone after the merge. */
  cleared?: string[];
};

export interface IncidentLink {
  key: string;
  source: IncidentLinkSource;
  url?: string;
  pinned?: boolean;
}

/**
 * The hidden marker, always the body's last line: what driftback last told this pull request (not
 * necessarily what its branch holds when a person pushed to it). `<`, `>` and `&` are escaped inside
 * the JSON, so no key can close the HTML comment early; with a state key the line ends in a seal (an
 * HMAC over the JSON, state-seal.ts), so an edited or forged marker is refused.
 */
export function encodeMarker(marker: BackportMarker, keys: StateKeys = activeStateKeys()): string {
  const compact = {
    v: marker.version,
    key: marker.key,
    workspace: marker.workspace,
    action: marker.action,
    items: marker.items.map((i) => [i.fingerprint, i.valueHash, i.action, i.settled]),
    digest: marker.digest,
    ...(marker.override ? { override: marker.override } : {}),
    ...(marker.ignoredBy ? { ignoredBy: marker.ignoredBy } : {}),
    ...(marker.expect ? { expect: marker.expect.map((e) => [e.address, e.paths]) } : {}),
    ...(marker.incident ? { incident: incidentOf(marker.incident) } : {}),
    ...(marker.cleared && marker.cleared.length > 0 ? { cleared: marker.cleared } : {}),
  };
  const json = JSON.stringify(compact).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const seal = sealOf(SEAL_KIND, json, keys);
  return `${PREFIX}${json}${seal ? ` ${SEAL_TAG}${seal}` : ""}${SUFFIX}`;
}

const SEAL_KIND = "backport";
const SEAL_TAG = "seal:";
/** The whole last line: prefix, JSON (no `>` inside: encodeMarker escapes it), an optional seal, suffix. */
const LINE = /^<!-- driftback:backport (\{[^\n>]*\})(?: seal:([^\s>]*))? -->$/;

/** The marker read from the body's last line, and how its seal stands (`none`: no well-formed marker there). */
export interface MarkerReading {
  marker?: BackportMarker;
  seal: SealCheck | "none";
}

/** The body's last line (trailing blank lines and spaces ignored); a lone CR or U+2028 does not end a line here. */
export function lastLine(body: string): string {
  const trimmed = body.trimEnd();
  return trimmed.slice(trimmed.lastIndexOf("\n") + 1);
}

/**
 * Reads the marker at its fixed place, the body's last line, and nowhere else: a marker a value
 * printed higher up in the body is never read. Never throws.
 */
export function readMarker(body: string | null | undefined, keys: StateKeys = activeStateKeys()): MarkerReading {
  if (typeof body !== "string") return { seal: "none" };
  const line = lastLine(body);
  if (line.length > MAX_MARKER) return { seal: "none" };
  const match = LINE.exec(line);
  if (!match) return { seal: "none" };
  const json = match[1]!;
  const seal = checkSeal(SEAL_KIND, json, match[2], keys);
  if (seal === "forged") return { seal };
  const parsed = markerSchema.safeParse(safeJson(json));
  if (!parsed.success) return { seal: "none" };
  const { v, items, expect, incident, cleared, ...rest } = parsed.data;
  return {
    seal,
    marker: {
      version: v,
      ...rest,
      ...(cleared && cleared.length > 0 ? { cleared } : {}),
      ...(incident ? { incident: incidentOf(incident) } : {}),
      items: items.map(([fingerprint, valueHash, action, settled]) => ({ fingerprint, valueHash, action, settled })),
      ...(expect ? { expect: expect.map(([address, paths]) => ({ address, paths })) } : {}),
    },
  };
}

/**
 * The marker driftback trusts in a body: the one on its last line, sealed by a key, or unsigned where
 * there is no key or on driftback's own pull requests from before seals (adopted; the next scan seals
 * it). undefined for none, a forged or edited one, or one elsewhere in the body. Never throws.
 */
export function parseMarker(body: string | null | undefined, keys: StateKeys = activeStateKeys()): BackportMarker | undefined {
  return readMarker(body, keys).marker;
}

/** Only the known fields, in a fixed order (so the marker's text is stable). */
function incidentOf(link: { key: string; source: IncidentLinkSource; url?: string | undefined; pinned?: boolean | undefined }): IncidentLink {
  return { key: link.key, source: link.source, ...(link.url ? { url: link.url } : {}), ...(link.pinned ? { pinned: true } : {}) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
