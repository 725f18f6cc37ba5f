import { z } from "zod";
import { sameIncident } from "../incidents/touched-repos.js";
import type { BreakGlassDeclaration } from "../incidents/types.js";

/**
 * Break-glass declarations in the dashboard state: the audit trail of who declared which window for
 * which incident (issue 9 §5). Kept 30 days after a window ends and at most MAX_DECLARATIONS, so the
 * state block stays within its budget whatever people declare.
 */

export const BREAK_GLASS_RETENTION_MS = 30 * 86_400_000;
export const MAX_DECLARATIONS = 50;
/** Field limits: the reason is already cut to 200 by the parser; keys and logins are short in every tracker. */
const LIMITS = { workspace: 100, incidentKey: 200, by: 60, reason: 200 } as const;

export const breakGlassDeclaration = z.object({
  workspace: z.string(),
  incidentKey: z.string(),
  from: z.string(),
  until: z.string(),
  by: z.string(),
  reason: z.string().optional(),
});

/** One row per declaration: [workspace, incident, from, until, by, reason | null]. */
const row = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string(), z.string().nullable()]);

export function encodeBreakGlass(declarations: readonly BreakGlassDeclaration[]): unknown[] {
  return declarations.map((d) => [d.workspace, d.incidentKey, d.from, d.until, d.by, d.reason ?? null]);
}

/** Rows this version cannot read (hand-edited, or from a newer driftback) are dropped alone. */
export function decodeBreakGlass(rows: readonly unknown[]): BreakGlassDeclaration[] {
  return rows.flatMap((value) => {
    const parsed = row.safeParse(value);
    if (!parsed.success || Number.isNaN(Date.parse(parsed.data[2])) || Number.isNaN(Date.parse(parsed.data[3]))) return [];
    const [workspace, incidentKey, from, until, by, reason] = parsed.data;
    return [{ workspace, incidentKey, from, until, by, ...(reason !== null ? { reason } : {}) }];
  });
}

/**
 * The audit trail with `added` recorded: the same declaration twice (a redelivered command) is kept
 * once, windows that ended more than 30 days before `now` go, and past MAX_DECLARATIONS the
 * oldest-ending go first. Ordered by start, then workspace. Pure.
 */
export function recordBreakGlass(existing: readonly BreakGlassDeclaration[], added: readonly BreakGlassDeclaration[], now: number): BreakGlassDeclaration[] {
  const byIdentity = new Map<string, BreakGlassDeclaration>();
  for (const declaration of [...existing, ...added.map(bounded)]) byIdentity.set(identityOf(declaration), declaration);
  const kept = [...byIdentity.values()].filter((d) => now - Date.parse(d.until) <= BREAK_GLASS_RETENTION_MS);
  const newestEnding = [...kept].sort((a, b) => Date.parse(b.until) - Date.parse(a.until)).slice(0, MAX_DECLARATIONS);
  return newestEnding.sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || a.workspace.localeCompare(b.workspace) || a.incidentKey.localeCompare(b.incidentKey));
}

/** Declarations whose window ended in (after, upTo]: those workspaces are scanned at once. */
export function windowsEnded(declarations: readonly BreakGlassDeclaration[], after: number, upTo: number): BreakGlassDeclaration[] {
  return declarations.filter((d) => {
    const until = Date.parse(d.until);
    return until > after && until <= upTo;
  });
}

/**
 * The incident resolved: its windows still in force end now (issue 9 §5: the window ends when the incident
 * resolves), so the drift they held back gets its pull requests. The declaration stays, with its new end.
 */
export function endWindowsOf(declarations: readonly BreakGlassDeclaration[], resolved: readonly string[], now: number): BreakGlassDeclaration[] {
  if (resolved.length === 0) return [...declarations];
  const nowIso = new Date(now).toISOString();
  return declarations.map((d) => (Date.parse(d.until) > now && Date.parse(d.from) <= now && resolved.some((key) => sameIncident(d.incidentKey, { key })) ? { ...d, until: nowIso } : d));
}

function identityOf(d: BreakGlassDeclaration): string {
  return [d.workspace, d.incidentKey.toLowerCase(), d.from, d.by.toLowerCase()].join("\u0000");
}

function bounded(d: BreakGlassDeclaration): BreakGlassDeclaration {
  return {
    workspace: d.workspace.slice(0, LIMITS.workspace),
    incidentKey: d.incidentKey.slice(0, LIMITS.incidentKey),
    from: d.from,
    until: d.until,
    by: d.by.slice(0, LIMITS.by),
    ...(d.reason ? { reason: d.reason.slice(0, LIMITS.reason) } : {}),
  };
}
