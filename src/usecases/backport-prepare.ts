import { loadRepoView } from "../adapters/hcl/load-repo-view.js";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { WorkspaceConfig } from "../config/schema.js";
import type { BackportMarker, BackportPlan, CodifyOutcome, Operation, PlannedDrift } from "../core/backport/index.js";
import type { ResourceChange } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import type { RepoView } from "../core/repo/view.js";
import type { Logger } from "../ports.js";
import { buildBackport, memoizedToolchain, WorkspaceCode, type BuildContext, type BuiltBackport } from "./backport-files.js";
import type { VerifyDeps } from "./backport-verify.js";
import { NOT_VERIFIED, verifyWorkspaceEdits, type WithPlan } from "./backport-verify-workspace.js";

export type { WithPlan };
import { plannedVariablesIn } from "../core/hcl/planned-inputs.js";

/** Operations that make a commit: their codify edits are new or changed, so they are verified. */
const COMMITS = new Set<Operation["kind"]>(["open", "resume", "update", "regenerate"]);
/** Operations that write a body: they need the settled pull request. */
const BODIES = new Set<Operation["kind"]>([...COMMITS, "refresh-body", "comment-human-push"]);


export function needsBody(operation: Operation): operation is WithPlan {
  return BODIES.has(operation.kind) && "plan" in operation;
}

export interface PrepareDeps extends VerifyDeps {
  toolchain: HclToolchain;
  loadParser: () => Promise<HclParser>;
  logger: Logger;
}

export interface PrepareInput {
  checkoutDir: string;
  workspaces: readonly WorkspaceConfig[];
  planExcerpts?: ReadonlyMap<string, string>;
  /** The pull request an operation works on, if it exists: its number (drift records name it) and marker. */
  existingOf: (operation: WithPlan) => { number: number; marker: BackportMarker | undefined } | undefined;
  signal?: AbortSignal;
}

/** Per operation key: the built pull request, or why it could not be built this scan. */
export type Prepared = Map<string, BuiltBackport | { failed: string }>;

/**
 * Step 7 of the backport flow, per workspace: load its code once, codify the drift policy sent
 * to codify, run ONE verification plan covering every codify edit that would be committed
 * (none when no operation commits), then settle and render each pull request. A verification
 * plan that fails fails the committing operations of that workspace (retried next scan); a drift
 * the plan still changes is reverted instead.
 */
export async function prepareBackports(deps: PrepareDeps, ctx: BuildContext, operations: readonly WithPlan[], input: PrepareInput): Promise<Prepared> {
  const prepared: Prepared = new Map();
  // each pull request's own pass checks the same original files again: the toolchain's answers are reused
  const toolchain = memoizedToolchain(deps.toolchain);
  // who evaluates which code, across every configured workspace: where an edit may go, and which workspaces prove it
  const view = await repoViewOf(deps, input);
  const byWorkspace = new Map<string, WithPlan[]>();
  for (const operation of operations) byWorkspace.set(operation.plan.workspace, [...(byWorkspace.get(operation.plan.workspace) ?? []), operation]);
  for (const [name, ops] of byWorkspace) {
    const fail = (reason: string, which: readonly WithPlan[] = ops) => which.forEach((op) => prepared.set(op.key, { failed: reason }));
    const workspace = input.workspaces.find((w) => w.name === name);
    if (!workspace) {
      fail(`workspace ${name} is not in the config`);
      continue;
    }
    let code: WorkspaceCode;
    try {
      code = await WorkspaceCode.load(await deps.loadParser(), toolchain, input.checkoutDir, workspace, view, ctx.config.backport.verify ? undefined : VERIFY_OFF);
    } catch (error) {
      fail(`could not read the code of workspace ${name}: ${ctx.masker.scrubText((error as Error).message).split("\n")[0]}`);
      continue;
    }
    // what terraform planned the root variables with (the scan's plan): codify refuses a value the code resolves otherwise
    const planned = plannedVariablesIn(input.planExcerpts?.get(name));
    if (planned) code.ws.planned = planned;
    const revertChanges = excerptChanges(input.planExcerpts?.get(name), deps.logger, name);
    const codifyItems = (op: WithPlan) => op.plan.items.filter((i) => i.decision.action === "codify");

    // 1. Verification of every codify edit this workspace's commits would carry (see verifyWorkspaceEdits).
    const committing = ops.filter((op) => COMMITS.has(op.kind) && codifyItems(op).length > 0);
    const { verified, verificationChanges, verifiedIn, failed, reused } =
      ctx.config.backport.verify && committing.length > 0
        ? await verifyWorkspaceEdits(deps, { config: ctx.config, workspace, code, committing, codifyItems, checkoutDir: input.checkoutDir, ...(view ? { view } : {}), ...(input.planExcerpts ? { basePlans: input.planExcerpts } : {}), ...(input.signal ? { signal: input.signal } : {}) })
        : NOT_VERIFIED;
    for (const [key, reason] of failed) prepared.set(key, { failed: reason });
    const failedKeys = new Set(failed.keys());

    // 2. Each pull request on its own: its edits only, then its words and files.
    for (const op of ops) {
      if (failedKeys.has(op.key)) continue;
      const commits = COMMITS.has(op.kind);
      const decidedEarlier = (item: PlannedDrift) => (commits ? verified.get(item.fingerprint) : undefined);
      const toCodify = codifyItems(op).filter((i) => !decidedEarlier(i));
      const pass = (commits ? reused.get(op.key) : undefined) ?? (await code.codify(toCodify));
      code.restore();
      const outcomes = new Map<string, CodifyOutcome>(pass.outcomes);
      for (const item of codifyItems(op)) {
        const earlier = decidedEarlier(item);
        if (earlier) outcomes.set(item.fingerprint, earlier);
      }
      const existing = input.existingOf(op);
      if (!commits && existing?.marker) keepEarlierRejections(existing.marker, outcomes);
      const pr = existing?.number;
      prepared.set(
        op.key,
        buildBackport(
          { plan: op.plan, outcomes, codeFiles: pass.files, revertChanges, ...(verificationChanges ? { verificationChanges } : {}), ...(verifiedIn ? { verifiedIn } : {}), ...(pr !== undefined ? { pr } : {}) },
          ctx,
        ),
      );
    }
  }
  return prepared;
}

/** Why a workspace's codify may not edit modules when backport.verify is false. */
const VERIFY_OFF = "`backport.verify` is false, so no plan would prove what an edit of shared code does: driftback edits only the root's own files";

/** The repository-wide view of the checkout; without it (unreadable tree) each workspace's codify edits only its root's own files. */
async function repoViewOf(deps: PrepareDeps, input: PrepareInput): Promise<RepoView | undefined> {
  try {
    return await loadRepoView(await deps.loadParser(), input.checkoutDir, input.workspaces.map((w) => ({ name: w.name, dir: w.dir, varFiles: w.var_files })));
  } catch (error) {
    deps.logger.warn({ problem: (error as Error).message.split("\n")[0] }, "could not index the repository's modules; codify edits only each workspace's own root files");
    return undefined;
  }
}


/**
 * Without a commit there is no new verification: a drift the marker says was reverted although
 * policy said codify, and that codify would edit, was rejected by an earlier verification plan.
 */
function keepEarlierRejections(marker: BackportMarker, outcomes: Map<string, CodifyOutcome>): void {
  for (const entry of marker.items) {
    if (entry.action === "codify" && entry.settled === "revert" && outcomes.get(entry.fingerprint)?.status === "codified") outcomes.set(entry.fingerprint, { status: "still-changes" });
  }
}

/** The scan plan's resource changes of a workspace, for revert excerpts; none when it is missing or unreadable. */
function excerptChanges(planJson: string | undefined, logger: Logger, workspace: string): ResourceChange[] {
  if (planJson === undefined) return [];
  try {
    return parsePlan(planJson).resourceChanges;
  } catch (error) {
    logger.warn({ workspace, problem: (error as Error).message.split("\n")[0] }, "the scan plan of this workspace could not be read for revert excerpts");
    return [];
  }
}
