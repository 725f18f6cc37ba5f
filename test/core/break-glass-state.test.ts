import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BREAK_GLASS_RETENTION_MS, endWindowsOf, MAX_DECLARATIONS, recordBreakGlass, windowsEnded } from "../../src/core/drift/break-glass-state.js";
import { decodeState, EMPTY_STATE, encodeState, LAST_CLEAN_REFRESH_MS, mergeScan, type DashboardState } from "../../src/core/drift/state.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { renderDashboard } from "../../src/core/drift/dashboard.js";
import { COMMENT_LIMIT } from "../../src/core/render/preview.js";
import { validateConfig } from "../../src/config/validate.js";
import { bundledTemplates } from "../../src/templates.js";
import type { BreakGlassDeclaration } from "../../src/core/incidents/types.js";

const declaration = (overrides: Partial<BreakGlassDeclaration> = {}): BreakGlassDeclaration => ({
  workspace: "prod",
  incidentKey: "acme/incidents#42",
  from: "2026-11-23T02:00:00.000Z",
  until: "2026-11-23T04:00:00.000Z",
  by: "alice",
  reason: "db timeouts",
  ...overrides,
});

/** A state block as an older driftback wrote it: no `k` rows, no lastCleanAt. */
function olderBlock(): string {
  const compact = { v: 1, w: { prod: { status: "clean", cleanSince: "2026-11-01", lastScan: "2026-11-02", noise: 0, unapplied: 0 } }, i: [] };
  return `<!-- driftback:state\n${deflateRawSync(Buffer.from(JSON.stringify(compact))).toString("base64")}\n-->`;
}

describe("break-glass declarations and lastCleanAt in the dashboard state", () => {
  it("decodes a block written before break-glass existed, with no declarations and no lastCleanAt", () => {
    const { state, problem } = decodeState(olderBlock());
    expect(problem).toBeUndefined();
    expect(state.breakGlass).toEqual([]);
    expect(state.workspaces.prod).toMatchObject({ status: "clean", cleanSince: "2026-11-01" });
    expect(state.workspaces.prod!.lastCleanAt).toBeUndefined();
  });

  it("round-trips declarations (with and without a reason) and a workspace's lastCleanAt", () => {
    const state: DashboardState = {
      ...EMPTY_STATE,
      workspaces: { prod: { status: "clean", lastScan: "2026-11-23", lastCleanAt: "2026-11-23T01:00:00.000Z", noise: 0, unapplied: 0 } },
      breakGlass: [declaration(), declaration({ workspace: "staging", reason: undefined })].map((d) => (d.reason ? d : { workspace: d.workspace, incidentKey: d.incidentKey, from: d.from, until: d.until, by: d.by })),
    };
    const decoded = decodeState(encodeState(state)).state;
    expect(decoded.breakGlass).toEqual(state.breakGlass);
    expect(decoded.workspaces.prod!.lastCleanAt).toBe("2026-11-23T01:00:00.000Z");
  });

  it("drops an unreadable declaration row alone and keeps the rest of the state", () => {
    const compact = { v: 1, w: {}, i: [], k: [["prod", "INC-1", "not a time", "2026-11-23T04:00:00Z", "bob", null], ["prod", "INC-2", "2026-11-23T02:00:00Z", "2026-11-23T04:00:00Z", "bob", null], 42] };
    const { state } = decodeState(`<!-- driftback:state\n${deflateRawSync(Buffer.from(JSON.stringify(compact))).toString("base64")}\n-->`);
    expect(state.breakGlass.map((d) => d.incidentKey)).toEqual(["INC-2"]);
  });

  it("keeps an expected status (drift inside a window) through encode and decode", () => {
    const fingerprint = fingerprintOf({ workspace: "prod", address: "aws_instance.web", pathText: "instance_type" });
    const state = mergeScan(EMPTY_STATE, [{ workspace: "prod", ok: true, noise: 0, unapplied: 0, items: [{ fingerprint, workspace: "prod", address: "aws_instance.web", path: "instance_type", class: "actionable", taxonomy: "configuration", severity: "high", valueHash: "v1" }] }], "2026-11-23");
    const fp = Object.keys(state.items)[0]!;
    state.items[fp] = { ...state.items[fp]!, backport: { status: "expected", reason: "break-glass for INC-1 until 04:00" } };
    expect(decodeState(encodeState(state)).state.items[fp]!.backport).toEqual({ status: "expected", reason: "break-glass for INC-1 until 04:00" });
  });
});

describe("mergeScan records lastCleanAt", () => {
  const clean = { workspace: "prod", ok: true as const, items: [], noise: 0, unapplied: 0 };
  it("sets it on the first clean scan, keeps it while younger than the refresh interval, and refreshes it after", () => {
    const first = mergeScan(EMPTY_STATE, [clean], "2026-11-23", "2026-11-23T01:00:00.000Z");
    expect(first.workspaces.prod!.lastCleanAt).toBe("2026-11-23T01:00:00.000Z");
    const soon = mergeScan(first, [clean], "2026-11-23", "2026-11-23T02:00:00.000Z");
    expect(soon.workspaces.prod!.lastCleanAt).toBe("2026-11-23T01:00:00.000Z");
    const later = new Date(Date.parse("2026-11-23T01:00:00.000Z") + LAST_CLEAN_REFRESH_MS).toISOString();
    expect(mergeScan(soon, [clean], "2026-11-23", later).workspaces.prod!.lastCleanAt).toBe(later);
  });

  it("keeps the last clean time through drifted and failed scans, and sets none without a time", () => {
    const first = mergeScan(EMPTY_STATE, [clean], "2026-11-23", "2026-11-23T01:00:00.000Z");
    const drifted = mergeScan(first, [{ ...clean, items: [{ fingerprint: "0123456789abcdef", workspace: "prod", address: "a.b", path: "x", class: "actionable", taxonomy: "configuration", severity: "low", valueHash: "v" }] }], "2026-11-23", "2026-11-23T03:00:00.000Z");
    expect(drifted.workspaces.prod).toMatchObject({ status: "drifted", lastCleanAt: "2026-11-23T01:00:00.000Z" });
    const failed = mergeScan(drifted, [{ workspace: "prod", ok: false, error: "lock" }], "2026-11-23", "2026-11-23T04:00:00.000Z");
    expect(failed.workspaces.prod!.lastCleanAt).toBe("2026-11-23T01:00:00.000Z");
    expect(mergeScan(EMPTY_STATE, [clean], "2026-11-23").workspaces.prod!.lastCleanAt).toBeUndefined();
  });
});

describe("recordBreakGlass keeps a bounded audit trail", () => {
  const now = Date.parse("2026-11-23T05:00:00Z");
  it("records a redelivered declaration once", () => {
    expect(recordBreakGlass([declaration()], [declaration(), declaration({ by: "ALICE" })], now)).toHaveLength(1);
  });

  it("drops windows that ended more than 30 days ago and keeps one that ended 30 days ago to the millisecond", () => {
    const ended = (ms: number) => declaration({ from: new Date(ms - 3_600_000).toISOString(), until: new Date(ms).toISOString(), incidentKey: `INC-${ms}` });
    const kept = recordBreakGlass([ended(now - BREAK_GLASS_RETENTION_MS), ended(now - BREAK_GLASS_RETENTION_MS - 1)], [], now);
    expect(kept.map((d) => d.until)).toEqual([new Date(now - BREAK_GLASS_RETENTION_MS).toISOString()]);
  });

  it(`keeps at most ${MAX_DECLARATIONS}, dropping the oldest-ending first, and cuts long fields`, () => {
    const many = Array.from({ length: MAX_DECLARATIONS + 5 }, (_, i) => declaration({ incidentKey: `INC-${i}`, from: new Date(now - (100 - i) * 60_000).toISOString(), until: new Date(now + i * 60_000).toISOString() }));
    const kept = recordBreakGlass([], [...many, declaration({ incidentKey: "K".repeat(1_000), until: new Date(now + 10 * 3_600_000).toISOString() })], now);
    expect(kept).toHaveLength(MAX_DECLARATIONS);
    expect(kept.some((d) => d.incidentKey === "INC-0")).toBe(false);
    expect(kept.find((d) => d.incidentKey.startsWith("K"))!.incidentKey).toHaveLength(200);
  });

  it("finds the windows that ended in (after, upTo]", () => {
    const d = declaration();
    const until = Date.parse(d.until);
    expect(windowsEnded([d], until - 1, until)).toEqual([d]);
    expect(windowsEnded([d], until, until + 60_000)).toEqual([]);
    expect(windowsEnded([d], until - 120_000, until - 60_000)).toEqual([]);
  });
});

describe("endWindowsOf: a resolved incident ends its windows still in force", () => {
  const now = Date.parse("2026-11-23T03:00:00Z");
  it.each([
    ["a window of that incident in force", declaration(), ["acme/incidents#42"], "2026-11-23T03:00:00.000Z"],
    ["the same key in other case", declaration(), ["ACME/Incidents#42"], "2026-11-23T03:00:00.000Z"],
    ["a window of another incident", declaration(), ["acme/incidents#43"], "2026-11-23T04:00:00.000Z"],
    ["a window that already ended", declaration({ from: "2026-11-23T00:00:00.000Z", until: "2026-11-23T01:00:00.000Z" }), ["acme/incidents#42"], "2026-11-23T01:00:00.000Z"],
    ["no resolved incident", declaration(), [], "2026-11-23T04:00:00.000Z"],
  ])("%s", (_name, d, resolved, until) => {
    const [after] = endWindowsOf([d], resolved, now);
    expect(after).toEqual({ ...d, until });
  });
});

describe("incidents.break_glass_grace is a bounded duration", () => {
  const config = (grace: unknown) => validateConfig({ workspaces: [{ name: "a", dir: "." }], incidents: { break_glass_grace: grace } });
  it.each([
    ["169h", /^must be at most 168h: drift left a week after its window is overdue by any measure$/],
    ["30s", /^must be at least 1m$/],
    ["a day", /must be a duration such as/],
  ])("rejects %s with one line naming incidents.break_glass_grace", (grace, message) => {
    const result = config(grace);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.path).toBe("incidents.break_glass_grace");
    expect(result.issues[0]!.message).toMatch(message);
  });

  it("defaults to 24h and accepts the bounds", () => {
    const defaults = validateConfig({ workspaces: [{ name: "a", dir: "." }] });
    expect(defaults.ok && defaults.config.incidents.break_glass_grace).toBe("24h");
    expect(config("168h").ok).toBe(true);
    expect(config("1m").ok).toBe(true);
  });
});

describe("the dashboard's size cap holds with a full audit trail", () => {
  it("keeps every declaration (random 200-character reasons) and stays within GitHub's body limit beside 3,000 drifted attributes", () => {
    const now = Date.parse("2026-11-23T05:00:00Z");
    const noise = () => Array.from({ length: 200 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join("");
    const breakGlass = recordBreakGlass([], Array.from({ length: MAX_DECLARATIONS }, (_, i) => declaration({ incidentKey: `INC-${i}-${noise().slice(0, 40)}`, reason: noise(), from: new Date(now - i * 60_000).toISOString() })), now);
    const scan = { workspace: "prod", ok: true as const, noise: 0, unapplied: 0, items: Array.from({ length: 3_000 }, (_, i) => ({ fingerprint: fingerprintOf({ workspace: "prod", address: `aws_instance.n${i}`, pathText: "instance_type" }), workspace: "prod", address: `aws_instance.n${i}`, path: "instance_type", class: "actionable" as const, taxonomy: "configuration" as const, severity: "high" as const, valueHash: noise().slice(0, 12) })) };
    const state = { ...mergeScan(EMPTY_STATE, [scan], "2026-11-23", new Date(now).toISOString()), breakGlass };
    const body = renderDashboard(state, { owner: "acme", repo: "infra", defaultBranch: "main", schedule: "0 * * * *", workspaces: [{ name: "prod", dir: "prod" }], today: "2026-11-23", breakGlass: { now, graceMs: 86_400_000 } }, bundledTemplates());
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const decoded = decodeState(body).state;
    expect(decoded.breakGlass).toHaveLength(MAX_DECLARATIONS);
    expect(Object.keys(decoded.items).length).toBeGreaterThan(0);
    expect(Object.keys(decoded.items).length).toBeLessThan(3_000); // the items gave way, not the audit trail
  });
});
