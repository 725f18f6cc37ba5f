import { raisedSeverity, type Severity } from "../drift/track.js";
import { printable } from "../printable.js";
import { DEFAULT_SKEW_MS } from "./correlate.js";
import { formatClock, formatDuration, HOUR_MS, MINUTE_MS, timeOf } from "./time.js";
import type { BreakGlassDeclaration } from "./types.js";

/**
 * Break-glass windows (issue 9 §5): `/driftback break-glass <workspace> <duration> [reason]` says
 * manual changes are expected in a workspace for a while. Drift first seen inside an active window
 * is expected (no backport pull request yet); drift from a window that ended and is still there
 * after a grace period is raised one severity. Pure: `now` is always passed in.
 */

export const BREAK_GLASS_MIN_MS = MINUTE_MS;
/** Longer than a long weekend is not break-glass any more: declare a new window when it ends. */
export const BREAK_GLASS_MAX_MS = 72 * HOUR_MS;
const MAX_REASON = 200;
const USAGE = "/driftback break-glass <workspace> <duration> [incident=<key>] [reason]";
const COMMAND = /^[ \t]*\/driftback[ \t]+break-glass\b(.*)$/m;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/i;
const INCIDENT_OPTION = /^incident=(.+)$/i;

export interface BreakGlassCommand {
  workspace: string;
  durationMs: number;
  /** The duration as a person reads it ("1h30m"). */
  duration: string;
  /** `incident=<key>`: names the incident where the comment is not on it (the dashboard). */
  incident?: string;
  reason?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads a break-glass command from a comment; null when the comment has none. Bad input gets one
 * line naming the argument and what to write instead (user text in it is escaped and cut short).
 */
export function parseBreakGlassCommand(comment: string, options: { workspaces?: readonly string[] } = {}): Parsed<BreakGlassCommand> | null {
  const match = COMMAND.exec(comment);
  if (!match) return null;
  const args = match[1]!.trim().split(/[ \t]+/).filter(Boolean);
  const [workspace, duration, ...rest] = args;
  if (!workspace || !duration) return { ok: false, error: `break-glass needs a workspace and a duration: ${USAGE}` };
  if (options.workspaces && !options.workspaces.includes(workspace)) {
    const known = options.workspaces.length > 0 ? options.workspaces.map((w) => printable(w, 40)).join(", ") : "none configured";
    return { ok: false, error: `break-glass: workspace "${printable(workspace, 40)}" is not in .github/driftback.yml (workspaces: ${known})` };
  }
  const durationMs = durationToMs(duration);
  if (durationMs === undefined) return { ok: false, error: `break-glass: duration "${printable(duration, 20)}" is not a duration such as "30m", "2h" or "1h30m"` };
  if (durationMs < BREAK_GLASS_MIN_MS) return { ok: false, error: `break-glass: duration "${printable(duration, 20)}" is shorter than 1m` };
  if (durationMs > BREAK_GLASS_MAX_MS) return { ok: false, error: `break-glass: duration "${printable(duration, 20)}" is longer than 72h: declare a new window when this one ends` };
  const incidentArg = rest.map((arg) => INCIDENT_OPTION.exec(arg)).find((m) => m !== null);
  const reasonWords = rest.filter((arg) => !INCIDENT_OPTION.test(arg));
  const reason = reasonWords.join(" ");
  return {
    ok: true,
    value: {
      workspace,
      durationMs,
      duration: formatDuration(durationMs),
      ...(incidentArg ? { incident: incidentArg[1]! } : {}),
      ...(reason ? { reason: printable(reason, MAX_REASON) } : {}),
    },
  };
}

/** "1h30m" -> 5_400_000; undefined when it is not a duration in days, hours and minutes. */
function durationToMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || (!match[1] && !match[2] && !match[3])) return undefined;
  return Number(match[1] ?? 0) * 24 * HOUR_MS + Number(match[2] ?? 0) * HOUR_MS + Number(match[3] ?? 0) * MINUTE_MS;
}

/**
 * The declaration a command makes, from now for its duration. `incidentKey` is the incident the
 * comment is on (an incident issue); elsewhere the command must name one with `incident=<key>`.
 */
export function declareBreakGlass(command: BreakGlassCommand, context: { by: string; now: number; incidentKey?: string }): Parsed<BreakGlassDeclaration> {
  const named = command.incident?.trim();
  const onIncident = context.incidentKey?.trim();
  if (onIncident && named && named.toLowerCase() !== onIncident.toLowerCase()) {
    return { ok: false, error: `break-glass: this is incident ${printable(onIncident, 60)} but the command names ${printable(named, 60)}: leave out incident= or comment on that incident` };
  }
  const incidentKey = onIncident || named;
  if (!incidentKey) return { ok: false, error: `break-glass: name the incident with incident=<key> (${USAGE})` };
  return {
    ok: true,
    value: {
      workspace: command.workspace,
      incidentKey,
      from: new Date(context.now).toISOString(),
      until: new Date(context.now + command.durationMs).toISOString(),
      by: context.by.replace(/^@/, ""),
      ...(command.reason ? { reason: command.reason } : {}),
    },
  };
}

/** Declarations in force at `now` (from <= now < until), the one ending first first. */
export function activeWindows(declarations: readonly BreakGlassDeclaration[], now: number): BreakGlassDeclaration[] {
  return declarations.filter((d) => timeOf(d.from) <= now && now < timeOf(d.until)).sort((a, b) => timeOf(a.until) - timeOf(b.until) || compareKeys(a, b));
}

/** A drift as break-glass sees it: where, since when, and (for overdue) how bad. */
export interface WindowedDrift {
  workspace: string;
  firstSeen: string;
  lastClean?: string | null;
}

export interface BreakGlassVerdict {
  declaration: BreakGlassDeclaration;
  /** "break-glass for INC-123 until 04:00" */
  text: string;
}

/**
 * Whether a drift is expected: a window for its workspace is in force now and the drift was first
 * seen after it opened (skew allowed). Drift seen before the window is not its doing. The window
 * ending last speaks for it.
 */
export function isExpected(drift: WindowedDrift, declarations: readonly BreakGlassDeclaration[], now: number, skewMs = DEFAULT_SKEW_MS): BreakGlassVerdict | null {
  const firstSeen = timeOf(drift.firstSeen, "end");
  const covering = activeWindows(declarations, now).filter((d) => d.workspace === drift.workspace && firstSeen >= timeOf(d.from) - skewMs);
  const declaration = covering[covering.length - 1];
  if (!declaration) return null;
  return { declaration, text: `break-glass for ${printable(declaration.incidentKey)} until ${formatClock(timeOf(declaration.until), now)}` };
}

export interface OverdueVerdict extends BreakGlassVerdict {
  severity: Severity;
}

/**
 * Drift from a window that ended more than `graceMs` ago and is still there: its severity raised
 * one step on the ladder of src/core/drift/track.ts. Null while a window still covers it, during
 * the grace period, or when no ended window could have caused it (first seen before it opened, or
 * its last clean scan came after the window closed).
 */
export function overdue(drift: WindowedDrift & { severity: Severity }, declarations: readonly BreakGlassDeclaration[], now: number, graceMs: number, skewMs = DEFAULT_SKEW_MS): OverdueVerdict | null {
  if (isExpected(drift, declarations, now, skewMs)) return null;
  const firstSeen = timeOf(drift.firstSeen, "end");
  const lastClean = timeOf(drift.lastClean ?? null, "start");
  const late = declarations
    .filter((d) => d.workspace === drift.workspace && now - timeOf(d.until) >= graceMs)
    .filter((d) => firstSeen >= timeOf(d.from) - skewMs && !(lastClean > timeOf(d.until) + skewMs))
    .sort((a, b) => timeOf(b.until) - timeOf(a.until) || compareKeys(a, b));
  const declaration = late[0];
  if (!declaration) return null;
  return {
    declaration,
    severity: raisedSeverity(drift.severity),
    text: `break-glass for ${printable(declaration.incidentKey)} ended ${formatClock(timeOf(declaration.until), now)}; not reconciled within the ${formatDuration(graceMs)} grace period`,
  };
}

function compareKeys(a: BreakGlassDeclaration, b: BreakGlassDeclaration): number {
  return a.incidentKey < b.incidentKey ? -1 : a.incidentKey > b.incidentKey ? 1 : 0;
}
