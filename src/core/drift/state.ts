import { deflateRawSync, inflateRawSync } from "node:zlib";
import { z } from "zod";
import type { DriftClass, DriftTaxonomy } from "./items.js";
import { fingerprintOf, type Severity } from "./track.js";

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
});

const workspaceStatus = z.object({
  status: z.enum(["clean", "drifted", "failed"]),
  /** Day the current clean streak began. */
  cleanSince: z.string().optional(),
  lastScan: z.string(),
  error: z.string().optional(),
  noise: z.number().int().default(0),
  unapplied: z.number().int().default(0),
});

export const dashboardStateSchema = z.object({
  version: z.literal(1),
  workspaces: z.record(z.string(), workspaceStatus),
  items: z.record(z.string(), trackedItem),
});

export type DashboardState = z.infer<typeof dashboardStateSchema>;
export type TrackedItem = z.infer<typeof trackedItem>;
export type WorkspaceStatus = z.infer<typeof workspaceStatus>;

export const EMPTY_STATE: DashboardState = { version: 1, workspaces: {}, items: {} };

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
export function mergeScan(previous: DashboardState, scans: readonly WorkspaceScan[], today: string): DashboardState {
  const next: DashboardState = { version: 1, workspaces: { ...previous.workspaces }, items: { ...previous.items } };
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
      next.items[fingerprint] = { ...fields, firstSeen: known?.firstSeen ?? today, lastSeen: today, ...(known?.pr !== undefined ? { pr: known.pr } : {}) };
    }
    const clean = scan.items.length === 0;
    next.workspaces[scan.workspace] = {
      status: clean ? "clean" : "drifted",
      ...(clean ? { cleanSince: before?.status === "clean" && before.cleanSince ? before.cleanSince : today } : {}),
      lastScan: today,
      noise: scan.noise,
      unapplied: scan.unapplied,
    };
  }
  return next;
}

const BLOCK = /<!-- driftback:state\n([A-Za-z0-9+/=\n]*)\n-->/;

/** Items travel as rows; the fingerprint is recomputed from workspace, address and path. */
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
});

/** The hidden block carried in the dashboard body: deflated base64 JSON, compact and unable to close the comment. */
export function encodeState(state: DashboardState): string {
  const compact = {
    v: 1,
    w: state.workspaces,
    i: Object.values(state.items).map((t) => [t.workspace, t.address, t.path, t.class, t.taxonomy, t.severity, t.firstSeen, t.lastSeen, t.valueHash, t.pr ?? null]),
  };
  const base64 = deflateRawSync(Buffer.from(JSON.stringify(compact)), { level: 9 }).toString("base64").replace(/(.{100})/g, "$1\n").replace(/\n$/, "");
  return `<!-- driftback:state\n${base64}\n-->`;
}

/** Reads the hidden block; a missing, hand-edited or corrupt one gives an empty state (rebuilt by this scan). */
export function decodeState(body: string | undefined | null): { state: DashboardState; problem?: string } {
  const match = body ? BLOCK.exec(body) : null;
  if (!match) return { state: EMPTY_STATE, problem: body ? "no state block" : undefined };
  try {
    const json = JSON.parse(inflateRawSync(Buffer.from(match[1]!.replace(/\n/g, ""), "base64")).toString("utf8"));
    const parsed = compactSchema.safeParse(json);
    if (!parsed.success) return { state: EMPTY_STATE, problem: `state block does not match the schema: ${parsed.error.issues[0]?.message}` };
    const items: DashboardState["items"] = {};
    for (const [workspace, address, path, cls, taxonomy, severity, firstSeen, lastSeen, valueHash, pr] of parsed.data.i) {
      items[fingerprintOf({ workspace, address, pathText: path })] = { workspace, address, path, class: cls, taxonomy, severity, firstSeen, lastSeen, valueHash, ...(pr !== null ? { pr } : {}) };
    }
    return { state: { version: 1, workspaces: parsed.data.w, items } };
  } catch (error) {
    return { state: EMPTY_STATE, problem: `state block is corrupt: ${(error as Error).message}` };
  }
}
