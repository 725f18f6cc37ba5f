import type { LimitFunction } from "p-limit";
import stripAnsi from "strip-ansi";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import { planRequestFor, scopedTerraform } from "./plan-request.js";
import { readDashboardState } from "./dashboard-state.js";
import { readScanParity, showScanParity, type RunParity, type ScanParity } from "./scan-parity.js";
import { paritySiblings } from "../core/parity/siblings.js";
import { alignStep, type RunAlign } from "./scan-align.js";
import type { AlignAsk } from "../core/parity/align-command.js";
import { withBackports } from "../core/drift/backport-state.js";
import { endWindowsOf, recordBreakGlass } from "../core/drift/break-glass-state.js";
import { expectedDrift, markExpected } from "../core/drift/break-glass-view.js";
import type { BreakGlassDeclaration } from "../core/incidents/types.js";
import { durationToMs } from "../config/schema.js";
import { alignBoxRequests, DASHBOARD_LABEL, DASHBOARD_MARKER, DASHBOARD_TITLE, renderDashboard, reopenRequests } from "../core/drift/dashboard.js";
import { classifyDrift, type DriftItem } from "../core/drift/items.js";
import { isSecretItem } from "../core/drift/report.js";
import { mergeScan, type DashboardState, type ObservedItem, type WorkspaceScan } from "../core/drift/state.js";
import { fingerprintOf, severityOf, valueHashOf, withoutIgnored } from "../core/drift/track.js";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import type { DriftMetrics } from "../adapters/metrics.js";
import type { BranchSource, Checkout, DashboardIssue, DriftHost, IncidentSource, Logger, ScanTarget, TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import type { BackportReport } from "./backport-drift.js";
import { backportStep, type BackportStepResult, type RunBackports, type RunIncidentFollowUp } from "./scan-backport.js";
import { lastErrorLine } from "./terraform-error.js";

export interface ScanDeps {
  host: DriftHost;
  source: BranchSource;
  terraform: TerraformRunner;
  templates: Templates;
  logger: Logger;
  metrics: DriftMetrics;
  /** Shared by every scan in the process: how many plans may run at once. */
  planLimit: LimitFunction;
  /** Shared by every scan: how many checkouts may run at once, so the first finish early and plans start. */
  checkoutLimit?: LimitFunction;
  /** Opens and keeps backport pull requests after the plans; without it (or with `backport.enabled: false`) none. */
  backport?: RunBackports;
  /** After the backport step, the follow-up on the incidents its pull requests link (when `incidents:` configures a source). */
  followUp?: RunIncidentFollowUp;
  /** The incident sources `incidents:` configures (correlation in the backport step); none without it. The target's owner decides what the operator lets it read. */
  incidentSources?: (config: Config, target: ScanTarget) => readonly IncidentSource[];
  /** Today as YYYY-MM-DD (UTC). */
  today: () => string;
  now?: () => number;
  /** Plans the workspaces elsewhere (the shared plan queue); without it they are planned here under `planLimit`. */
  planWorkspaces?: WorkspacePlanner;
  /** Environment parity (issue 16) from the scan's checkout and plans: the dashboard's Parity section and metric; none without it. */
  parity?: RunParity;
  /** Alignment pull requests (issue 16 §6) a command or a ticked dashboard box asks for; none without it. */
  align?: RunAlign;
}

/** What planning one workspace yields: its scan result, its classified drift, and the plan JSON when it planned. */
export interface WorkspaceOutcome {
  result: WorkspaceScan;
  items: DriftItem[];
  planJson?: string;
}

/** The commit a scan checked out, whose workspaces a planner plans (each from its own checkout of `sha`). */
export interface WorkspacePlanRequest {
  target: ScanTarget;
  sha: string;
  config: Config;
  /** Whether the plan JSON is needed back (the backport step's revert excerpts); it can be big. */
  planJson: boolean;
  signal?: AbortSignal;
}

/** Plans every workspace of `config` at `sha`: one outcome per workspace, in `config.workspaces` order, never throwing for one workspace. */
export type WorkspacePlanner = (request: WorkspacePlanRequest) => Promise<WorkspaceOutcome[]>;

export interface ScanOptions {
  /** Fingerprints whose "open again" box a person ticked (the dashboard's own ticks are read too). */
  reopen?: readonly string[];
  /** Break-glass declarations to record in the dashboard state (its audit trail) with this scan. */
  breakGlass?: readonly BreakGlassDeclaration[];
  /** Incidents (keys or URLs) that resolved: their break-glass windows still in force end with this scan. */
  resolvedIncidents?: readonly string[];
  /** Alignments asked for by `/driftback align` (the dashboard's ticked "align all to" boxes are read too). */
  align?: readonly AlignAsk[];
  /**
   * Plan only these workspaces (the Action's `workspaces` input). The others are not scanned, as if their scan
   * failed: their dashboard rows and backport pull requests stay as they are, never closed for want of drift.
   */
  only?: readonly string[];
  signal?: AbortSignal;
}

export interface ScanReport {
  scans: WorkspaceScan[];
  items: DriftItem[];
  dashboard: { number: number; action: "created" | "updated" | "unchanged" } | undefined;
  /** What the backport step did; absent when it did not run. */
  backport?: BackportReport;
  /** The dashboard state's break-glass declarations after this scan (the scheduler rescans when a window ends). */
  breakGlass: BreakGlassDeclaration[];
}

/** Scans a repository's branch for drift, keeps its backport pull requests and its dashboard issue current. */
export async function scanRepository(deps: ScanDeps, target: ScanTarget, config: Config, options: ScanOptions = {}): Promise<ScanReport> {
  const started = (deps.now ?? Date.now)();
  deps = { ...deps, terraform: scopedTerraform(deps.terraform, { owner: target.owner, repo: target.repo, code: "reviewed" }) };
  const { signal } = options;
  const repoName = `${target.owner}/${target.repo}`;
  const today = deps.today();
  const masker = new Masker(config.mask);
  const backportOn = Boolean(deps.backport) && config.backport.enabled;
  // both read the plans back: backport for its revert excerpts, parity for what runs
  const keepPlans = backportOn || Boolean(deps.parity);
  // backport pull requests start from the branch they target: scan that one
  const branch = (backportOn ? config.backport.base : undefined) ?? target.defaultBranch;
  const items: DriftItem[] = [];
  const planJson = new Map<string, string>();
  let scans: WorkspaceScan[];

  const only = options.only;
  const planned: Config = only ? { ...config, workspaces: config.workspaces.filter((w) => only.includes(w.name)) } : config;

  // 1. Check out the branch; if that fails, every workspace failed for that reason.
  let checkout: Checkout | undefined;
  try {
    const fetch = () => deps.source.checkoutBranch(target.cloneUrl, branch, signal);
    checkout = await (deps.checkoutLimit ? deps.checkoutLimit(fetch) : fetch());
  } catch (error) {
    const reason = `could not fetch ${branch}: ${firstLine(masker.scrubText((error as Error).message))}`;
    scans = planned.workspaces.map((w) => ({ workspace: w.name, ok: false, error: reason }));
  }

  let existing: DashboardIssue | undefined;
  let state: DashboardState;
  let reopen: string[];
  let expected: Map<string, string>;
  let backport: BackportStepResult;
  let parity: ScanParity | undefined;
  try {
    // 2. Plan every workspace (a failure in one never stops the others) and classify its drift.
    if (checkout && deps.planWorkspaces) {
      const outcomes = await deps.planWorkspaces({ target, sha: checkout.sha, config: planned, planJson: keepPlans, ...(signal ? { signal } : {}) });
      scans = outcomes.map((scan, i) => {
        items.push(...scan.items);
        if (keepPlans && scan.planJson !== undefined) planJson.set(planned.workspaces[i]!.name, scan.planJson);
        return scan.result;
      });
    } else if (checkout) {
      const dir = checkout.dir;
      scans = await Promise.all(
        planned.workspaces.map((workspace) =>
          deps.planLimit(async () => {
            const scan = await scanWorkspace(deps, config, workspace, dir, masker, signal);
            items.push(...scan.items);
            if (keepPlans && scan.planJson !== undefined) planJson.set(workspace.name, scan.planJson);
            return scan.result;
          }),
        ),
      );
    }

    // 3. Read the dashboard (its state and any ticked "open again" box) and merge this scan into its state.
    const decoded = await readDashboardState(deps.host, target);
    existing = decoded.existing;
    if (decoded.problem && existing) deps.logger.warn({ repo: repoName, problem: decoded.problem }, "dashboard state rebuilt from this scan");
    // parity's first sightings ride along until this scan's parity step replaces them (kept when it cannot run)
    state = { ...mergeScan(decoded.state, scans!, today, new Date(started).toISOString()), ...(decoded.state.parity ? { parity: decoded.state.parity } : {}), breakGlass: endWindowsOf(recordBreakGlass(decoded.state.breakGlass, options.breakGlass ?? [], started), options.resolvedIncidents ?? [], started) };
    // drift first seen inside a break-glass window is expected: no backport pull request while it lasts
    expected = expectedDrift(decoded.state, state, scans!.filter((s) => s.ok).map((s) => s.workspace), started);
    reopen = [...new Set([...(options.reopen ?? []), ...reopenRequests(existing?.body)])];

    // 3b. Parity of the workspaces meant to be alike, before the backport step: a codify in one member names the others.
    const parityResult = checkout && deps.parity ? await readScanParity(deps.parity, deps.logger, { checkoutDir: checkout.dir, config, planJson, scans: scans!, items, state }) : undefined;

    // 4. Backport pull requests for the real drift, from the tree still on disk.
    backport = checkout
      ? await backportStep(deps.backport, deps.logger, { target, config, base: { branch, sha: checkout.sha, dir: checkout.dir }, items, scans: scans!, state, reopen, planJson, expected, now: started, ...(deps.incidentSources ? { incidentSources: deps.incidentSources(config, target) } : {}), ...(signal ? { signal } : {}), ...(deps.followUp ? { followUp: deps.followUp } : {}), ...(parityResult ? { parity: paritySiblings(parityResult) } : {}) })
      : { outcome: backportOn ? { kind: "stopped" } : { kind: "off" }, stopped: false };
    state = markExpected(withBackports(state, backport.outcome), expected);

    // 4b. Environment parity as shown: first sightings, and the incidents the backport step linked.
    if (parityResult) {
      parity = showScanParity(parityResult, { state, ...(backport.report ? { links: backport.report.incidents } : {}), today, masker });
      state = { ...state, parity: parity.firstSeen };
    }
    // 4c. Alignment pull requests asked for (command or ticked box), from the same checkout and plans.
    if (checkout) await alignStep(deps.align, deps.logger, { repo: target, config, base: { branch, sha: checkout.sha, dir: checkout.dir }, requests: options.align ?? [], boxes: alignBoxRequests(existing?.body), ...(parity ? { parity: parity.groups } : {}), planJson, terraform: deps.terraform, masker, ...(signal ? { signal } : {}) });
  } finally {
    await checkout?.cleanup();
  }

  // 5. Write the dashboard issue only when its body changes.
  // a reopen is done once its drift has a pull request (or is gone); until then its box stays ticked
  const reopenPending = new Set(reopen.filter((fingerprint) => ["ignored", "waiting", "failed"].includes(state.items[fingerprint]?.backport?.status ?? "")));
  const body = renderDashboard(
    state,
    {
      owner: target.owner,
      repo: target.repo,
      defaultBranch: branch,
      schedule: config.drift.schedule,
      workspaces: config.workspaces,
      today,
      breakGlass: { now: started, graceMs: durationToMs(config.incidents.break_glass_grace) },
      ...(backportOn ? { backport: { maxOpen: config.backport.max_open, reopenPending, stopped: backport.stopped } } : {}),
      ...(parity ? { parity: parity.groups } : {}),
    },
    deps.templates,
  );
  let dashboard: ScanReport["dashboard"];
  if (existing) {
    const changed = withoutDay(existing.body) !== withoutDay(body);
    if (changed) await deps.host.updateDashboard(target, existing.number, body);
    dashboard = { number: existing.number, action: changed ? "updated" : "unchanged" };
  } else if (Object.keys(state.items).length > 0 || state.breakGlass.length > 0) {
    dashboard = { number: await deps.host.createDashboard(target, DASHBOARD_TITLE, body, DASHBOARD_LABEL), action: "created" };
  }

  // 6. Metrics.
  for (const scan of scans!) {
    if (!scan.ok) {
      deps.metrics.scanFailed(repoName, scan.workspace);
      continue;
    }
    const tier = config.workspaces.find((w) => w.name === scan.workspace)?.tier ?? "dev";
    const counts = new Map<string, { class: string; severity: string; count: number }>();
    for (const item of items.filter((i) => i.workspace === scan.workspace)) {
      const severity = severityOf(tier, item.taxonomy);
      const key = `${item.class}|${severity}`;
      counts.set(key, { class: item.class, severity, count: (counts.get(key)?.count ?? 0) + 1 });
    }
    deps.metrics.driftItems(repoName, scan.workspace, [...counts.values()]);
  }
  if (parity) deps.metrics.parityDifferences?.(repoName, parity.counts);
  deps.metrics.scanFinished(repoName, ((deps.now ?? Date.now)() - started) / 1000);
  deps.logger.info({ repo: repoName, workspaces: scans!.map((s) => `${s.workspace}:${s.ok ? s.items.length : "failed"}`), dashboard }, "drift scan finished");
  return { scans: scans!, items, dashboard, breakGlass: state.breakGlass, ...(backport.report ? { backport: backport.report } : {}) };
}

/** Plans one workspace of a checkout and classifies its drift (the local path, and the plan queue's worker). */
export async function scanWorkspace(deps: Pick<ScanDeps, "terraform" | "metrics">, config: Config, workspace: WorkspaceConfig, root: string, masker: Masker, signal?: AbortSignal): Promise<WorkspaceOutcome> {
  const outcome = await deps.terraform.plan(planRequestFor(config, workspace, root, signal));
  deps.metrics.planRun("scan", outcome.ok ? "ok" : "failed");
  if (!outcome.ok) {
    const detail = lastErrorLine(masker.scrubText(stripAnsi(outcome.output)));
    return { result: { workspace: workspace.name, ok: false, error: `${outcome.message}${detail ? `: ${detail}` : ""}` }, items: [] };
  }
  let items: DriftItem[];
  try {
    items = withoutIgnored(classifyDrift(parsePlan(outcome.planJson), workspace.name), config.drift.ignore);
  } catch (error) {
    return { result: { workspace: workspace.name, ok: false, error: `the plan JSON is not usable: ${firstLine((error as Error).message)}` }, items: [] };
  }
  const tracked: ObservedItem[] = items
    .filter((i): i is DriftItem & { class: "actionable" | "deleted" } => i.class === "actionable" || i.class === "deleted")
    .map((i) => ({ fingerprint: fingerprintOf(i), workspace: i.workspace, address: i.address, path: i.pathText, class: i.class, taxonomy: i.taxonomy, severity: severityOf(workspace.tier, i.taxonomy), valueHash: valueHashOf({ after: i.after, sensitive: isSecretItem(i, masker) }) }));
  return {
    result: { workspace: workspace.name, ok: true, items: tracked, noise: items.filter((i) => i.class === "noise").length, unapplied: items.filter((i) => i.class === "unapplied").length },
    items,
    planJson: outcome.planJson,
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 300);
}

/** The footer's date alone never justifies a write. */
function withoutDay(body: string): string {
  return body.replace(/last change to this dashboard \d{4}-\d{2}-\d{2}/, "");
}
