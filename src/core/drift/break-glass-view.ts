import { isExpected, overdue } from "../incidents/break-glass.js";
import { formatClock } from "../incidents/time.js";
import type { BreakGlassDeclaration } from "../incidents/types.js";
import type { DashboardState, TrackedItem } from "./state.js";
import type { Severity } from "./track.js";

/**
 * What break-glass windows mean for one scan and its dashboard (issue 9 §5). Pure: `now` is passed in.
 * Decided at first sighting: new drift inside an active window is expected, and stays expected on
 * later scans while a window covers it; drift seen before a window (it may already have a pull
 * request) is never held back by it.
 */
export function expectedDrift(previous: DashboardState, merged: DashboardState, scanned: readonly string[], now: number): Map<string, string> {
  const expected = new Map<string, string>();
  if (merged.breakGlass.length === 0) return expected;
  const planned = new Set(scanned);
  const nowIso = new Date(now).toISOString();
  for (const [fingerprint, item] of Object.entries(merged.items)) {
    if (!planned.has(item.workspace)) continue;
    const before = previous.items[fingerprint];
    if (before && before.backport?.status !== "expected") continue;
    const verdict = isExpected({ workspace: item.workspace, firstSeen: before ? before.firstSeen : nowIso }, merged.breakGlass, now);
    if (verdict) expected.set(fingerprint, verdict.text);
  }
  return expected;
}

/** The state with each expected drift's status saying so (whatever the backport step reported for it). */
export function markExpected(state: DashboardState, expected: ReadonlyMap<string, string>): DashboardState {
  if (expected.size === 0) return state;
  const items = { ...state.items };
  for (const [fingerprint, reason] of expected) {
    const item = items[fingerprint];
    if (item) items[fingerprint] = { ...item, backport: { status: "expected", reason } };
  }
  return { ...state, items };
}

/** Drift from an expired window still there after the grace period: severity raised one step, and why. */
export function overdueDrift(state: DashboardState, now: number, graceMs: number): Map<TrackedItem, { severity: Severity; text: string }> {
  const raised = new Map<TrackedItem, { severity: Severity; text: string }>();
  if (state.breakGlass.length === 0) return raised;
  for (const item of Object.values(state.items)) {
    const lastClean = state.workspaces[item.workspace]?.lastCleanAt ?? null;
    const verdict = overdue({ workspace: item.workspace, firstSeen: item.firstSeen, lastClean, severity: item.severity }, state.breakGlass, now, graceMs);
    if (verdict) raised.set(item, { severity: verdict.severity, text: verdict.text });
  }
  return raised;
}

/** Rows shown under "Break-glass": windows in force first (ending soonest first), then ended ones (latest first). */
export const BREAK_GLASS_ROWS = 20;

export function breakGlassRows(declarations: readonly BreakGlassDeclaration[], now: number) {
  const active = declarations.filter((d) => now < Date.parse(d.until)).sort((a, b) => Date.parse(a.until) - Date.parse(b.until));
  const ended = declarations.filter((d) => Date.parse(d.until) <= now).sort((a, b) => Date.parse(b.until) - Date.parse(a.until));
  const rows = [...active, ...ended].map((d) => ({
    active: active.includes(d),
    workspace: d.workspace,
    incident: d.incidentKey,
    by: d.by,
    window: `${formatClock(Date.parse(d.from), Number.NaN)}–${formatClock(Date.parse(d.until), Date.parse(d.from))} UTC`,
    reason: d.reason ?? null,
  }));
  return { rows: rows.slice(0, BREAK_GLASS_ROWS), hidden: Math.max(0, rows.length - BREAK_GLASS_ROWS), active: active.length };
}
