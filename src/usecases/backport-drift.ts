import type { LimitFunction } from "p-limit";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { Config } from "../config/schema.js";
import {
  activeIgnores,
  clearedMarkers,
  clearedMerges,
  isWrite,
  planBackports,
  reconcileBackports,
  renderBackportClosed,
  renderHumanPush,
  splitIgnored,
  switchedActions,
  type BackportPlan,
  type ClearedMerge,
  type IgnoredDrift,
  type Operation,
  type PlanIncident,
} from "../core/backport/index.js";
import { withMarker } from "../core/backport/command.js";
import { MAX_DRIFT_PER_PULL_REQUEST } from "../core/backport/plan.js";
import type { DriftItem } from "../core/drift/items.js";
import { fingerprintOf } from "../core/drift/track.js";
import { compileRules, decideAction } from "../core/policy/index.js";
import { Masker } from "../core/render/mask.js";
import { BackportHostError, type BackportHost, type BackportPullRequest, type Logger, type RepoRef, type TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import { readExistingPullRequests, type ExistingState } from "./backport-existing.js";
import type { BuiltBackport } from "./backport-files.js";
import { linkedPullRequests, lookUpIncidents, planIncidents, type IncidentsInput, type LinkedPullRequest } from "./backport-incidents.js";
import { needsBody, prepareBackports } from "./backport-prepare.js";
import { closeBackport, fixLabels, openBackport, refreshBackport, regenerateBackport, updateBackport, WriteRefused, type WriteContext } from "./backport-write.js";
import { scopedTerraform } from "./plan-request.js";
import type { ParitySiblings } from "../core/parity/siblings.js";

export interface BackportDeps {
  host: BackportHost;
  /** Verification plans only. */
  terraform: TerraformRunner;
  toolchain: HclToolchain;
  loadParser: () => Promise<HclParser>;
  templates: Templates;
  logger: Logger;
  /** `<app-slug>[bot]`: pull requests closed by this login were closed by driftback. */
  botLogin: string;
  /** Shares the scan's plan concurrency. */
  planLimit?: LimitFunction;
  /** Where verification copies of the tree go (default the OS temp dir). */
  scratchDir?: string;
  now?: () => number;
}

export interface BackportInput {
  repo: RepoRef;
  /** config.backport.base, or the repository's default branch. */
  baseBranch: string;
  /** The commit the scan planned; new branches start here. */
  baseSha: string;
  /** That commit's tree on disk: read-only (verification works on a copy). */
  checkoutDir: string;
  config: Config;
  /** classifyDrift output (after withoutIgnored) of the workspaces in `scanned`. */
  items: readonly DriftItem[];
  /** Workspaces planned successfully this scan (others' pull requests are left alone). */
  scanned: readonly string[];
  /** The dashboard state's remembered ignores. */
  remembered: readonly IgnoredDrift[];
  /** The dashboard state's cleared merges: merged pull requests whose drift a later scan found gone. */
  cleared?: readonly ClearedMerge[];
  /**
   * Fingerprints of every real drift the scan found in `scanned`, also drift left out of `items`
   * (expected inside a break-glass window): only drift absent from this clears a merge. Default: `items`.
   */
  present?: readonly string[];
  /** Fingerprints whose "open again" checkbox a person ticked on the dashboard. */
  reopen: readonly string[];
  /** Fingerprint -> YYYY-MM-DD (dashboard state). */
  firstSeen: ReadonlyMap<string, string>;
  /** Workspace -> the scan's plan JSON, for revert pull requests' plan excerpts. */
  planExcerpts?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
  /** Set when the caller, not the config, turned verification off (a CLI dry run without --verify): the body says so. */
  unverifiedBy?: "dry-run";
  /** The scan's parity (issue 16 §6): a codify of drift in one member of a group says the others keep their value. */
  parity?: ParitySiblings;
  /** Incident correlation (issue 9): without it, pull requests keep the incident their marker pins and look for none. */
  incidents?: BackportIncidentsInput;
}

/** Incident sources, correlation options, last clean scans and the scan's time (see lookUpIncidents). */
export type BackportIncidentsInput = IncidentsInput;

/** A pull request carrying an incident this scan saw (for the follow-up on that incident). */
export type BackportIncidentLink = LinkedPullRequest;

export type DriftBackportStatus =
  | { status: "open"; pr: number; url: string; action: "codify" | "revert" }
  /** Merged; waiting for apply or the next scan. */
  | { status: "merged"; pr: number; url: string; action: "codify" | "revert" }
  /** A person closed it unmerged. */
  | { status: "ignored"; pr: number; url?: string }
  /** Over backport.max_open. */
  | { status: "waiting"; reason: string }
  /** A host or verification error; retried on the next scan. */
  | { status: "failed"; reason: string; pr?: number; url?: string }
  /** A rule says ignore, or backport is disabled. */
  | { status: "none"; reason: string };

export interface BackportReport {
  /** Per fingerprint, for the dashboard. */
  drift: Record<string, DriftBackportStatus>;
  /** To remember in the dashboard state. */
  ignored: IgnoredDrift[];
  /** The cleared merges to remember in the dashboard state (replacing the ones given); absent when the step could not read the pull requests. */
  cleared?: ClearedMerge[];
  /** GitHub write calls made. */
  writes: number;
  operations: { kind: string; key: string; pr?: number; error?: string }[];
  /** Every pull request carrying an incident this scan saw. */
  incidents: BackportIncidentLink[];
  /** Per branch this scan wanted: its incident section (linked incident with evidence, runners-up), for the CLI's output. */
  incidentSections?: Record<string, PlanIncident>;
}

/**
 * Backport pull requests for a scan's real drift: decides each drift's action, leaves out what
 * people ignored, groups the rest into pull requests, compares that with what GitHub has, and
 * carries out each operation, every write safe to repeat. A GitHub error on one pull request
 * leaves a readable reason on its drift and never stops the others; nothing throws but a bug.
 */
export async function backportDrift(deps: BackportDeps, input: BackportInput): Promise<BackportReport> {
  const { config } = input;
  deps = { ...deps, terraform: scopedTerraform(deps.terraform, { owner: input.repo.owner, repo: input.repo.repo, code: "reviewed" }) };
  const masker = new Masker(config.mask);
  const counted = countWrites(deps.host);
  const report: BackportReport = { drift: {}, ignored: [], writes: 0, operations: [], incidents: [] };
  const real = input.items.filter((i) => i.class === "actionable" || i.class === "deleted");
  const setAll = (items: readonly DriftItem[], status: DriftBackportStatus) => items.forEach((i) => (report.drift[fingerprintOf(i)] = status));
  const done = () => ({ ...report, writes: counted.writes() });

  // 1. Backport turned off: nothing is read or written.
  if (!config.backport.enabled) {
    setAll(real, { status: "none", reason: "backport.enabled is false in the config" });
    return done();
  }

  // 2. What GitHub has: driftback's pull requests, and how each open one's branch stands.
  let state: ExistingState;
  try {
    state = await readExistingPullRequests(counted.host, input.repo, { baseBranch: input.baseBranch, baseSha: input.baseSha, botLogin: deps.botLogin });
  } catch (error) {
    if (!(error instanceof BackportHostError)) throw error;
    setAll(real, { status: "failed", reason: masker.scrubText(error.reason) });
    deps.logger.warn({ repo: repoName(input.repo), reason: masker.scrubText(error.reason) }, "could not read driftback's pull requests");
    return done();
  }
  for (const pr of state.existing.filter((p) => p.seal === "forged")) {
    deps.logger.warn({ repo: repoName(input.repo), pr: pr.number, seal: "forged" }, "a backport pull request's marker has a seal no state key makes (forged or edited): it is ignored, and the body is written again");
  }
  const prByNumber = new Map(state.pullRequests.map((pr) => [pr.number, pr]));

  // 3. Decide each drift's action (a person's /driftback switch wins over the rules).
  const rules = compileRules(config.backport.rules);
  const switched = switchedActions(state.existing);
  const decided = real.map((item) => {
    const tier = config.workspaces.find((w) => w.name === item.workspace)?.tier ?? "dev";
    const override = switched.get(fingerprintOf(item));
    return { item, decision: decideAction(item, { rules, tier, masker, ...(override ? { override } : {}) }) };
  });
  for (const { item, decision } of decided) if (decision.action === "ignore") report.drift[fingerprintOf(item)] = { status: "none", reason: masker.scrubText(decision.why) };

  // 4. Drift a person ignored stays out until its live value changes.
  const reopen = new Set(input.reopen);
  const { active, ignored } = splitIgnored(decided, activeIgnores(state.existing, input.remembered, reopen), masker);
  for (const entry of ignored) {
    const url = prByNumber.get(entry.by.pr)?.url;
    report.drift[fingerprintOf(entry.item)] = { status: "ignored", pr: entry.by.pr, ...(url ? { url } : {}) };
    report.ignored.push(entry.by);
  }

  // 5. The incident behind each drift, before planning (`group_by: incident` groups by it): every source once per scan.
  const pinned = state.existing.flatMap((pr) => (pr.state === "open" && pr.marker?.incident?.pinned ? [pr.marker.incident] : []));
  const lookup = await lookUpIncidents(input.incidents, active.filter((d) => d.decision.action !== "ignore").map((d) => d.item), { masker, logger: deps.logger, firstSeen: input.firstSeen }, { pinned });
  const incidents = planIncidents(lookup, state.existing);

  // 6. The pull requests this scan wants.
  const plans = planBackports(active, { config, masker, templates: deps.templates, firstSeen: (fingerprint) => input.firstSeen.get(fingerprint), incidents });
  for (const plan of plans) for (const item of plan.overflow) report.drift[item.fingerprint] = { status: "waiting", reason: OVERFLOW_REASON };

  // 7. What GitHub must do to match (pull requests whose branch could not be compared sit this scan out); a merge
  // whose drift this or an earlier successful scan found gone is done with: drift that comes back gets a new pull request.
  const drifting = new Set(real.map(fingerprintOf));
  const scanned = new Set(input.scanned);
  report.cleared = clearedMerges(state.existing, input.cleared ?? [], { scanned, drifting: new Set([...drifting, ...(input.present ?? [])]) });
  const operations = reconcileBackports(plans, state.existing, [], {
    scanned,
    configured: new Set(config.workspaces.map((w) => w.name)),
    drifting,
    reopen,
    cleared: new Map(report.cleared.map((c) => [c.fingerprint, c.pr])),
    maxOpen: config.backport.max_open,
    labels: config.backport.labels,
  });

  // 8. Codify, verify (one plan per workspace), settle and render what will be written.
  const existingOf = (op: { pr?: number }) => (op.pr !== undefined ? prByNumber.get(op.pr) : undefined);
  const toBuild = operations.filter(needsBody).filter((op) => !isUnreadable(op, state));
  const prepared = await prepareBackports(
    { terraform: deps.terraform, toolchain: deps.toolchain, loadParser: deps.loadParser, logger: deps.logger, masker, ...(deps.planLimit ? { planLimit: deps.planLimit } : {}), ...(deps.scratchDir ? { scratchDir: deps.scratchDir } : {}) },
    { config, masker, templates: deps.templates, ...(input.unverifiedBy ? { unverifiedBy: input.unverifiedBy } : {}), ...(input.parity ? { parity: input.parity } : {}) },
    toBuild,
    {
      checkoutDir: input.checkoutDir,
      workspaces: config.workspaces,
      ...(input.planExcerpts ? { planExcerpts: input.planExcerpts } : {}),
      existingOf: (op) => {
        const pr = existingOf(op as { pr?: number });
        return pr ? { number: pr.number, marker: state.existing.find((e) => e.number === pr.number)?.marker } : undefined;
      },
      ...(input.signal ? { signal: input.signal } : {}),
    },
  );

  // 9. Carry out each operation; one that fails leaves its reason and the next one goes on.
  const ctx: WriteContext = {
    host: counted.host,
    repo: input.repo,
    baseBranch: input.baseBranch,
    baseSha: input.baseSha,
    checkoutDir: input.checkoutDir,
    draft: config.backport.draft,
    reviewers: config.backport.reviewers,
    teamReviewers: config.backport.team_reviewers,
    logger: deps.logger,
  };
  let stopped: string | undefined;
  for (const op of operations) {
    const pr = existingOf(op as { pr?: number });
    const entry: BackportReport["operations"][number] = { kind: op.kind, key: masker.scrubText(op.key), ...(pr ? { pr: pr.number } : {}) };
    report.operations.push(entry);
    const unreadable = pr ? state.unreadable.get(pr.number) : undefined;
    const built = prepared.get(op.key);
    const failure = unreadable ?? (built && "failed" in built ? built.failed : undefined) ?? (isWrite(op) ? (stopped ?? (input.signal?.aborted ? CANCELLED : undefined)) : undefined);
    if (failure !== undefined) {
      entry.error = failure;
      if ("plan" in op) setPlan(report, op.plan, { status: "failed", reason: failure, ...prRef(pr) });
      else if (unreadable !== undefined && pr) {
        // a pull request left alone this scan: its drift still needs a word on the dashboard
        const carried = state.existing.find((e) => e.number === pr.number)?.marker?.items ?? [];
        for (const { fingerprint } of carried) if (drifting.has(fingerprint)) report.drift[fingerprint] = { status: "failed", reason: failure, ...prRef(pr) };
      }
      continue;
    }
    try {
      const result = await carryOut(op, built as BuiltBackport | undefined, pr, state, { ctx, masker, templates: deps.templates });
      if (result) entry.pr = result.number;
      recordStatus(report, op, pr, result, state, built as BuiltBackport | undefined);
      if (isWrite(op)) deps.logger.info({ repo: repoName(input.repo), operation: op.kind, key: entry.key, ...(entry.pr ? { pr: entry.pr } : {}) }, "backport pull request written");
    } catch (error) {
      if (!(error instanceof BackportHostError) && !(error instanceof WriteRefused)) throw error;
      const reason = masker.scrubText(error instanceof BackportHostError ? error.reason : error.message);
      entry.error = reason;
      if (error instanceof BackportHostError && error.kind === "rate-limited") stopped = reason;
      if ("plan" in op) setPlan(report, op.plan, { status: "failed", reason, ...prRef(pr) });
      deps.logger.warn({ repo: repoName(input.repo), operation: op.kind, key: entry.key, reason }, "backport operation failed; retried on the next scan");
    }
  }

  // 10. Merged pull requests whose drift is gone say so in their marker too (one write each, once): a run without a dashboard remembers it.
  for (const { pr, marker } of clearedMarkers(state.existing, report.cleared)) {
    const pull = prByNumber.get(pr);
    const body = pull ? withMarker(pull.body, marker) : undefined;
    if (body === undefined || stopped !== undefined || input.signal?.aborted) continue;
    try {
      await counted.host.updatePullRequest(input.repo, pr, { body });
    } catch (error) {
      if (!(error instanceof BackportHostError)) throw error;
      if (error.kind === "rate-limited") stopped = error.reason;
      deps.logger.warn({ repo: repoName(input.repo), pr, reason: masker.scrubText(error.reason) }, "could not record a merged pull request's drift as gone; the dashboard still does, the next scan tries again");
    }
  }

  // 11. The pull requests carrying an incident, for the follow-up on each incident.
  report.incidents = linkedPullRequests(plans, report, state.existing, lookup);
  if (input.incidents) report.incidentSections = Object.fromEntries(plans.flatMap((plan) => (plan.incident ? [[plan.branch, plan.incident]] : [])));
  return done();
}

const OVERFLOW_REASON = `one pull request carries at most ${MAX_DRIFT_PER_PULL_REQUEST} drifted attributes; this one waits for a later pull request`;
const CANCELLED = "the scan was cancelled before this pull request was written; retried on the next scan";

interface CarryContext {
  ctx: WriteContext;
  masker: Masker;
  templates: Templates;
}

/** One operation against GitHub, in the order that survives a crash between any two writes. */
async function carryOut(op: Operation, built: BuiltBackport | undefined, pr: BackportPullRequest | undefined, state: ExistingState, c: CarryContext): Promise<{ number: number; url: string } | undefined> {
  const need = () => built ?? bug(op);
  const open = () => pr ?? bug(op);
  switch (op.kind) {
    case "open":
    case "resume":
      return openBackport(c.ctx, op.plan.branch, need());
    case "update":
      await updateBackport(c.ctx, open(), state.comparisons.get(op.pr), need());
      return undefined;
    case "regenerate":
      await regenerateBackport(c.ctx, open(), need());
      return undefined;
    case "refresh-body":
      await refreshBackport(c.ctx, open(), need());
      return undefined;
    case "comment-human-push":
      // the comment first, then the body whose marker says it was made: a crash in between comments again at most once
      await c.ctx.host.comment(c.ctx.repo, op.pr, renderHumanPush(op, { masker: c.masker, templates: c.templates }));
      await refreshBackport(c.ctx, open(), need());
      return undefined;
    case "label-fix":
      await fixLabels(c.ctx, op.pr, op.add, op.remove);
      return undefined;
    case "close":
      await closeBackport(c.ctx, op.pr, renderBackportClosed(op, c.templates), op.deleteBranch ? op.branch : undefined);
      return undefined;
    case "delete-branch":
      await c.ctx.host.deleteBranch(c.ctx.repo, op.branch);
      return undefined;
    case "branch-blocked":
      throw new WriteRefused(`the branch ${op.branch} has commits by someone else and no open pull request; delete or merge it so driftback can use it`);
    case "leave-alone":
    case "wait-max-open":
      return undefined;
  }
}

/** The dashboard status of each drift an operation concerns, once it went through. */
function recordStatus(report: BackportReport, op: Operation, pr: BackportPullRequest | undefined, result: { number: number; url: string } | undefined, state: ExistingState, built: BuiltBackport | undefined): void {
  const settledOf = (number: number) => new Map(state.existing.find((e) => e.number === number)?.marker?.items.map((i) => [i.fingerprint, i.settled]));
  switch (op.kind) {
    case "open":
    case "resume":
    case "update":
    case "regenerate":
    case "refresh-body":
    case "comment-human-push": {
      const number = result?.number ?? pr!.number;
      const url = result?.url ?? pr!.url;
      for (const item of built?.settled.items ?? []) report.drift[item.fingerprint] = { status: "open", pr: number, url, action: item.action };
      return;
    }
    case "wait-max-open":
      setPlan(report, op.plan, { status: "waiting", reason: `more than backport.max_open pull requests are open; this one waits for one to close` });
      return;
    case "leave-alone": {
      if (!pr) return;
      const settled = settledOf(pr.number);
      if (op.reason === "up-to-date" || op.reason === "merged") {
        for (const [fingerprint, action] of settled) report.drift[fingerprint] = { status: op.reason === "merged" ? "merged" : "open", pr: pr.number, url: pr.url, action };
      } else if (op.reason === "ignored") for (const fingerprint of settled.keys()) report.drift[fingerprint] = { status: "ignored", pr: pr.number, url: pr.url };
      return;
    }
    default:
      return;
  }
}

function setPlan(report: BackportReport, plan: BackportPlan, status: DriftBackportStatus): void {
  for (const item of plan.items) report.drift[item.fingerprint] = status;
}

function prRef(pr: BackportPullRequest | undefined): { pr?: number; url?: string } {
  return pr ? { pr: pr.number, url: pr.url } : {};
}

function isUnreadable(op: Operation, state: ExistingState): boolean {
  return "pr" in op && op.pr !== undefined && state.unreadable.has(op.pr);
}

function bug(op: Operation): never {
  throw new Error(`backportDrift: operation ${op.kind} ${op.key} has nothing to work with`);
}

function repoName(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}

const WRITES = ["createBranch", "resetBranch", "deleteBranch", "commitFiles", "openPullRequest", "updatePullRequest", "addLabels", "removeLabel", "requestReviewers", "comment", "closePullRequest"] as const;

/** The host with a count of write calls made (each one a GitHub request, whether it succeeded or not). */
function countWrites(host: BackportHost): { host: BackportHost; writes: () => number } {
  let writes = 0;
  const counted = Object.create(host) as BackportHost;
  for (const name of WRITES) {
    const method = host[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method !== "function") continue;
    (counted as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      writes++;
      return method.apply(host, args);
    };
  }
  return { host: counted, writes: () => writes };
}
