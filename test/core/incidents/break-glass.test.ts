import { describe, expect, it } from "vitest";
import { activeWindows, declareBreakGlass, isExpected, overdue, parseBreakGlassCommand, type BreakGlassDeclaration } from "../../../src/core/incidents/index.js";
import { at, ms } from "./support.js";

const workspaces = ["prod", "staging"];
const HOUR = 3_600_000;

describe("parseBreakGlassCommand", () => {
  const commands: { name: string; comment: string; value: Record<string, unknown> }[] = [
    { name: "workspace and hours", comment: "/driftback break-glass prod 2h", value: { workspace: "prod", durationMs: 2 * HOUR, duration: "2h" } },
    { name: "minutes with a reason", comment: "/driftback break-glass prod 90m db failover by hand", value: { workspace: "prod", durationMs: 1.5 * HOUR, duration: "1h30m", reason: "db failover by hand" } },
    { name: "hours and minutes together", comment: "/driftback break-glass staging 1h30m", value: { workspace: "staging", durationMs: 1.5 * HOUR, duration: "1h30m" } },
    { name: "days up to the 72h limit", comment: "/driftback break-glass prod 3d", value: { workspace: "prod", durationMs: 72 * HOUR, duration: "72h" } },
    { name: "the 1m floor", comment: "/driftback break-glass prod 1m", value: { workspace: "prod", durationMs: 60_000, duration: "1m" } },
    { name: "incident= names the incident (on the dashboard)", comment: "/driftback break-glass prod 2h incident=INC-123 rollback", value: { workspace: "prod", durationMs: 2 * HOUR, duration: "2h", incident: "INC-123", reason: "rollback" } },
    { name: "on its own line inside a longer comment", comment: "Paging done.\n/driftback break-glass prod 30m\nthanks", value: { workspace: "prod", durationMs: 30 * 60_000, duration: "30m" } },
    { name: "a long reason is cut to 200 characters", comment: `/driftback break-glass prod 1h ${"x".repeat(300)}`, value: { workspace: "prod", durationMs: HOUR, duration: "1h", reason: `${"x".repeat(200)}…` } },
    { name: "control characters in the reason are escaped", comment: "/driftback break-glass prod 1h fix\u0007now", value: { workspace: "prod", durationMs: HOUR, duration: "1h", reason: "fix\\x07now" } },
  ];
  it.each(commands)("reads $name", ({ comment, value }) => {
    expect(parseBreakGlassCommand(comment, { workspaces })).toEqual({ ok: true, value });
  });

  const errors: { name: string; comment: string; error: string }[] = [
    { name: "no arguments", comment: "/driftback break-glass", error: "break-glass needs a workspace and a duration: /driftback break-glass <workspace> <duration> [incident=<key>] [reason]" },
    { name: "no duration", comment: "/driftback break-glass prod", error: "break-glass needs a workspace and a duration: /driftback break-glass <workspace> <duration> [incident=<key>] [reason]" },
    { name: "an unknown workspace", comment: "/driftback break-glass prdo 2h", error: 'break-glass: workspace "prdo" is not in .github/driftback.yml (workspaces: prod, staging)' },
    { name: "a duration in seconds", comment: "/driftback break-glass prod 90s", error: 'break-glass: duration "90s" is not a duration such as "30m", "2h" or "1h30m"' },
    { name: "a bare number", comment: "/driftback break-glass prod 2", error: 'break-glass: duration "2" is not a duration such as "30m", "2h" or "1h30m"' },
    { name: "zero minutes", comment: "/driftback break-glass prod 0m", error: 'break-glass: duration "0m" is shorter than 1m' },
    { name: "over 72 hours", comment: "/driftback break-glass prod 73h", error: 'break-glass: duration "73h" is longer than 72h: declare a new window when this one ends' },
    { name: "four days", comment: "/driftback break-glass prod 4d", error: 'break-glass: duration "4d" is longer than 72h: declare a new window when this one ends' },
    { name: "a control character in the workspace is escaped", comment: "/driftback break-glass pr\u001bod 2h", error: 'break-glass: workspace "pr\\x1bod" is not in .github/driftback.yml (workspaces: prod, staging)' },
  ];
  it.each(errors)("refuses $name with one line", ({ comment, error }) => {
    expect(parseBreakGlassCommand(comment, { workspaces })).toEqual({ ok: false, error });
  });

  it.each([
    ["another command", "/driftback plan"],
    ["a mention in prose", "we should /driftback break-glass later"],
    ["a longer word", "/driftback break-glassy prod 2h"],
  ])("ignores %s (not a break-glass command)", (_name, comment) => {
    expect(parseBreakGlassCommand(comment, { workspaces })).toBeNull();
  });

  it("accepts any workspace when no list is given", () => {
    expect(parseBreakGlassCommand("/driftback break-glass anything 1h")).toMatchObject({ ok: true, value: { workspace: "anything" } });
  });
});

describe("declareBreakGlass", () => {
  const command = (comment: string) => {
    const parsed = parseBreakGlassCommand(comment, { workspaces });
    if (!parsed?.ok) throw new Error("test command does not parse");
    return parsed.value;
  };

  it("on an incident issue: from now for the duration, by the commenter", () => {
    expect(declareBreakGlass(command("/driftback break-glass prod 2h failover"), { by: "@alice", now: ms("02:00"), incidentKey: "INC-123" })).toEqual({
      ok: true,
      value: { workspace: "prod", incidentKey: "INC-123", from: "2024-05-01T02:00:00.000Z", until: "2024-05-01T04:00:00.000Z", by: "alice", reason: "failover" },
    });
  });

  it("on the dashboard: the incident comes from incident=", () => {
    expect(declareBreakGlass(command("/driftback break-glass prod 30m incident=INC-9"), { by: "bob", now: ms("02:00") })).toMatchObject({ ok: true, value: { incidentKey: "INC-9" } });
  });

  it("on the same incident named again: accepted, case aside", () => {
    expect(declareBreakGlass(command("/driftback break-glass prod 30m incident=inc-9"), { by: "bob", now: ms("02:00"), incidentKey: "INC-9" })).toMatchObject({ ok: true, value: { incidentKey: "INC-9" } });
  });

  it.each([
    ["no incident anywhere", "/driftback break-glass prod 30m", undefined, "break-glass: name the incident with incident=<key> (/driftback break-glass <workspace> <duration> [incident=<key>] [reason])"],
    ["another incident than the one commented on", "/driftback break-glass prod 30m incident=INC-2", "INC-1", "break-glass: this is incident INC-1 but the command names INC-2: leave out incident= or comment on that incident"],
  ])("refuses %s", (_name, comment, incidentKey, error) => {
    expect(declareBreakGlass(command(comment), { by: "bob", now: ms("02:00"), ...(incidentKey ? { incidentKey } : {}) })).toEqual({ ok: false, error });
  });
});

const declaration = (fields: Partial<BreakGlassDeclaration> = {}): BreakGlassDeclaration => ({ workspace: "prod", incidentKey: "INC-123", from: at("02:00"), until: at("04:00"), by: "alice", ...fields });

describe("activeWindows", () => {
  const declarations = [declaration({ incidentKey: "A", until: at("05:00") }), declaration({ incidentKey: "B" }), declaration({ incidentKey: "C", from: at("03:30") })];
  it.each([
    ["before any opens", "01:59", []],
    ["at an opening instant", "02:00", ["B", "A"]],
    ["while three overlap (ending first first)", "03:30", ["B", "C", "A"]],
    ["at an end instant (until is exclusive)", "04:00", ["A"]],
    ["after all ended", "05:00", []],
  ])("%s", (_name, clock, keys) => {
    expect(activeWindows(declarations, ms(clock)).map((d) => d.incidentKey)).toEqual(keys);
  });
});

describe("isExpected: drift inside an active window is expected", () => {
  const cases: { name: string; drift: { workspace: string; firstSeen: string }; declarations: BreakGlassDeclaration[]; now: string; text: string | null }[] = [
    { name: "first seen during the window, scanned during it", drift: { workspace: "prod", firstSeen: at("03:00") }, declarations: [declaration()], now: "03:00", text: "break-glass for INC-123 until 04:00" },
    { name: "another workspace's window", drift: { workspace: "staging", firstSeen: at("03:00") }, declarations: [declaration()], now: "03:00", text: null },
    { name: "after the window ended", drift: { workspace: "prod", firstSeen: at("03:00") }, declarations: [declaration()], now: "04:00", text: null },
    { name: "drift first seen before the window opened is not its doing", drift: { workspace: "prod", firstSeen: at("01:00") }, declarations: [declaration()], now: "03:00", text: null },
    { name: "first seen 3 minutes before it opened: clock skew", drift: { workspace: "prod", firstSeen: at("01:57") }, declarations: [declaration()], now: "03:00", text: "break-glass for INC-123 until 04:00" },
    {
      name: "two windows: the one ending last speaks",
      drift: { workspace: "prod", firstSeen: at("03:00") },
      declarations: [declaration({ incidentKey: "INC-2", until: at("06:30") }), declaration()],
      now: "03:00",
      text: "break-glass for INC-2 until 06:30",
    },
    { name: "a window ending on another day shows the date", drift: { workspace: "prod", firstSeen: at("23:00") }, declarations: [declaration({ from: at("22:00"), until: at("02:00", "2024-05-02") })], now: "23:30", text: "break-glass for INC-123 until 2024-05-02 02:00" },
  ];
  it.each(cases)("$name", ({ drift, declarations, now, text }) => {
    const verdict = isExpected(drift, declarations, ms(now));
    expect(verdict?.text ?? null).toBe(text);
  });
});

describe("overdue: drift from an ended window still there after the grace period is raised one severity", () => {
  const grace = 24 * HOUR;
  const cases: { name: string; drift: { workspace: string; firstSeen: string; lastClean?: string | null; severity: "low" | "medium" | "high" | "critical" }; declarations: BreakGlassDeclaration[]; now: number; severity: string | null }[] = [
    { name: "past the grace period: high becomes critical", drift: { workspace: "prod", firstSeen: at("03:00"), lastClean: at("01:00"), severity: "high" }, declarations: [declaration()], now: ms("04:00", "2024-05-02"), severity: "critical" },
    { name: "low becomes medium", drift: { workspace: "prod", firstSeen: at("03:00"), severity: "low" }, declarations: [declaration()], now: ms("05:00", "2024-05-02"), severity: "medium" },
    { name: "critical stays critical", drift: { workspace: "prod", firstSeen: at("03:00"), severity: "critical" }, declarations: [declaration()], now: ms("05:00", "2024-05-02"), severity: "critical" },
    { name: "within the grace period: not yet", drift: { workspace: "prod", firstSeen: at("03:00"), severity: "high" }, declarations: [declaration()], now: ms("03:59", "2024-05-02"), severity: null },
    { name: "while a longer window that covers it is still open: expected, not overdue", drift: { workspace: "prod", firstSeen: at("03:00"), severity: "high" }, declarations: [declaration(), declaration({ incidentKey: "INC-2", from: at("02:30"), until: at("09:00", "2024-05-02") })], now: ms("05:00", "2024-05-02"), severity: null },
    { name: "a later window for the same workspace does not excuse older drift", drift: { workspace: "prod", firstSeen: at("03:00"), severity: "high" }, declarations: [declaration(), declaration({ incidentKey: "INC-2", from: at("02:00", "2024-05-02"), until: at("09:00", "2024-05-02") })], now: ms("05:00", "2024-05-02"), severity: "critical" },
    { name: "drift seen before the window opened is not from it", drift: { workspace: "prod", firstSeen: at("01:00"), severity: "high" }, declarations: [declaration()], now: ms("05:00", "2024-05-02"), severity: null },
    { name: "a clean scan after the window closed: the drift came later", drift: { workspace: "prod", firstSeen: at("09:00"), lastClean: at("06:00"), severity: "high" }, declarations: [declaration()], now: ms("05:00", "2024-05-02"), severity: null },
    { name: "another workspace's window", drift: { workspace: "staging", firstSeen: at("03:00"), severity: "high" }, declarations: [declaration()], now: ms("05:00", "2024-05-02"), severity: null },
  ];
  it.each(cases)("$name", ({ drift, declarations, now, severity }) => {
    expect(overdue(drift, declarations, now, grace)?.severity ?? null).toBe(severity);
  });

  it("says which window ended and the grace period", () => {
    const verdict = overdue({ workspace: "prod", firstSeen: at("03:00"), severity: "high" }, [declaration()], ms("05:00", "2024-05-02"), 90 * 60_000);
    expect(verdict?.text).toBe("break-glass for INC-123 ended 2024-05-01 04:00; not reconciled within the 1h30m grace period");
    expect(verdict?.declaration.incidentKey).toBe("INC-123");
  });
});
