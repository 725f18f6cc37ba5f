import { z } from "zod";

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
 * The hidden marker at the end of a backport pull request's body: what driftback last told this
 * pull request (not necessarily what its branch holds when a person pushed to it). `<`, `>` and
 * `&` are escaped inside the JSON, so no key can close the HTML comment early.
 */
export function encodeMarker(marker: BackportMarker): string {
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
  const json = JSON.stringify(compact).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `${PREFIX}${json}${SUFFIX}`;
}

/** The first well-formed marker in a body; undefined for none, a hand-edited or a foreign one. Never throws. */
export function parseMarker(body: string | null | undefined): BackportMarker | undefined {
  if (typeof body !== "string") return undefined;
  let from = 0;
  for (;;) {
    const start = body.indexOf(PREFIX, from);
    if (start === -1) return undefined;
    const end = body.indexOf(SUFFIX, start + PREFIX.length);
    if (end === -1) return undefined;
    from = start + PREFIX.length;
    if (end - start > MAX_MARKER) continue;
    const parsed = markerSchema.safeParse(safeJson(body.slice(start + PREFIX.length, end)));
    if (!parsed.success) continue;
    const { v, items, expect, incident, cleared, ...rest } = parsed.data;
    return {
      version: v,
      ...rest,
      ...(cleared && cleared.length > 0 ? { cleared } : {}),
      ...(incident ? { incident: incidentOf(incident) } : {}),
      items: items.map(([fingerprint, valueHash, action, settled]) => ({ fingerprint, valueHash, action, settled })),
      ...(expect ? { expect: expect.map(([address, paths]) => ({ address, paths })) } : {}),
    };
  }
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
