import type { Templates } from "../../templates.js";
import { COMMENT_LIMIT } from "../render/preview.js";
import { encodeState, type DashboardState, type TrackedItem } from "./state.js";
import type { Severity } from "./track.js";

export const DASHBOARD_MARKER = "<!-- driftback:dashboard -->";
export const DASHBOARD_TITLE = "Drift dashboard";
export const DASHBOARD_LABEL = "driftback";

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const SEVERITY_ICON: Record<Severity, string> = { critical: "🔴", high: "🟠", medium: "🟡", low: "⚪" };

export interface DashboardContext {
  owner: string;
  repo: string;
  defaultBranch: string;
  schedule: string;
  /** The workspaces configured now, in config order, with their dirs. */
  workspaces: { name: string; dir: string }[];
  today: string;
}

/** Most of a body's room goes to the state; past that, the least severe, newest drift is not tracked. */
const STATE_BUDGET = 48_000;

function fittingState(state: DashboardState, sorted: TrackedItem[]): { block: string; untracked: number } {
  let block = encodeState(state);
  if (block.length <= STATE_BUDGET) return { block, untracked: 0 };
  // keep the most severe and the oldest: their first-seen dates are what would be lost
  const ranked = [...sorted].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.firstSeen.localeCompare(b.firstSeen));
  let keep = ranked.length;
  while (block.length > STATE_BUDGET && keep > 0) {
    keep = Math.floor(keep * 0.8);
    const kept = new Set(ranked.slice(0, keep));
    block = encodeState({ ...state, items: Object.fromEntries(Object.entries(state.items).filter(([, item]) => kept.has(item))) });
  }
  return { block, untracked: ranked.length - keep };
}

/** The dashboard issue body: status per workspace, the drift table, and the hidden state. Pure. */
export function renderDashboard(state: DashboardState, ctx: DashboardContext, templates: Templates): string {
  const items = Object.values(state.items).sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.workspace.localeCompare(b.workspace) || a.address.localeCompare(b.address) || a.path.localeCompare(b.path),
  );
  const dirOf = new Map(ctx.workspaces.map((w) => [w.name, w.dir]));
  const treeUrl = (dir: string) => `https://github.com/${ctx.owner}/${ctx.repo}/tree/${encodeURIComponent(ctx.defaultBranch)}/${dir === "." ? "" : dir}`;
  const workspaces = ctx.workspaces.map((w) => {
    const status = state.workspaces[w.name];
    const drifted = items.filter((i) => i.workspace === w.name).length;
    return {
      name: w.name,
      dir: w.dir,
      url: treeUrl(w.dir),
      statusText: !status
        ? "⏳ not scanned yet"
        : status.status === "failed"
          ? `❌ scan failed: ${status.error ?? "unknown reason"}${drifted > 0 ? ` (${drifted} drifted when last scanned)` : ""}`
          : status.status === "clean"
            ? `✅ clean since ${status.cleanSince ?? status.lastScan}`
            : `⚠️ ${drifted} drifted`,
      drifted,
      noise: status?.noise ?? 0,
      unapplied: status?.unapplied ?? 0,
    };
  });
  const rows = items.map((item) => ({
    severity: `${SEVERITY_ICON[item.severity]} ${item.severity}`,
    workspace: item.workspace,
    url: treeUrl(dirOf.get(item.workspace) ?? "."),
    address: item.address,
    path: item.path || "(whole resource)",
    change: item.class === "deleted" ? "deleted outside Terraform" : "changed outside Terraform",
    taxonomy: item.taxonomy,
    since: item.firstSeen,
    ageDays: Math.max(0, Math.round((Date.parse(ctx.today) - Date.parse(item.firstSeen)) / 86_400_000)),
    pr: item.pr ?? null,
  }));
  const { block: stateBlock, untracked } = fittingState(state, items);
  // rows give way first: the state block must always fit
  for (let shown = rows.length; ; shown = Math.floor(shown / 2)) {
    const body = templates.dashboard({
      marker: DASHBOARD_MARKER,
      repo: `${ctx.owner}/${ctx.repo}`,
      defaultBranch: ctx.defaultBranch,
      schedule: ctx.schedule,
      workspaces,
      rows: rows.slice(0, shown),
      hiddenRows: rows.length - shown,
      untracked,
      total: rows.length,
      today: ctx.today,
      stateBlock,
    });
    if (body.length <= COMMENT_LIMIT || shown === 0) return body;
  }
}
