import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LimitFunction } from "p-limit";
import stripAnsi from "strip-ansi";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import type { PlannedDrift } from "../core/backport/index.js";
import { describeDifference, differencesFromBase, KEEPS, outputDifferences } from "../core/plan/compare-changes.js";
import type { OutputChange, PathStep } from "../core/plan/model.js";
import type { RepoView } from "../core/repo/view.js";
import { overlaps } from "../core/drift/evidence.js";
import { changedAttributes } from "../core/drift/pairing.js";
import type { ResourceChange } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import { replacedValuesIn } from "../core/plan/stored-plan.js";
import type { Masker } from "../core/render/mask.js";
import type { TerraformRunner } from "../ports.js";
import { planRequestFor } from "./plan-request.js";
import { lastErrorLine } from "./terraform-error.js";

export interface VerifyDeps {
  terraform: TerraformRunner;
  planLimit?: LimitFunction;
  masker: Masker;
  /** Where the copy of the tree goes; the OS temp dir by default. */
  scratchDir?: string;
}

export interface VerifyRequest {
  config: Config;
  workspace: WorkspaceConfig;
  /** The scan's checkout: copied, never written. */
  checkoutDir: string;
  /** Edited files (repo-relative path -> whole text), written over the copy. */
  files: ReadonlyMap<string, string>;
  /** The codified drift to check, with the files each one edited. */
  items: readonly PlannedDrift[];
  /** Per fingerprint, the files its codify edited (a drift whose files another workspace reads is judged by that workspace's plan too). */
  filesOf?: ReadonlyMap<string, readonly string[]>;
  /** Who else reads the edited files; without it only the drifted workspace is planned. */
  view?: RepoView;
  /** Workspace -> the scan's plan JSON of the same commit: the base each verification plan is compared with. A workspace without one gets a base plan in this run. */
  basePlans?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

export type VerifyResult =
  /**
   * The plans ran: the drift the drifted workspace's plan still changes, its resource changes (for
   * the body's excerpt), every workspace planned, and the codified drift rejected because applying
   * the edit would change something else (another workspace, another instance, a consumer), with why.
   */
  | { ok: true; stillChanges: Set<string>; changes: ResourceChange[]; verified: string[]; sideEffects: Map<string, string> }
  /** A plan failed or timed out: a readable, masked reason. */
  | { ok: false; reason: string };


/**
 * Verified codify, for the whole repository: plans a copy of the checkout with the edits written
 * in, for the drifted workspace and for every other configured workspace that loads an edited
 * file, in parallel within the plan limit, and compares each with its plan of the same commit
 * without the edit. A codify is kept only if the drifted workspace no longer changes its
 * attribute, and nothing else changes anywhere: no other workspace, no other instance of an
 * edited module, no resource consuming the value.
 */
export async function verifyCodify(deps: VerifyDeps, request: VerifyRequest): Promise<VerifyResult> {
  const scratch = await makeScratch(deps, "driftback-verify-");
  if ("reason" in scratch) return { ok: false, reason: scratch.reason };
  let baseCopy: Promise<string | { reason: string }> | undefined;
  try {
    // 1. A copy of the tree (without .git), with the edits written in.
    const copied = await copyTree(request.checkoutDir, scratch.dir, request.files, deps.masker);
    if (copied) return { ok: false, reason: copied };
    // 2. Which workspaces read an edited file: the drifted one first.
    const name = request.workspace.name;
    const readers = new Set<string>([name]);
    for (const file of request.files.keys()) for (const reader of request.view?.readersOf(file) ?? []) readers.add(reader);
    const workspaces = [...readers].flatMap((reader) => request.config.workspaces.filter((w) => w.name === reader));
    // 3. Each one's plan of the edited code, and of the same commit without it, all within the plan limit.
    const limit = <T>(run: () => Promise<T>) => (deps.planLimit ? deps.planLimit(run) : run());
    const planOf = (workspace: WorkspaceConfig, dir: string) => limit(() => deps.terraform.plan(planRequestFor(request.config, workspace, dir, request.signal)));
    const baseOf = async (workspace: WorkspaceConfig, fresh = false): Promise<PlanRead> => {
      const known = fresh ? undefined : request.basePlans?.get(workspace.name);
      const read = known !== undefined ? readPlan(known, deps.masker, `the scan's plan of ${workspace.name}`) : undefined;
      // a refresh-only plan shows no pending change to compare with, and a plan kept between replicas with sensitive
      // values replaced cannot be compared value by value: in both cases the base is planned here
      if (read && (!read.ok || (!read.refreshOnly && replacedValuesIn(known!) === 0))) return read;
      baseCopy ??= makeScratch(deps, "driftback-base-").then(async (made) => {
        if ("reason" in made) return made;
        const failed = await copyTree(request.checkoutDir, made.dir, new Map(), deps.masker);
        return failed ? { reason: failed } : made.dir;
      });
      const dir = await baseCopy;
      if (typeof dir !== "string") return { ok: false, reason: dir.reason };
      return fromOutcome(await planOf(workspace, dir), deps.masker, `the base plan of ${workspace.name}`);
    };
    const results = await Promise.all(
      workspaces.map(async (workspace) => {
        const [edited, base] = await Promise.all([planOf(workspace, scratch.dir).then((o) => fromOutcome(o, deps.masker, `the verification plan of ${workspace.name}`)), baseOf(workspace)]);
        return { workspace, edited, base };
      }),
    );
    // a workspace that cannot be planned without the edit either: nothing is known (retried next scan)
    const broken = results.find((r) => !r.base.ok);
    if (broken && !broken.base.ok) return { ok: false, reason: broken.base.reason };
    const sideEffects = new Map<string, string>();
    const blame = (why: string, workspace: string) => {
      for (const item of request.items) {
        const files = request.filesOf?.get(item.fingerprint);
        const concerned = workspace === request.workspace.name || !files || files.some((f) => request.view?.readersOf(f).includes(workspace));
        if (concerned && !sideEffects.has(item.fingerprint)) sideEffects.set(item.fingerprint, deps.masker.scrubText(why));
      }
    };
    // a timeout or a cancel says nothing about the edit: retried next scan
    const stopped = results.find((r) => !r.edited.ok && r.edited.stopped);
    if (stopped && !stopped.edited.ok) return { ok: false, reason: stopped.edited.reason };
    // a plan that fails only with the edit (the same commit plans without it, now): the edit broke it, so it is not kept
    for (const r of results) {
      if (r.edited.ok) continue;
      const now = request.basePlans?.has(r.workspace.name) ? await baseOf(r.workspace, true) : r.base;
      // it fails without the edit too: the workspace cannot be planned now (retried next scan)
      if (!now.ok) return { ok: false, reason: r.edited.reason };
      blame(`the plan of \`${r.workspace.name}\` fails with the edit (it plans without it): ${r.edited.reason}`, r.workspace.name);
    }
    if (results.some((r) => !r.edited.ok)) {
      const own = results.find((r) => r.workspace.name === request.workspace.name)!;
      return { ok: true, stillChanges: new Set(), changes: own.edited.ok ? own.edited.changes : [], verified: workspaces.map((w) => w.name), sideEffects };
    }
    // 4. What each plan says about the edit.
    const own = results.find((r) => r.workspace.name === name)!;
    const ownChanges = (own.edited as PlanOk).changes;
    const stillChanges = stillChanged(request.items, ownChanges);
    const codifiedPath = (address: string, path: readonly PathStep[]) => request.items.some((i) => i.item.address === address && overlaps(i.item.path, path));
    for (const { workspace, edited, base } of results) {
      const mine = workspace.name === name;
      const b = base as PlanOk;
      const e = edited as PlanOk;
      const expected = mine ? (address: string, path: readonly PathStep[]) => codifiedPath(address, path) || request.items.some((i) => i.item.address === address && i.item.class === "deleted") : undefined;
      // in the drifted workspace, a pending change that is gone is fine where it was drift the scan found (the edit settles
      // it too), and its outputs follow the codified value (state recorded the old one); anywhere else nothing may differ
      const differences = [
        ...differencesFromBase(b.changes, e.changes, expected).filter((d) => !(mine && d.kind === "gone" && b.drifted.has(d.address))),
        ...(mine ? [] : outputDifferences(b.outputs, e.outputs)),
      ];
      if (differences.length === 0) continue;
      blame(`applying the edit would also change \`${workspace.name}\`: ${differences.slice(0, 3).map(describeDifference).join("; ")}${differences.length > 3 ? `; and ${differences.length - 3} more` : ""}`, workspace.name);
    }
    return { ok: true, stillChanges, changes: ownChanges, verified: workspaces.map((w) => w.name), sideEffects };
  } finally {
    await rm(scratch.dir, { recursive: true, force: true }).catch(() => undefined);
    const base = await baseCopy?.catch(() => undefined);
    if (typeof base === "string") await rm(base, { recursive: true, force: true }).catch(() => undefined);
  }
}

type PlanOk = { ok: true; changes: ResourceChange[]; outputs: OutputChange[]; /** Addresses the plan found changed outside terraform. */ drifted: Set<string>; refreshOnly: boolean };
type PlanRead = PlanOk | { ok: false; reason: string; /** Timed out or cancelled: nothing to say about the code. */ stopped?: boolean };

async function makeScratch(deps: VerifyDeps, prefix: string): Promise<{ dir: string } | { reason: string }> {
  try {
    return { dir: await mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), prefix)) };
  } catch (error) {
    return { reason: `could not make a scratch directory for the verification plan: ${String((error as NodeJS.ErrnoException).code ?? (error as Error).message)}` };
  }
}

/** Copies the checkout (without .git) and writes the edited files over it; a readable reason when that fails. */
async function copyTree(from: string, to: string, files: ReadonlyMap<string, string>, masker: Masker): Promise<string | undefined> {
  try {
    await cp(from, to, { recursive: true, verbatimSymlinks: true, filter: (source) => path.basename(source) !== ".git" });
    for (const [file, text] of files) {
      const target = path.join(to, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
    return undefined;
  } catch (error) {
    return `could not prepare the verification copy of the tree: ${masker.scrubText(String((error as NodeJS.ErrnoException).code ?? (error as Error).message))}`;
  }
}

function fromOutcome(outcome: Awaited<ReturnType<TerraformRunner["plan"]>>, masker: Masker, what: string): PlanRead {
  if (!outcome.ok) {
    const detail = lastErrorLine(masker.scrubText(stripAnsi(outcome.output)));
    return { ok: false, reason: `${what} failed: ${masker.scrubText(outcome.message)}${detail ? `: ${detail}` : ""}`, stopped: outcome.timedOut || outcome.cancelled };
  }
  return readPlan(outcome.planJson, masker, what);
}

function readPlan(planJson: string, masker: Masker, what: string): PlanRead {
  try {
    const model = parsePlan(planJson);
    if (model.errored) return { ok: false, reason: `${what} errored: terraform could not finish it` };
    return { ok: true, changes: model.resourceChanges, outputs: model.outputChanges, drifted: new Set(model.resourceDrift.map((c) => c.address)), refreshOnly: model.refreshOnly };
  } catch (error) {
    return { ok: false, reason: `${what}'s JSON is not usable: ${masker.scrubText((error as Error).message).split("\n")[0]}` };
  }
}

/** Fingerprints of codified drift the plan still changes. */
export function stillChanged(items: readonly PlannedDrift[], changes: readonly ResourceChange[]): Set<string> {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const still = new Set<string>();
  for (const planned of items) {
    const change = byAddress.get(planned.item.address);
    if (!change || KEEPS.has(change.action)) continue;
    if (planned.item.class === "deleted") {
      still.add(planned.fingerprint);
      continue;
    }
    const changed = changedAttributes(change.before ?? null, change.after ?? null, "before").map((c) => c.path);
    if (change.action === "create" || changed.some((path) => overlaps(path, planned.item.path))) still.add(planned.fingerprint);
  }
  return still;
}

