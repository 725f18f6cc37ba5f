import { deflateRawSync, inflateRawSync } from "node:zlib";
import { activeStateKeys, checkSeal, sealOf, type SealCheck, type StateKeys } from "../state-seal.js";
import { z } from "zod";
import type { DriftClass, DriftTaxonomy } from "./items.js";
import { breakGlassDeclaration, decodeBreakGlass, encodeBreakGlass } from "./break-glass-state.js";
import { fingerprintOf, type Severity } from "./track.js";

const switchAction = z.enum(["codify", "revert"]);
const fingerprint = z.string().regex(/^[0-9a-f]{16}$/);

/** Where a drift's backport pull request stands, as the last scan that planned its workspace found it. */
const backportStatus = z.discriminatedUnion("status", [
  z.object({ status: z.literal("open"), pr: z.number().int(), action: switchAction }),
  /** Merged: waiting for the apply that ends the drift. */
  z.object({ status: z.literal("merged"), pr: z.number().int(), action: switchAction }),
  /** A person closed its pull request unmerged. */
  z.object({ status: z.literal("ignored"), pr: z.number().int() }),
  /** Over `backport.max_open`. */
  z.object({ status: z.literal("waiting"), reason: z.string() }),
  /** A host or verification error; retried on the next scan. */
  z.object({ status: z.literal("failed"), reason: z.string(), pr: z.number().int().optional() }),
  /** First seen inside an active break-glass window: no pull request while it lasts ("break-glass for INC-123 until 04:00"). */
  z.object({ status: z.literal("expected"), reason: z.string() }),
  /** No pull request by design: a rule says ignore. */
  z.object({ status: z.literal("none"), reason: z.string() }),
]);

/** Drift a person ignored by closing its pull request unmerged, at the live-value hash it had then. */
const ignoredDrift = z.object({ fingerprint, valueHash: z.string(), pr: z.number().int() });

/** A merged pull request whose drift a successful scan of its workspace found gone (core/backport/recurrence.ts). */
const clearedMerge = z.object({ fingerprint, pr: z.number().int() });

/** One tracked drift in the dashboard's hidden state. Dates are days (YYYY-MM-DD) so rescans the same day change nothing. */
const trackedItem = z.object({
  workspace: z.string(),
  address: z.string(),
  path: z.string(),
  class: z.enum(["actionable", "deleted"]),
  taxonomy: z.enum(["configuration", "policy", "resource"]),
  severity: z.enum(["low", "medium", "high", "critical"]),
  firstSeen: z.string(),
  lastSeen: z.string(),
  valueHash: z.string(),
  /** The backport pull request tied to this drift, when there is one. */
  pr: z.number().int().optional(),
  backport: backportStatus.optional(),
});

const workspaceStatus = z.object({
  status: z.enum(["clean", "drifted", "failed"]),
  /** Day the current clean streak began. */
  cleanSince: z.string().optional(),
  lastScan: z.string(),
  /** ISO time of the last clean scan (refreshed at most every few hours: see mergeScan), the start of incident correlation's window. */
  lastCleanAt: z.string().optional(),
  error: z.string().optional(),
  noise: z.number().int().default(0),
  unapplied: z.number().int().default(0),
});

export const dashboardStateSchema = z.object({
  version: z.literal(1),
  workspaces: z.record(z.string(), workspaceStatus),
  items: z.record(z.string(), trackedItem),
  /** Ignores remembered beside the closed pull requests that say so (those may be deleted or fall out of a listing). */
  ignored: z.array(ignoredDrift).default([]),
  /** Merges done with: their drift was gone from a later successful scan, so its return gets a new pull request. */
  cleared: z.array(clearedMerge).default([]),
  /** Break-glass declarations, the audit trail: kept 30 days after their window ends (break-glass-state.ts). */
  breakGlass: z.array(breakGlassDeclaration).default([]),
  /** Parity differences (core/parity/first-seen.ts key) -> the day a scan first saw them: their age on the dashboard. */
  parity: z.record(z.string(), z.string()).optional(),
});

export type DashboardState = z.infer<typeof dashboardStateSchema>;
export type TrackedItem = z.infer<typeof trackedItem>;
export type WorkspaceStatus = z.infer<typeof workspaceStatus>;
export type BackportStatus = z.infer<typeof backportStatus>;
export type RememberedIgnore = z.infer<typeof ignoredDrift>;
export type RememberedClear = z.infer<typeof clearedMerge>;

export const EMPTY_STATE: DashboardState = { version: 1, workspaces: {}, items: {}, ignored: [], cleared: [], breakGlass: [] };

/**
 * A clean workspace's `lastCleanAt` is refreshed when older than this: a refresh every scan would
 * rewrite the dashboard every scan. The correlation window then starts at most this much early
 * (wider, never narrower: no incident open just before the drift is missed).
 */
export const LAST_CLEAN_REFRESH_MS = 6 * 3_600_000;

export interface ObservedItem {
  fingerprint: string;
  workspace: string;
  address: string;
  path: string;
  class: Extract<DriftClass, "actionable" | "deleted">;
  taxonomy: DriftTaxonomy;
  severity: Severity;
  valueHash: string;
}

/** What one scan found in one workspace. */
export type WorkspaceScan =
  | { workspace: string; ok: true; items: ObservedItem[]; noise: number; unapplied: number }
  | { workspace: string; ok: false; error: string };

/**
 * The next state after a scan. Pure. A workspace that failed keeps every drift it had: a failed
 * scan never reports drift as resolved. Drift missing from a successful scan is resolved and dropped.
 */
export function mergeScan(previous: DashboardState, scans: readonly WorkspaceScan[], today: string, now?: string): DashboardState {
  const next: DashboardState = { version: 1, workspaces: { ...previous.workspaces }, items: { ...previous.items }, ignored: previous.ignored, cleared: previous.cleared, breakGlass: previous.breakGlass };
  for (const scan of scans) {
    const before = previous.workspaces[scan.workspace];
    if (!scan.ok) {
      next.workspaces[scan.workspace] = { ...(before ?? { status: "failed", noise: 0, unapplied: 0 }), status: "failed", error: scan.error, lastScan: today };
      continue;
    }
    for (const [fingerprint, item] of Object.entries(previous.items)) {
      if (item.workspace === scan.workspace && !scan.items.some((i) => i.fingerprint === fingerprint)) delete next.items[fingerprint];
    }
    for (const observed of scan.items) {
      const known = previous.items[observed.fingerprint];
      const { fingerprint, ...fields } = observed;
      next.items[fingerprint] = { ...fields, firstSeen: known?.firstSeen ?? today, lastSeen: today, ...(known?.pr !== undefined ? { pr: known.pr } : {}), ...(known?.backport ? { backport: known.backport } : {}) };
    }
    const clean = scan.items.length === 0;
    const lastCleanAt = clean && now ? freshCleanTime(before?.lastCleanAt, now) : before?.lastCleanAt;
    next.workspaces[scan.workspace] = {
      status: clean ? "clean" : "drifted",
      ...(clean ? { cleanSince: before?.status === "clean" && before.cleanSince ? before.cleanSince : today } : {}),
      lastScan: today,
      ...(lastCleanAt ? { lastCleanAt } : {}),
      noise: scan.noise,
      unapplied: scan.unapplied,
    };
  }
  return next;
}

/** The stored last-clean time, or `now` once it is older than LAST_CLEAN_REFRESH_MS (or unreadable). */
function freshCleanTime(stored: string | undefined, now: string): string {
  const age = Date.parse(now) - Date.parse(stored ?? "");
  return stored && age >= 0 && age < LAST_CLEAN_REFRESH_MS ? stored : now;
}

/** The block is the end of the body (its fixed place); with a state key its first line carries a seal of the base64 text. */
const BLOCK = /(?:^|\n)<!-- driftback:state(?: seal:([^\s>]*))?\n([A-Za-z0-9+/=\n]*)\n-->$/;
const SEAL_KIND = "dashboard-state";

/**
 * Items travel as rows; the fingerprint is recomputed from workspace, address and path. Added
 * later, as optional keys an older block simply lacks: `b`, each row's backport status (same
 * order as `i`), `g`, the remembered ignores, and `c`, the cleared merges. An older driftback drops keys it does not know.
 */
const compactStatus = z.object({ s: z.string(), p: z.number().int().optional(), a: z.string().optional(), r: z.string().optional() });
const compactSchema = z.object({
  v: z.literal(1),
  w: z.record(z.string(), workspaceStatus),
  i: z.array(
    z.tuple([
      z.string(),
      z.string(),
      z.string(),
      trackedItem.shape.class,
      trackedItem.shape.taxonomy,
      trackedItem.shape.severity,
      z.string(),
      z.string(),
      z.string(),
      z.number().int().nullable(),
    ]),
  ),
  b: z.array(compactStatus.nullable()).optional(),
  g: z.array(z.tuple([z.string(), z.string(), z.number().int()])).optional(),
  c: z.array(z.tuple([z.string(), z.number().int()])).optional(),
  /** Break-glass declarations as rows (break-glass-state.ts); checked row by row so one bad row costs only itself. */
  k: z.array(z.unknown()).optional(),
  p: z.record(z.string(), z.string()).optional(),
});

/** A reason shown on the dashboard is one readable sentence: long ones are cut so the state stays small. */
const REASON_LIMIT = 300;

function compactStatusOf(status: BackportStatus | undefined): z.infer<typeof compactStatus> | null {
  if (!status) return null;
  return {
    s: status.status,
    ...("pr" in status && status.pr !== undefined ? { p: status.pr } : {}),
    ...("action" in status ? { a: status.action } : {}),
    ...("reason" in status ? { r: status.reason.slice(0, REASON_LIMIT) } : {}),
  };
}

/** A status this version does not understand is dropped alone: the rest of the state still counts. */
function statusOf(compact: z.infer<typeof compactStatus> | null | undefined): BackportStatus | undefined {
  if (!compact) return undefined;
  const parsed = backportStatus.safeParse({ status: compact.s, pr: compact.p, action: compact.a, reason: compact.r });
  return parsed.success ? parsed.data : undefined;
}

/** The hidden block carried in the dashboard body: deflated base64 JSON, compact and unable to close the comment. */
export function encodeState(state: DashboardState, keys: StateKeys = activeStateKeys()): string {
  const rows = Object.values(state.items);
  const compact = {
    v: 1,
    w: state.workspaces,
    i: rows.map((t) => [t.workspace, t.address, t.path, t.class, t.taxonomy, t.severity, t.firstSeen, t.lastSeen, t.valueHash, t.pr ?? null]),
    ...(rows.some((t) => t.backport) ? { b: rows.map((t) => compactStatusOf(t.backport)) } : {}),
    ...(state.ignored.length > 0 ? { g: state.ignored.map((i) => [i.fingerprint, i.valueHash, i.pr]) } : {}),
    ...(state.cleared.length > 0 ? { c: state.cleared.map((c) => [c.fingerprint, c.pr]) } : {}),
    ...(state.breakGlass.length > 0 ? { k: encodeBreakGlass(state.breakGlass) } : {}),
    ...(state.parity && Object.keys(state.parity).length > 0 ? { p: state.parity } : {}),
  };
  const base64 = deflateRawSync(Buffer.from(JSON.stringify(compact)), { level: 9 }).toString("base64").replace(/(.{100})/g, "$1\n").replace(/\n$/, "");
  const seal = sealOf(SEAL_KIND, base64.replace(/\n/g, ""), keys);
  return `<!-- driftback:state${seal ? ` seal:${seal}` : ""}\n${base64}\n-->`;
}

/** Reads the hidden block; a missing, hand-edited or corrupt one gives an empty state (rebuilt by this scan). */
export function decodeState(body: string | undefined | null, keys: StateKeys = activeStateKeys()): { state: DashboardState; problem?: string; seal?: SealCheck } {
  const match = body ? BLOCK.exec(body.trimEnd()) : null;
  if (!match) return { state: EMPTY_STATE, problem: body ? "no state block at the end of the dashboard" : undefined };
  const base64 = match[2]!.replace(/\n/g, "");
  // unsigned: a dashboard from before seals (adopted; this scan writes it sealed) or no key at all
  const seal = checkSeal(SEAL_KIND, base64, match[1], keys);
  if (seal === "forged") return { state: EMPTY_STATE, problem: "the state block's seal is not one of driftback's state keys (forged or edited): it is ignored", seal };
  try {
    const json = JSON.parse(inflateRawSync(Buffer.from(base64, "base64")).toString("utf8"));
    const parsed = compactSchema.safeParse(json);
    if (!parsed.success) return { state: EMPTY_STATE, problem: `state block does not match the schema: ${parsed.error.issues[0]?.message}` };
    const items: DashboardState["items"] = {};
    parsed.data.i.forEach(([workspace, address, path, cls, taxonomy, severity, firstSeen, lastSeen, valueHash, pr], row) => {
      const backport = statusOf(parsed.data.b?.[row]);
      items[fingerprintOf({ workspace, address, pathText: path })] = { workspace, address, path, class: cls, taxonomy, severity, firstSeen, lastSeen, valueHash, ...(pr !== null ? { pr } : {}), ...(backport ? { backport } : {}) };
    });
    const ignored = (parsed.data.g ?? []).flatMap(([fp, valueHash, pr]) => (fingerprint.safeParse(fp).success ? [{ fingerprint: fp, valueHash, pr }] : []));
    const cleared = (parsed.data.c ?? []).flatMap(([fp, pr]) => (fingerprint.safeParse(fp).success ? [{ fingerprint: fp, pr }] : []));
    const parity = parsed.data.p ? { parity: parsed.data.p } : {};
    return { state: { version: 1, workspaces: parsed.data.w, items, ignored, cleared, breakGlass: decodeBreakGlass(parsed.data.k ?? []), ...parity }, ...(seal === "unsigned" || seal === "rotated" ? { seal } : {}) };
  } catch (error) {
    return { state: EMPTY_STATE, problem: `state block is corrupt: ${(error as Error).message}` };
  }
}
