import type { Config } from "../config/schema.js";
import type { BackportOutcome } from "../core/drift/backport-state.js";
import type { ParitySiblings } from "../core/parity/siblings.js";
import type { DriftItem } from "../core/drift/items.js";
import { fingerprintOf } from "../core/drift/track.js";
import type { BackportStatus, DashboardState, WorkspaceScan } from "../core/drift/state.js";
import { BackportHostError, type IncidentSource, type Logger, type ScanTarget } from "../ports.js";
import type { BackportInput, BackportReport, DriftBackportStatus } from "./backport-drift.js";
import { linkedFromReport, type IncidentFollowUpInput, type IncidentFollowUpReport } from "./incident-follow-up.js";

/** `backportDrift` with its ports bound (the scan service binds them per installation). */
export type RunBackports = (input: BackportInput) => Promise<BackportReport>;

/**
 * The follow-up on incidents (issue 9 §4) with its ports bound. `sources`: the ones the backport step correlated with,
 * so a scan builds them once; without them the binding builds the configured ones.
 */
export type RunIncidentFollowUp = (input: IncidentFollowUpInput & { config: Config; sources?: readonly IncidentSource[] }) => Promise<IncidentFollowUpReport>;

export interface BackportStepInput {
  target: ScanTarget;
  config: Config;
  /** The branch the scan planned and new backport branches start from, and its commit. */
  base: { branch: string; sha: string; dir: string };
  /** Every item the scan classified; only real drift goes on. */
  items: readonly DriftItem[];
  scans: readonly WorkspaceScan[];
  /** The dashboard state with this scan merged in: first-seen dates and remembered ignores. */
  state: DashboardState;
  reopen: readonly string[];
  /** Workspace -> the plan JSON this scan made, for revert pull requests' plan excerpts. */
  planJson: ReadonlyMap<string, string>;
  /** Fingerprint -> why it is expected (drift first seen inside a break-glass window): no pull request opens for it. */
  expected?: ReadonlyMap<string, string>;
  /** The configured incident sources: pull requests link the incident behind their drift (with break-glass declarations as exact evidence). */
  incidentSources?: readonly IncidentSource[];
  /** The scan's time (ms): the first sighting of new drift. */
  now?: number;
  signal?: AbortSignal;
  /** Runs after the step when `incidents:` configures a source: the follow-up on each linked incident. */
  followUp?: RunIncidentFollowUp;
  /** The scan's parity, for the bodies of codify pull requests in a parity group. */
  parity?: ParitySiblings;
}

export interface BackportStepResult {
  outcome: BackportOutcome;
  /** What the step did, for the scan's report and log; absent when it did not run or stopped. */
  report?: BackportReport;
  /** The step threw: the dashboard says the statuses shown are the last known ones. */
  stopped: boolean;
}

/**
 * The scan's backport step: hands the real drift of the workspaces planned successfully to
 * `backportDrift` and turns its report into dashboard statuses. Never throws: a failure here
 * must not cost the dashboard its update.
 */
export async function backportStep(run: RunBackports | undefined, logger: Logger, input: BackportStepInput): Promise<BackportStepResult> {
  if (!run || !input.config.backport.enabled) return { outcome: { kind: "off" }, stopped: false };
  const scanned = input.scans.filter((s) => s.ok).map((s) => s.workspace);
  if (scanned.length === 0) return { outcome: { kind: "stopped" }, stopped: false }; // nothing planned: nothing to reconcile against
  const repo = `${input.target.owner}/${input.target.repo}`;
  try {
    const report = await run({
      repo: { owner: input.target.owner, repo: input.target.repo },
      baseBranch: input.base.branch,
      baseSha: input.base.sha,
      checkoutDir: input.base.dir,
      config: input.config,
      items: input.items.filter((i) => (i.class === "actionable" || i.class === "deleted") && !input.expected?.has(fingerprintOf(i))),
      scanned,
      remembered: input.state.ignored,
      cleared: input.state.cleared,
      present: input.items.filter((i) => i.class === "actionable" || i.class === "deleted").map(fingerprintOf),
      reopen: input.reopen,
      firstSeen: new Map(Object.entries(input.state.items).map(([fingerprint, item]) => [fingerprint, item.firstSeen])),
      planExcerpts: input.planJson,
      ...(input.parity ? { parity: input.parity } : {}),
      ...incidentsOf(input),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const drift = Object.fromEntries(Object.entries(report.drift).map(([fingerprint, status]) => [fingerprint, dashboardStatus(status)]));
    logger.info({ repo, writes: report.writes, operations: report.operations.map((o) => `${o.kind} ${o.key}${o.pr ? ` #${o.pr}` : ""}${o.error ? " (failed)" : ""}`) }, "backport pull requests reconciled");
    await followUpStep(input, report, logger);
    return { outcome: { kind: "ran", scanned, drift, ignored: report.ignored, ...(report.cleared ? { cleared: report.cleared } : {}) }, report, stopped: false };
  } catch (error) {
    logger.error({ repo, reason: readableReason(error) }, "backport step stopped; the next scan tries again");
    return { outcome: { kind: "stopped" }, stopped: true };
  }
}

/**
 * After the backport step, the follow-up on every incident its pull requests link, from the list the step already
 * read (BackportReport.incidents: no second request). Only when `incidents:` configures a source; never throws.
 */
async function followUpStep(input: BackportStepInput, report: BackportReport, logger: Logger): Promise<void> {
  const { incidents } = input.config;
  if (!input.followUp || !(incidents.github || incidents.pagerduty || incidents.jira || incidents.incident_io)) return;
  const repo = { owner: input.target.owner, repo: input.target.repo };
  try {
    const pullRequests = linkedFromReport(repo, report.incidents ?? [], pullUrlOf(input.target));
    await input.followUp({ repo, config: input.config, pullRequests, ...(input.incidentSources ? { sources: input.incidentSources } : {}) });
  } catch (error) {
    logger.error({ repo: `${repo.owner}/${repo.repo}`, reason: readableReason(error) }, "incident follow-up stopped; the next scan tries again");
  }
}

/** A pull request's web address, from the repository's clone URL (github.com and GitHub Enterprise alike). */
function pullUrlOf(target: ScanTarget): (number: number) => string {
  const web = /^https:\/\/[^/\s@]+\/[^/\s]+\/[^/\s]+$/.test(target.cloneUrl) ? target.cloneUrl.replace(/\.git$/, "") : `https://github.com/${target.owner}/${target.repo}`;
  return (number) => `${web}/pull/${number}`;
}

/**
 * Incident correlation for backportDrift: the sources, the config's options with the dashboard's break-glass
 * declarations (exact evidence, even for an incident no source lists), and each workspace's last clean scan.
 */
function incidentsOf(input: BackportStepInput): Pick<BackportInput, "incidents"> {
  const sources = input.incidentSources ?? [];
  if ((sources.length === 0 && input.state.breakGlass.length === 0) || input.now === undefined) return {};
  const { tag_keys, services, threshold } = input.config.incidents;
  const lastClean = new Map(Object.entries(input.state.workspaces).flatMap(([workspace, status]) => (status.lastCleanAt ? [[workspace, status.lastCleanAt] as const] : [])));
  return { incidents: { sources, options: { tagKeys: tag_keys, services, threshold, breakGlass: input.state.breakGlass }, lastClean, now: new Date(input.now).toISOString() } };
}

/** The dashboard keeps no URLs: `#12` links itself in an issue body. */
function dashboardStatus(status: DriftBackportStatus): BackportStatus {
  switch (status.status) {
    case "open":
    case "merged":
      return { status: status.status, pr: status.pr, action: status.action };
    case "ignored":
      return { status: "ignored", pr: status.pr };
    case "failed":
      return { status: "failed", reason: status.reason, ...(status.pr !== undefined ? { pr: status.pr } : {}) };
    case "waiting":
    case "none":
      return { status: status.status, reason: status.reason };
  }
}

/** One line fit for a log: a host error's reason (never its cause, which may hold file contents), else the first line of the message. */
function readableReason(error: unknown): string {
  if (error instanceof BackportHostError) return error.reason;
  if (error instanceof Error) return `${error.name}: ${error.message.split("\n")[0]!.slice(0, 300)}`;
  return "a non-error value was thrown";
}
