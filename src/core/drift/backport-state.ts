import type { BackportStatus, DashboardState, RememberedClear, RememberedIgnore } from "./state.js";

/** What one scan's backport step says, in the dashboard's terms. */
export type BackportOutcome =
  /** The step ran over the workspaces in `scanned`; `drift` holds a status per fingerprint of theirs. */
  /** `cleared`, when given, replaces the remembered cleared merges (the step saw every pull request and kept what still counts). */
  | { kind: "ran"; scanned: readonly string[]; drift: Readonly<Record<string, BackportStatus>>; ignored: readonly RememberedIgnore[]; cleared?: readonly RememberedClear[] }
  /** `backport.enabled: false`: no pull request statuses to show. */
  | { kind: "off" }
  /** The step stopped before it could report: what the dashboard knew stays, the next scan tries again. */
  | { kind: "stopped" };

/**
 * The dashboard state with the backport step's news. Pure. Drift in a workspace this scan could
 * not plan keeps its status and its remembered ignore: a failed scan never forgets what a person decided.
 */
export function withBackports(state: DashboardState, outcome: BackportOutcome): DashboardState {
  if (outcome.kind === "stopped") return state;
  const items: DashboardState["items"] = {};
  const scanned = new Set(outcome.kind === "ran" ? outcome.scanned : Object.values(state.items).map((i) => i.workspace));
  for (const [fingerprint, item] of Object.entries(state.items)) {
    if (!scanned.has(item.workspace)) {
      items[fingerprint] = item;
      continue;
    }
    const { pr: _pr, backport: _backport, ...rest } = item;
    const status = outcome.kind === "ran" ? outcome.drift[fingerprint] : undefined;
    const pr = status && "pr" in status ? status.pr : undefined;
    items[fingerprint] = { ...rest, ...(pr !== undefined ? { pr } : {}), ...(status ? { backport: status } : {}) };
  }
  if (outcome.kind === "off") return { ...state, items };
  const reported = new Set(outcome.ignored.map((i) => i.fingerprint));
  const kept = state.ignored.filter((i) => !reported.has(i.fingerprint) && items[i.fingerprint] !== undefined && !scanned.has(items[i.fingerprint]!.workspace));
  const cleared = outcome.cleared ? outcome.cleared.map((c) => ({ fingerprint: c.fingerprint, pr: c.pr })) : state.cleared;
  return { ...state, items, ignored: [...outcome.ignored.map((i) => ({ fingerprint: i.fingerprint, valueHash: i.valueHash, pr: i.pr })), ...kept], cleared };
}

