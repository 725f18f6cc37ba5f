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
import { verifyCodify, type VerifyDeps } from "./backport-verify.js";
import { plannedVariablesIn } from "../core/hcl/planned-inputs.js";

/** Operations that make a commit: their codify edits are new or changed, so they are verified. */
const COMMITS = new Set<Operation["kind"]>(["open", "resume", "update", "regenerate"]);
/** Operations that write a body: they need the settled pull request. */
const BODIES = new Set<Operation["kind"]>([...COMMITS, "refresh-body", "comment-human-push"]);

export type WithPlan = Extract<Operation, { plan: BackportPlan }>;

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

    // 1. One verification plan for every codify edit this workspace's commits would carry.
    const verified = new Map<string, CodifyOutcome>();
    let verificationChanges: ResourceChange[] | undefined;
    const committing = ops.filter((op) => COMMITS.has(op.kind) && codifyItems(op).length > 0);
    const failedKeys = new Set<string>();
    const reused = new Map<string, { outcomes: Map<string, CodifyOutcome>; files: Map<string, string> }>();
    let verifiedIn: string[] | undefined;
    if (ctx.config.backport.verify && committing.length > 0) {
      const all = committing.flatMap(codifyItems);
      const combined = await code.codify(all);
      code.restore();
      const codified = all.filter((i) => combined.outcomes.get(i.fingerprint)?.status === "codified");
      const owners = fileOwners(committing, combined.outcomes);
      for (const item of all) if (combined.outcomes.get(item.fingerprint)?.status === "refused") verified.set(item.fingerprint, combined.outcomes.get(item.fingerprint)!);
      if (codified.length > 0) {
        const filesOf = new Map(codified.map((i) => [i.fingerprint, fileOf(combined.outcomes.get(i.fingerprint))]));
        const result = await verifyCodify(deps, {
          config: ctx.config,
          workspace,
          checkoutDir: input.checkoutDir,
          files: combined.files,
          items: codified,
          filesOf,
          ...(view ? { view } : {}),
          ...(input.planExcerpts ? { basePlans: input.planExcerpts } : {}),
          ...(input.signal ? { signal: input.signal } : {}),
        });
        if (!result.ok) {
          fail(result.reason, committing);
          committing.forEach((op) => failedKeys.add(op.key));
        } else {
          for (const fingerprint of result.stillChanges) verified.set(fingerprint, { status: "still-changes" });
          for (const [fingerprint, reason] of result.sideEffects) if (!result.stillChanges.has(fingerprint)) verified.set(fingerprint, { status: "still-changes", reason });
          if (result.stillChanges.size > 0) verificationChanges = result.changes;
          verifiedIn = result.verified;
          // a pull request whose files no other one edits, and whose edits all passed, needs no second codify pass
          for (const op of committing) {
            const own = codifyItems(op);
            const files = new Set(own.flatMap((i) => fileOf(combined.outcomes.get(i.fingerprint))));
            if (own.some((i) => result.stillChanges.has(i.fingerprint) || result.sideEffects.has(i.fingerprint)) || [...files].some((f) => owners.get(f)!.size > 1)) continue;
            reused.set(op.key, { outcomes: new Map(own.map((i) => [i.fingerprint, combined.outcomes.get(i.fingerprint)!])), files: new Map([...combined.files].filter(([f]) => files.has(f))) });
          }
        }
      }
    }

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

/** Per code file, the operations whose codified drift edited it in the combined pass. */
function fileOwners(operations: readonly WithPlan[], outcomes: ReadonlyMap<string, CodifyOutcome>): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const op of operations) {
    for (const item of op.plan.items) for (const file of fileOf(outcomes.get(item.fingerprint))) owners.set(file, (owners.get(file) ?? new Set()).add(op.key));
  }
  return owners;
}

function fileOf(outcome: CodifyOutcome | undefined): string[] {
  return outcome?.status === "codified" ? (outcome.files ?? [outcome.file]) : [];
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
