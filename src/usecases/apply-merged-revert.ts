import type { LimitFunction } from "p-limit";
import { durationToMs, type Config } from "../config/schema.js";
import { checkPlannedChanges, type ExpectedChange } from "../core/backport/apply-check.js";
import type { BackportMarker } from "../core/backport/marker.js";
import { APPLY_MARKER, renderApplyResult, type ApplyResult } from "../core/backport/apply-view.js";
import { parsePlan } from "../core/plan/parse.js";
import type { PlanModel } from "../core/plan/model.js";
import { Masker } from "../core/render/mask.js";
import type { ApplyOutcome, ApplyRequest, Checkout, Logger, PlanOutcome, PlanRequest, RepoRef, SavedPlan } from "../ports.js";
import type { Templates } from "../templates.js";
import { planRequestFor, scopedTerraform } from "./plan-request.js";

/** A checkout of one commit (the merge commit), wherever the branch has moved since. */
export interface CommitSource {
  checkoutCommit(cloneUrl: string, sha: string, signal?: AbortSignal): Promise<Checkout>;
}

/** driftback's comments on a pull request, found by the hidden marker they start with. */
export interface ResultComments {
  has(repo: RepoRef, number: number, marker: string): Promise<boolean>;
  post(repo: RepoRef, number: number, body: string): Promise<void>;
}

export interface ApplyMergedDeps {
  source: CommitSource;
  /** Plans the merge commit and applies exactly that saved plan. */
  terraform: { plan(request: PlanRequest): Promise<PlanOutcome>; apply(request: ApplyRequest): Promise<ApplyOutcome> };
  comments: ResultComments;
  templates: Pick<Templates, "backportApply">;
  logger: Logger;
  /** Shares the process's plan concurrency. */
  planLimit?: LimitFunction;
}

export interface MergedRevertInput {
  repo: RepoRef;
  number: number;
  cloneUrl: string;
  mergeSha: string;
  marker: BackportMarker;
  config: Config;
  signal?: AbortSignal;
}

export type ApplyMergedOutcome = { status: "off" | "no-revert" | "already-reported" } | { status: ApplyResult["kind"] };

/**
 * apply.on_merge for a merged backport pull request: plan the merge commit `-target`ed at the reverted
 * resources, apply that saved plan only when it changes exactly what the pull request showed, and say
 * how it went on the pull request. Codified drift is never applied: only the marker's revert items are.
 */
export async function applyMergedRevert(deps: ApplyMergedDeps, input: MergedRevertInput): Promise<ApplyMergedOutcome> {
  const { repo, number, marker, config } = input;
  deps = { ...deps, terraform: scopedTerraform(deps.terraform, { owner: repo.owner, repo: repo.repo, code: "reviewed" }) };
  // 1. Only with apply.on_merge, and only for a pull request that reverts something.
  if (!config.apply.on_merge) return { status: "off" };
  if (!marker.items.some((item) => item.settled === "revert")) return { status: "no-revert" };

  // 2. At most one result per pull request: a redelivered or repeated event finds it and stops.
  if (await deps.comments.has(repo, number, APPLY_MARKER)) return { status: "already-reported" };

  // 3. What the pull request showed, and where to plan it.
  const expected = marker.expect ?? [];
  const workspace = config.workspaces.find((w) => w.name === marker.workspace);
  let model: PlanModel | undefined;
  let result: ApplyResult;
  if (expected.length === 0) result = { kind: "no-expectation" };
  else if (!workspace) result = { kind: "no-workspace" };
  else {
    const outcome = await planAndApply(deps, input, workspace, expected);
    result = outcome.result;
    model = outcome.model;
  }

  // 4. The result on the pull request, masked.
  const body = renderApplyResult({ result, tool: config.binary, workspace: marker.workspace, mergeSha: input.mergeSha, model }, { masker: new Masker(config.mask), templates: deps.templates });
  await deps.comments.post(repo, number, body);
  deps.logger.info({ pr: number, workspace: marker.workspace, result: result.kind }, "merged revert pull request: apply on merge");
  return { status: result.kind };
}

async function planAndApply(deps: ApplyMergedDeps, input: MergedRevertInput, workspace: Config["workspaces"][number], expected: readonly ExpectedChange[]): Promise<{ result: ApplyResult; model?: PlanModel }> {
  const { config, signal } = input;
  let checkout: Checkout;
  try {
    checkout = await deps.source.checkoutCommit(input.cloneUrl, input.mergeSha, signal);
  } catch (error) {
    return { result: { kind: "plan-failed", message: `could not fetch the merge commit: ${(error as Error).message}`, output: "", timedOut: false } };
  }
  let saved: SavedPlan | undefined;
  try {
    // a. Plan the merge commit, -target'ed at the reverted resources, keeping the plan file.
    const request: PlanRequest = { ...planRequestFor(config, workspace, checkout.dir, signal), targets: [...new Set(expected.map((e) => e.address))], keepPlanFile: true };
    const planned = await (deps.planLimit ? deps.planLimit(() => deps.terraform.plan(request)) : deps.terraform.plan(request));
    if (!planned.ok) return { result: { kind: "plan-failed", message: planned.message, output: planned.output, timedOut: planned.timedOut } };
    saved = planned.saved;
    let model: PlanModel;
    try {
      model = parsePlan(planned.planJson);
    } catch (error) {
      return { result: { kind: "plan-failed", message: `\`${config.binary} show -json\` printed something driftback cannot read: ${(error as Error).message}`, output: "", timedOut: false } };
    }
    if (model.errored || !saved) return { result: { kind: "plan-failed", message: `\`${config.binary} plan\` did not finish a plan driftback can apply`, output: "", timedOut: false }, model };

    // b. Apply nothing unless the plan changes exactly what the pull request showed.
    const check = checkPlannedChanges(expected, model, new Masker(config.mask));
    if (!check.ok) return { result: { kind: "differs", differences: check.differences }, model };

    // c. Apply that saved plan: what was checked is what runs.
    const applied = await deps.terraform.apply({ dir: request.dir, binary: config.binary, workspace: workspace.workspace, saved, timeoutMs: durationToMs(config.plan.timeout), lockTimeout: config.plan.lock_timeout, signal });
    if (!applied.ok) return { result: { kind: "apply-failed", changes: check.changes, message: applied.message, output: applied.output, timedOut: applied.timedOut }, model };
    return { result: { kind: "applied", changes: check.changes, output: applied.output }, model };
  } finally {
    await saved?.release();
    await checkout.cleanup();
  }
}
