import type { Config, WorkspaceConfig } from "../config/schema.js";
import type { BackportPlan, CodifyOutcome, Operation, PlannedDrift } from "../core/backport/index.js";
import type { ResourceChange } from "../core/plan/model.js";
import type { RepoView } from "../core/repo/view.js";
import { fileOf, type WorkspaceCode } from "./backport-files.js";
import { verifyCodify, type VerifyDeps, type VerifyResult } from "./backport-verify.js";

/** An operation that carries a pull request's plan. */
export type WithPlan = Extract<Operation, { plan: BackportPlan }>;

export interface WorkspaceEdits {
  config: Config;
  workspace: WorkspaceConfig;
  code: WorkspaceCode;
  /** Operations that commit codify edits. */
  committing: readonly WithPlan[];
  codifyItems: (op: WithPlan) => PlannedDrift[];
  checkoutDir: string;
  view?: RepoView;
  basePlans?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

export interface WorkspaceVerification {
  /** Per fingerprint, the outcome verification decided (refused, still changes, or changes something else). */
  verified: Map<string, CodifyOutcome>;
  /** The drifted workspace's verification plan, when it still changed some codified drift (the body's excerpt). */
  verificationChanges?: ResourceChange[];
  /** Every workspace planned. */
  verifiedIn?: string[];
  /** Operation key -> why its verification could not run (retried next scan). */
  failed: Map<string, string>;
  /** Operations whose edits passed as made in the combined pass: their files, without a second codify pass. */
  reused: Map<string, { outcomes: Map<string, CodifyOutcome>; files: Map<string, string> }>;
}

export const NOT_VERIFIED: WorkspaceVerification = { verified: new Map(), failed: new Map(), reused: new Map() };

/**
 * Step 1 of preparing a workspace's pull requests: ONE verification (a plan of every workspace
 * that loads an edited file) for all the codify edits its commits would carry. When that plan
 * shows the edits changing something else (another instance, a consumer of an output), the
 * combined pass cannot say whose edit did it: each pull request's edits are then verified on their
 * own, in parallel, so one pull request's side effect never costs another its codify.
 */
export async function verifyWorkspaceEdits(deps: VerifyDeps, input: WorkspaceEdits): Promise<WorkspaceVerification> {
  const out: WorkspaceVerification = { verified: new Map(), failed: new Map(), reused: new Map() };
  const all = input.committing.flatMap(input.codifyItems);
  const combined = await input.code.codify(all);
  input.code.restore();
  for (const item of all) if (combined.outcomes.get(item.fingerprint)?.status === "refused") out.verified.set(item.fingerprint, combined.outcomes.get(item.fingerprint)!);
  const codified = all.filter((i) => combined.outcomes.get(i.fingerprint)?.status === "codified");
  if (codified.length === 0) return out;
  const result = await verify(deps, input, codified, combined);
  if (!result.ok) {
    for (const op of input.committing) out.failed.set(op.key, result.reason);
    return out;
  }
  if (result.sideEffects.size > 0 && input.committing.length > 1) return verifyEach(deps, input, out);
  record(out, result);
  // a pull request whose files no other one edits, and whose edits all passed, needs no second codify pass
  const owners = fileOwners(input.committing, combined.outcomes);
  for (const op of input.committing) {
    const own = input.codifyItems(op);
    const files = new Set(own.flatMap((i) => fileOf(combined.outcomes.get(i.fingerprint))));
    if (own.some((i) => result.stillChanges.has(i.fingerprint) || result.sideEffects.has(i.fingerprint)) || [...files].some((f) => owners.get(f)!.size > 1)) continue;
    out.reused.set(op.key, { outcomes: new Map(own.map((i) => [i.fingerprint, combined.outcomes.get(i.fingerprint)!])), files: new Map([...combined.files].filter(([f]) => files.has(f))) });
  }
  return out;
}

/** Each committing operation's codify edits verified on their own (codified one at a time, planned in parallel). */
async function verifyEach(deps: VerifyDeps, input: WorkspaceEdits, out: WorkspaceVerification): Promise<WorkspaceVerification> {
  const passes: { op: WithPlan; codified: PlannedDrift[]; pass: Awaited<ReturnType<WorkspaceCode["codify"]>> }[] = [];
  for (const op of input.committing) {
    const own = input.codifyItems(op).filter((i) => !out.verified.has(i.fingerprint));
    const pass = await input.code.codify(own);
    input.code.restore();
    passes.push({ op, codified: own.filter((i) => pass.outcomes.get(i.fingerprint)?.status === "codified"), pass });
  }
  const results = await Promise.all(passes.map(({ codified, pass }) => (codified.length === 0 ? undefined : verify(deps, input, codified, pass))));
  passes.forEach(({ op, codified, pass }, index) => {
    const result = results[index];
    if (!result) return;
    if (!result.ok) return void out.failed.set(op.key, result.reason);
    record(out, result);
    if (!codified.some((i) => result.stillChanges.has(i.fingerprint) || result.sideEffects.has(i.fingerprint))) out.reused.set(op.key, { outcomes: pass.outcomes, files: pass.files });
  });
  return out;
}

function verify(deps: VerifyDeps, input: WorkspaceEdits, codified: PlannedDrift[], pass: { outcomes: Map<string, CodifyOutcome>; files: Map<string, string> }): Promise<VerifyResult> {
  return verifyCodify(deps, {
    config: input.config,
    workspace: input.workspace,
    checkoutDir: input.checkoutDir,
    files: pass.files,
    items: codified,
    filesOf: new Map(codified.map((i) => [i.fingerprint, fileOf(pass.outcomes.get(i.fingerprint))])),
    ...(input.view ? { view: input.view } : {}),
    ...(input.basePlans ? { basePlans: input.basePlans } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

function record(out: WorkspaceVerification, result: Extract<VerifyResult, { ok: true }>): void {
  for (const fingerprint of result.stillChanges) out.verified.set(fingerprint, { status: "still-changes" });
  for (const [fingerprint, reason] of result.sideEffects) if (!result.stillChanges.has(fingerprint)) out.verified.set(fingerprint, { status: "still-changes", reason });
  if (result.stillChanges.size > 0) out.verificationChanges = [...(out.verificationChanges ?? []), ...result.changes];
  out.verifiedIn = [...new Set([...(out.verifiedIn ?? []), ...result.verified])];
}

/** Per code file, the operations whose codified drift edited it in the combined pass. */
function fileOwners(operations: readonly WithPlan[], outcomes: ReadonlyMap<string, CodifyOutcome>): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const op of operations) {
    for (const item of op.plan.items) for (const file of fileOf(outcomes.get(item.fingerprint))) owners.set(file, (owners.get(file) ?? new Set()).add(op.key));
  }
  return owners;
}
