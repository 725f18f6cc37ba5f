import { describe, expect, it } from "vitest";
import { breakGlassRows, expectedDrift, markExpected, overdueDrift } from "../../src/core/drift/break-glass-view.js";
import { EMPTY_STATE, type BackportStatus, type DashboardState, type TrackedItem } from "../../src/core/drift/state.js";
import type { BreakGlassDeclaration } from "../../src/core/incidents/types.js";

const window: BreakGlassDeclaration = { workspace: "prod", incidentKey: "INC-9", from: "2026-11-23T02:00:00.000Z", until: "2026-11-23T04:00:00.000Z", by: "alice" };
const at = (time: string) => Date.parse(`2026-11-23T${time}:00Z`);
const item = (workspace: string, firstSeen: string, backport?: BackportStatus): TrackedItem => ({ workspace, address: "aws_instance.web", path: "instance_type", class: "actionable", taxonomy: "configuration", severity: "medium", firstSeen, lastSeen: firstSeen, valueHash: "v", ...(backport ? { backport } : {}) });
const stateOf = (items: Record<string, TrackedItem>, breakGlass: BreakGlassDeclaration[] = [window]): DashboardState => ({ ...EMPTY_STATE, items, breakGlass });

describe("expectedDrift: which drift a break-glass window holds back", () => {
  const cases: [string, { previous?: TrackedItem; workspace?: string; scanned?: string[]; now: string; declarations?: BreakGlassDeclaration[] }, string | null][] = [
    ["new drift inside the window", { now: "03:00" }, "break-glass for INC-9 until 04:00"],
    ["new drift after the window ended", { now: "04:00" }, null],
    ["new drift in another workspace", { workspace: "dev", now: "03:00" }, null],
    ["new drift when no window was ever declared", { now: "03:00", declarations: [] }, null],
    ["drift a previous scan already held back, window still open", { previous: item("prod", "2026-11-23", { status: "expected", reason: "x" }), now: "03:30" }, "break-glass for INC-9 until 04:00"],
    ["drift seen before the window, with an open pull request", { previous: item("prod", "2026-11-23", { status: "open", pr: 3, action: "codify" }), now: "03:00" }, null],
    ["drift seen before the window, waiting for max_open", { previous: item("prod", "2026-11-23", { status: "waiting", reason: "max_open" }), now: "03:00" }, null],
    ["drift a previous scan tracked with backport off (no status)", { previous: item("prod", "2026-11-23"), now: "03:00" }, null],
    ["new drift in a workspace this scan could not plan", { scanned: [], now: "03:00" }, null],
  ];
  it.each(cases)("%s", (_name, c, expected) => {
    const fingerprint = "0123456789abcdef";
    const previous = stateOf(c.previous ? { [fingerprint]: c.previous } : {});
    const merged = stateOf({ [fingerprint]: item(c.workspace ?? "prod", "2026-11-23", c.previous?.backport) }, c.declarations ?? [window]);
    expect(expectedDrift(previous, merged, c.scanned ?? ["prod", "dev"], at(c.now)).get(fingerprint) ?? null).toBe(expected);
  });

  it("markExpected sets the expected status and leaves the others alone", () => {
    const state = stateOf({ a: item("prod", "2026-11-23", { status: "open", pr: 1, action: "revert" }), b: item("prod", "2026-11-23") });
    const marked = markExpected(state, new Map([["b", "break-glass for INC-9 until 04:00"]]));
    expect(marked.items.a!.backport).toEqual({ status: "open", pr: 1, action: "revert" });
    expect(marked.items.b!.backport).toEqual({ status: "expected", reason: "break-glass for INC-9 until 04:00" });
  });
});

describe("overdueDrift: drift left after a window ended", () => {
  it.each([
    ["within the grace period", "05:59", null],
    ["when the grace period is over", "06:00", "high"],
  ] as const)("%s", (_name, now, severity) => {
    const drift = item("prod", "2026-11-23");
    const state = { ...stateOf({ a: drift }), workspaces: { prod: { status: "drifted" as const, lastScan: "2026-11-23", lastCleanAt: "2026-11-23T01:00:00.000Z", noise: 0, unapplied: 0 } } };
    expect(overdueDrift(state, at(now), 2 * 3_600_000).get(drift)?.severity ?? null).toBe(severity);
  });

  it("leaves drift alone whose last clean scan came after the window", () => {
    const drift = item("prod", "2026-11-23");
    const state = { ...stateOf({ a: drift }), workspaces: { prod: { status: "drifted" as const, lastScan: "2026-11-23", lastCleanAt: "2026-11-23T05:00:00.000Z", noise: 0, unapplied: 0 } } };
    expect(overdueDrift(state, at("08:00"), 3_600_000).size).toBe(0);
  });
});

describe("breakGlassRows", () => {
  it("lists windows in force first (ending soonest first), then ended ones (latest first), times in UTC with the date", () => {
    const later = { ...window, incidentKey: "INC-10", until: "2026-11-23T06:00:00.000Z" };
    const ended = { ...window, incidentKey: "INC-8", from: "2026-11-22T23:00:00.000Z", until: "2026-11-23T01:00:00.000Z", reason: "disk full" };
    const { rows, active, hidden } = breakGlassRows([ended, later, window], at("03:00"));
    expect(rows.map((r) => `${r.active ? "active" : "ended"} ${r.incident} ${r.window} ${r.reason ?? "-"}`)).toEqual([
      "active INC-9 2026-11-23 02:00–04:00 UTC -",
      "active INC-10 2026-11-23 02:00–06:00 UTC -",
      "ended INC-8 2026-11-22 23:00–2026-11-23 01:00 UTC disk full",
    ]);
    expect({ active, hidden }).toEqual({ active: 2, hidden: 0 });
  });
});
