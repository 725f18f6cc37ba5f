import type { Templates } from "../templates.js";
import type { PublicGroup } from "../parity/public.js";
import { parityView } from "../render/parity.js";
import { COMMENT_LIMIT } from "../render/preview.js";
import { breakGlassRows, overdueDrift } from "./break-glass-view.js";
import { encodeState, type DashboardState, type TrackedItem } from "./state.js";
import type { Severity } from "./track.js";

export const DASHBOARD_MARKER = "<!-- driftback:dashboard -->";
/** Parity rows (differences and versions, over every group) the dashboard shows at most. */
const PARITY_ROWS = 60;
export const DASHBOARD_TITLE = "Drift dashboard";
export const DASHBOARD_LABEL = "driftback";
/** Starts each "open again" checkbox's hidden key; the fingerprint follows. */
export const REOPEN_MARKER = "<!-- driftback:reopen:";

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
  /** Backport pull requests: absent when `backport.enabled` is false. */
  backport?: {
    /** `backport.max_open`, named when drift waits. */
    maxOpen: number;
    /** Reopen requests this scan could not carry out (not planned, waiting for max_open, failed): listed with their boxes ticked, so the next scan tries again. */
    reopenPending?: ReadonlySet<string>;
    /** The backport step stopped this scan: the statuses shown are the last known ones. */
    stopped?: boolean;
  };
  /** Break-glass windows: the scan's time, and `incidents.break_glass_grace` in ms (overdue drift is raised one severity). */
  breakGlass?: { now: number; graceMs: number };
  /** Parity groups as printed (masked, with each difference's first sighting): the Parity section; absent or empty, none. */
  parity?: readonly PublicGroup[];
}

const REOPEN_BOX = /^[ \t]*[-*+] \[([ xX])\] <!-- driftback:reopen:([0-9a-f]{16}) -->/gm;

/**
 * Fingerprints whose "open again" box is ticked in a dashboard body (Renovate's dashboard
 * convention: a person ticks, the next scan acts, the box comes back unticked).
 */
export function reopenRequests(body: string | null | undefined): string[] {
  if (!body) return [];
  const ticked = new Set<string>();
  for (const match of body.matchAll(REOPEN_BOX)) if (match[1] !== " ") ticked.add(match[2]!);
  return [...ticked];
}

const ALIGN_BOX = /^[ \t]*[-*+] \[([ xX])\] <!-- driftback:align:([0-9a-f]{12}):([^\s<>`\\]{1,200}) -->/gm;

/**
 * The parity section's ticked "align all to" boxes (issue 16 §6): the difference's key (`differenceKey`) and the
 * member whose value the others get. The scan that reads them opens the pull requests; its dashboard shows them unticked.
 */
export function alignBoxRequests(body: string | null | undefined): { key: string; member: string }[] {
  if (!body) return [];
  const ticked = new Map<string, { key: string; member: string }>();
  for (const match of body.matchAll(ALIGN_BOX)) if (match[1] !== " ") ticked.set(`${match[2]}:${match[3]}`, { key: match[2]!, member: match[3]! });
  return [...ticked.values()];
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
    const items = Object.fromEntries(Object.entries(state.items).filter(([, item]) => kept.has(item)));
    // an ignore of drift no longer tracked goes with it: the closed pull request still says so
    block = encodeState({ ...state, items, ignored: state.ignored.filter((i) => items[i.fingerprint] !== undefined) });
  }
  return { block, untracked: ranked.length - keep };
}

/** What the PR column says about one drift: the template holds the words. */
function backportView(item: TrackedItem) {
  const status = item.backport;
  const is = (kind: NonNullable<TrackedItem["backport"]>["status"]) => status?.status === kind;
  return {
    known: status !== undefined,
    open: is("open"),
    merged: is("merged"),
    ignored: is("ignored"),
    waiting: is("waiting"),
    failed: is("failed"),
    none: is("none"),
    expected: is("expected"),
    codify: status !== undefined && "action" in status && status.action === "codify",
    pr: (status && "pr" in status ? status.pr : undefined) ?? item.pr ?? null,
    reason: status && "reason" in status ? status.reason : null,
  };
}

/** The dashboard issue body: status per workspace, the drift table, and the hidden state. Pure. */
export function renderDashboard(state: DashboardState, ctx: DashboardContext, templates: Templates): string {
  const overdue = ctx.breakGlass ? overdueDrift(state, ctx.breakGlass.now, ctx.breakGlass.graceMs) : new Map<TrackedItem, { severity: Severity; text: string }>();
  const severityOf = (item: TrackedItem) => overdue.get(item)?.severity ?? item.severity;
  const items = Object.values(state.items).sort(
    (a, b) => SEVERITY_ORDER[severityOf(a)] - SEVERITY_ORDER[severityOf(b)] || a.workspace.localeCompare(b.workspace) || a.address.localeCompare(b.address) || a.path.localeCompare(b.path),
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
    severity: `${SEVERITY_ICON[severityOf(item)]} ${severityOf(item)}`,
    overdue: overdue.get(item)?.text ?? null,
    workspace: item.workspace,
    url: treeUrl(dirOf.get(item.workspace) ?? "."),
    address: item.address,
    path: item.path || "(whole resource)",
    change: item.class === "deleted" ? "deleted outside Terraform" : "changed outside Terraform",
    taxonomy: item.taxonomy,
    since: item.firstSeen,
    ageDays: Math.max(0, Math.round((Date.parse(ctx.today) - Date.parse(item.firstSeen)) / 86_400_000)),
    pr: item.pr ?? null,
    backport: backportView(item),
  }));
  const fingerprints = new Map(Object.entries(state.items).map(([fingerprint, item]) => [item, fingerprint]));
  const ignored = ctx.backport
    ? items
        .filter((item) => item.backport?.status === "ignored" || ctx.backport!.reopenPending?.has(fingerprints.get(item)!))
        .map((item) => ({ fingerprint: fingerprints.get(item)!, ticked: ctx.backport!.reopenPending?.has(fingerprints.get(item)!) ?? false, workspace: item.workspace, address: item.address, path: item.path || "(whole resource)", pr: item.pr ?? null }))
    : [];
  const failures = items.flatMap((item) => (item.backport?.status === "failed" ? [{ workspace: item.workspace, address: item.address, path: item.path || "(whole resource)", pr: item.backport.pr ?? null, reason: item.backport.reason }] : []));
  const waiting = items.filter((item) => item.backport?.status === "waiting").length;
  const { block: stateBlock, untracked } = fittingState(state, items);
  // rows give way first: the state block must always fit
  // the parity section gives way with the rows: a budget of rows over all its groups
  for (let shown = rows.length, parityRows = PARITY_ROWS; ; shown = Math.floor(shown / 2), parityRows = Math.floor(parityRows / 2)) {
    const parity = ctx.parity && ctx.parity.length > 0 ? parityView(ctx.parity, ctx.today, parityRows, { alignBoxes: true }) : null;
    const body = templates.dashboard({
      marker: DASHBOARD_MARKER,
      repo: `${ctx.owner}/${ctx.repo}`,
      defaultBranch: ctx.defaultBranch,
      schedule: ctx.schedule,
      workspaces,
      rows: rows.slice(0, shown),
      hiddenRows: rows.length - shown,
      backport: ctx.backport
        ? { waiting, maxOpen: ctx.backport.maxOpen, stopped: ctx.backport.stopped ?? false, ignored: ignored.slice(0, shown), hiddenIgnored: Math.max(0, ignored.length - shown), failures: failures.slice(0, shown) }
        : null,
      untracked,
      breakGlass: ctx.breakGlass && state.breakGlass.length > 0 ? breakGlassRows(state.breakGlass, ctx.breakGlass.now) : null,
      total: rows.length,
      today: ctx.today,
      parity,
      stateBlock,
    });
    if (body.length <= COMMENT_LIMIT || (shown === 0 && parityRows === 0)) return body;
  }
}
