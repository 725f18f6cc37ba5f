import { decodeState, EMPTY_STATE, type DashboardState } from "../core/drift/state.js";
import { DASHBOARD_MARKER } from "../core/drift/dashboard.js";
import { activeStateKeys } from "../core/state-seal.js";
import type { DashboardIssue, DriftHost, RepoRef } from "../ports.js";

export interface DashboardReading {
  existing?: DashboardIssue;
  state: DashboardState;
  /** Why the state read as empty or was ignored (logged; this scan rebuilds it). */
  problem?: string;
}

/**
 * The dashboard issue and the state it carries. A sealed block is trusted; an unsealed one (a dashboard from
 * before seals) is adopted once only when nobody but driftback edited the body since: with a key, an unsealed
 * block a person wrote in is how state would be planted, so it is ignored and the scan starts afresh.
 */
export async function readDashboardState(host: DriftHost, repo: RepoRef, keys = activeStateKeys()): Promise<DashboardReading> {
  const existing = await host.findDashboard(repo, DASHBOARD_MARKER);
  const decoded = decodeState(existing?.body, keys);
  if (existing && decoded.seal === "unsigned" && keys.length > 0 && host.dashboardEditedByOthers && (await host.dashboardEditedByOthers(repo, existing.number))) {
    return { existing, state: EMPTY_STATE, problem: "the state block is unsealed and someone other than driftback last edited the dashboard: it is ignored" };
  }
  return { ...(existing ? { existing } : {}), state: decoded.state, ...(decoded.problem ? { problem: decoded.problem } : {}) };
}
