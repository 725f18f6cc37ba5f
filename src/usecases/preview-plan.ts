import pLimit from "p-limit";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import { planRequestFor, scopedTerraform } from "./plan-request.js";
import type { ConfigResult } from "../config/validate.js";
import { loadHclParser } from "../adapters/hcl/parser.js";
import type { ParityLinesView } from "../core/parity/pr-line.js";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { PREVIEW_MARKER, renderCheckOutput, renderComment, CHECK_FIELD_LIMIT } from "../core/render/preview.js";
import type { WorkspaceResult } from "../core/render/workspace-result.js";
import { affectedWorkspaces, couldAffectTerraform, type WorkspaceFootprint } from "../core/workspaces/affected.js";
import type { Checkout, CheckRunHandle, GitHost, Logger, PullRequestInfo, SourceFetcher, TerraformRunner } from "../ports.js";
import type { DriftMetrics } from "../adapters/metrics.js";
import type { Templates } from "../templates.js";
import { previewParity } from "./preview-parity.js";

export const CONFIG_CHECK_NAME = "driftback: config";
export const checkName = (workspace: string) => `driftback: ${workspace}`;

export interface PreviewDeps {
  github: GitHost;
  /** `checkoutCommit` (GitCheckout has it) fetches the base for the comment's parity lines; without it there are none. */
  source: SourceFetcher & { checkoutCommit?(cloneUrl: string, sha: string, signal?: AbortSignal): Promise<Checkout> };
  terraform: TerraformRunner;
  templates: Templates;
  logger: Logger;
  metrics?: Pick<DriftMetrics, "planRun">;
  /** Repo-relative dirs of the local modules a workspace calls, read from the checkout. */
  moduleDirs: (checkoutDir: string, workspaceDir: string) => Promise<string[]>;
  /** "never": fork code is not planned even on a writer's command (the Action's default); the comment says so. */
  forkPlans?: "on-approval" | "never";
}

export interface PreviewRequest {
  pr: PullRequestInfo;
  config: ConfigResult;
  /** "command": a `/driftback plan` from a user with write access, which also approves a fork once. */
  trigger: "event" | "command";
  /** Aborted when a newer commit supersedes this one. */
  signal?: AbortSignal;
  /**
   * Workspaces planned whatever files changed: a backport pull request's marker names its workspace,
   * and a revert changes only its drift record, which maps to no workspace.
   */
  workspaces?: readonly string[];
}

export type PreviewOutcome =
  | { status: "config-error" }
  | { status: "skipped"; reason: string }
  | { status: "fork-not-planned"; workspaces: string[] }
  | { status: "superseded" }
  | { status: "planned"; results: WorkspaceResult[]; commentUrl?: string };

/** Plans the workspaces a pull request touches and keeps its comment and check runs current. */
export async function previewPlan(deps: PreviewDeps, request: PreviewRequest): Promise<PreviewOutcome> {
  const { pr } = request;
  // a pull request's code: providers it installs land in its repository's own cache, never one reviewed code runs from
  deps = { ...deps, terraform: scopedTerraform(deps.terraform, { owner: pr.owner, repo: pr.repo, code: "pull-request" }) };
  // 1. A broken config is the only thing reported: one failing check run that says how to fix it.
  if (!request.config.ok) {
    await reportConfigError(deps, pr, request.config);
    return { status: "config-error" };
  }
  const config = request.config.config;
  if (pr.draft && !config.plan.drafts && request.trigger === "event") return { status: "skipped", reason: "draft pull request" };

  // 2. Which files changed; stop early when none could matter to terraform.
  //    GitHub lists at most 3,000 files: a longer pull request may touch any workspace, so every one is planned.
  const listed = await deps.github.listChangedFiles(pr);
  const changedFiles = listed.files;
  if (!listed.complete) deps.logger.warn({ pr: pr.number, listed: changedFiles.length }, "GitHub listed only part of the pull request's files: every configured workspace is planned");
  const named = listed.complete ? config.workspaces.filter((w) => request.workspaces?.includes(w.name)) : config.workspaces;
  if (named.length === 0 && !changedFiles.some((file) => couldAffectTerraform(file, config.workspaces))) return nothingToPlan(deps, pr, config, "no terraform files changed");

  // 3. Fork code is untrusted: say so, plan nothing, unless a maintainer asked (never where the operator forbids it,
  //    whatever the repository's config says: the Action's default).
  if (pr.isFork && (deps.forkPlans === "never" || (config.plan.forks === "comment-only" && request.trigger !== "command"))) {
    return reportForkNotPlanned(deps, pr, config, listed.complete ? changedFiles : []);
  }

  // 4. Check out the head; a newer push makes this run moot.
  let checkout: Checkout;
  try {
    checkout = await deps.source.checkoutPullRequest(pr, request.signal);
  } catch (error) {
    if (request.signal?.aborted) return { status: "superseded" };
    return reportCheckoutFailure(deps, pr, config, listed.complete ? changedFiles : [], error);
  }
  let parity: Promise<ParityLinesView | undefined> | undefined;
  try {
    if (checkout.sha !== pr.headSha) return { status: "superseded" };
    const footprints = await footprintsOf(deps, checkout.dir, config.workspaces);
    const touched = affectedWorkspaces(changedFiles, footprints);
    const affected = [...touched, ...named.filter((w) => !touched.includes(w))];
    if (affected.length === 0) return nothingToPlan(deps, pr, config, "no configured workspace is touched");
    // issue 16 §5: read while terraform plans; never rejects, and is awaited before the checkout goes
    parity = parityLinesFor(deps, config, pr, checkout.dir, affected, request.signal);

    // 5. One in-progress check run per workspace, then plan with bounded parallelism.
    const checks = new Map<string, CheckRunHandle>();
    for (const workspace of affected) {
      checks.set(workspace.name, await deps.github.startCheckRun(pr, pr.headSha, checkName(workspace.name), { title: "Planning…", summary: deps.templates.status.planning({ dir: workspace.dir, shortSha: pr.headSha.slice(0, 7) }) }));
    }
    const limit = pLimit(config.parallelism);
    let results: WorkspaceResult[];
    try {
      results = await Promise.all(affected.map((workspace) => limit(() => planWorkspace(deps, config, workspace, checkout.dir, request.signal))));
    } catch (error) {
      // never leave a check run spinning: say what broke, then let the caller log it
      for (const handle of checks.values()) {
        await deps.github.completeCheckRun(pr, handle, "failure", { title: "driftback failed", summary: deps.templates.status.internalError({ message: (error as Error).message }) });
      }
      throw error;
    }

    // 6. Drop results for a commit that is no longer the head.
    if (request.signal?.aborted || (await deps.github.getPullRequest(pr, pr.number)).headSha !== pr.headSha) {
      for (const handle of checks.values()) {
        await deps.github.completeCheckRun(pr, handle, "neutral", { title: "Superseded", summary: deps.templates.status.superseded({}) });
      }
      return { status: "superseded" };
    }

    // 7. The sticky comment, then each check run with its own plan.
    const masker = new Masker(config.mask);
    const ctx = { masker, templates: deps.templates };
    const lines = await parity;
    const commentUrl = await deps.github.upsertComment(pr, PREVIEW_MARKER, renderComment({ results, headSha: pr.headSha, ...(lines ? { parity: lines } : {}) }, ctx));
    for (const result of results) {
      const output = renderCheckOutput(result, ctx, commentUrl);
      await deps.github.completeCheckRun(pr, checks.get(result.name)!, output.conclusion, { title: output.title, summary: output.summary, text: output.text });
    }
    deps.logger.info({ pr: pr.number, sha: pr.headSha, workspaces: results.map((r) => `${r.name}:${r.kind}`) }, "plan preview posted");
    return { status: "planned", results, commentUrl };
  } finally {
    await parity;
    await checkout.cleanup();
  }
}

/**
 * The parity lines of the comment: what the pull request makes differ between members of a group, against its
 * base commit. Needs the base's SHA on the pull request's info (`baseSha`, from the webhook's `base.sha`).
 */
function parityLinesFor(deps: PreviewDeps, config: Config, pr: PullRequestInfo, headDir: string, affected: readonly WorkspaceConfig[], signal?: AbortSignal): Promise<ParityLinesView | undefined> {
  const baseSha = pr.baseSha;
  const source = deps.source;
  if (!baseSha || !source.checkoutCommit) return Promise.resolve(undefined);
  return previewParity(
    { loadParser: loadHclParser, checkoutCommit: (cloneUrl, sha, abort) => source.checkoutCommit!(cloneUrl, sha, abort), logger: deps.logger },
    { config, headDir, cloneUrl: pr.cloneUrl, baseSha, touched: affected.map((w) => w.name), masker: new Masker(config.mask), pr: pr.number, ...(signal ? { signal } : {}) },
  );
}

/** An earlier comment would now describe an old commit: say this one has nothing to plan. */
async function nothingToPlan(deps: PreviewDeps, pr: PullRequestInfo, config: Config, reason: string): Promise<PreviewOutcome> {
  const body = renderComment({ results: [], headSha: pr.headSha }, { masker: new Masker(config.mask), templates: deps.templates });
  await deps.github.upsertComment(pr, PREVIEW_MARKER, body, { onlyIfExists: true });
  return { status: "skipped", reason };
}

async function footprintsOf(deps: PreviewDeps, checkoutDir: string, workspaces: readonly WorkspaceConfig[]): Promise<WorkspaceFootprint[]> {
  const byDir = new Map<string, Promise<string[]>>();
  return Promise.all(
    workspaces.map(async (workspace) => {
      if (!byDir.has(workspace.dir)) byDir.set(workspace.dir, deps.moduleDirs(checkoutDir, workspace.dir));
      return { workspace, moduleDirs: await byDir.get(workspace.dir)! };
    }),
  );
}

async function planWorkspace(deps: PreviewDeps, config: Config, workspace: WorkspaceConfig, checkoutDir: string, signal?: AbortSignal): Promise<WorkspaceResult> {
  const identity = identityOf(config, workspace);
  const outcome = await deps.terraform.plan(planRequestFor(config, workspace, checkoutDir, signal));
  deps.metrics?.planRun("preview", outcome.ok ? "ok" : "failed");
  if (!outcome.ok) {
    const model = outcome.planJson ? tryParse(outcome.planJson) : undefined;
    return { ...identity, kind: "failed", stage: outcome.stage, message: outcome.message, output: outcome.output, timedOut: outcome.timedOut, model };
  }
  try {
    const model = parsePlan(outcome.planJson);
    return { ...identity, kind: "planned", model, tool: model.terraformVersion ? `${config.binary} ${model.terraformVersion}` : config.binary };
  } catch (error) {
    return { ...identity, kind: "failed", stage: "parse", message: `\`${config.binary} show -json\` printed something driftback cannot read: ${(error as Error).message}`, output: "", timedOut: false };
  }
}

function tryParse(json: string) {
  try {
    return parsePlan(json);
  } catch {
    return undefined;
  }
}

async function reportConfigError(deps: PreviewDeps, pr: PullRequestInfo, config: Extract<ConfigResult, { ok: false }>): Promise<void> {
  const summary = deps.templates.configError({ source: config.source, issues: config.issues });
  const handle = await deps.github.startCheckRun(pr, pr.headSha, CONFIG_CHECK_NAME, { title: "Checking configuration…", summary: "…" });
  await deps.github.completeCheckRun(pr, handle, "failure", {
    title: `${config.source} is invalid`,
    summary: summary.length <= CHECK_FIELD_LIMIT ? summary : `${config.source} has ${config.issues.length} problems; the first is at \`${config.issues[0]?.path}\`: ${config.issues[0]?.message}`,
  });
  deps.logger.warn({ pr: pr.number, source: config.source, issues: config.issues.length }, "invalid driftback config");
}

async function reportForkNotPlanned(deps: PreviewDeps, pr: PullRequestInfo, config: Config, changedFiles: string[]): Promise<PreviewOutcome> {
  const workspaces = coarselyAffected(config, changedFiles);
  await postResults(deps, pr, config, workspaces.map((w) => ({ kind: "not-planned", ...identityOf(config, w), reason: deps.templates.status.forkNotPlanned({ forksOff: deps.forkPlans === "never" }) })));
  return { status: "fork-not-planned", workspaces: workspaces.map((w) => w.name) };
}

/** A checkout that fails is a result too: each workspace it would have planned says why. */
async function reportCheckoutFailure(deps: PreviewDeps, pr: PullRequestInfo, config: Config, changedFiles: string[], error: unknown): Promise<PreviewOutcome> {
  const message = `could not fetch the pull request's code: ${(error as Error).message}`;
  const results: WorkspaceResult[] = coarselyAffected(config, changedFiles).map((w) => ({ kind: "failed", ...identityOf(config, w), stage: "checkout", message, output: "", timedOut: false }));
  const commentUrl = await postResults(deps, pr, config, results);
  deps.logger.error({ pr: pr.number, err: error }, "checkout failed");
  return { status: "planned", results, commentUrl };
}

/** Without a checkout (fork code is not fetched) only the configured dirs and globs decide. */
function coarselyAffected(config: Config, changedFiles: readonly string[]): WorkspaceConfig[] {
  const touched = affectedWorkspaces(changedFiles, config.workspaces.map((workspace) => ({ workspace, moduleDirs: [] })));
  return touched.length > 0 ? touched : config.workspaces;
}

function identityOf(config: Config, workspace: WorkspaceConfig) {
  return { name: workspace.name, dir: workspace.dir, terraformWorkspace: workspace.workspace, tool: config.binary };
}

/** Posts results that need no planning: the sticky comment and one finished check run each. */
async function postResults(deps: PreviewDeps, pr: PullRequestInfo, config: Config, results: WorkspaceResult[]): Promise<string | undefined> {
  const ctx = { masker: new Masker(config.mask), templates: deps.templates };
  const commentUrl = await deps.github.upsertComment(pr, PREVIEW_MARKER, renderComment({ results, headSha: pr.headSha }, ctx));
  for (const result of results) {
    const output = renderCheckOutput(result, ctx, commentUrl);
    const handle = await deps.github.startCheckRun(pr, pr.headSha, checkName(result.name), { title: output.title, summary: output.summary });
    await deps.github.completeCheckRun(pr, handle, output.conclusion, { title: output.title, summary: output.summary, text: output.text });
  }
  return commentUrl;
}
