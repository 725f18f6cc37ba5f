import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LimitFunction } from "p-limit";
import stripAnsi from "strip-ansi";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import { isMarked, overlaps, valueAt } from "../core/drift/evidence.js";
import { formatAttributePath, parseAttributePath } from "../core/hcl/address.js";
import { describeDifference, differencesFromBase, outputDifferences, type ChangeDifference } from "../core/plan/compare-changes.js";
import type { OutputChange, PathStep, ResourceChange } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import type { Masker } from "../core/render/mask.js";
import { deepEqual } from "../core/render/values.js";
import type { TerraformRunner } from "../ports.js";
import type { AlignExpectation } from "./align.js";
import { planRequestFor } from "./plan-request.js";
import { lastErrorLine } from "./terraform-error.js";

export interface AlignVerifyDeps {
  terraform: TerraformRunner;
  masker: Masker;
  planLimit?: LimitFunction;
  /** Where the copies of the tree go; the OS temp dir by default. */
  scratchDir?: string;
}

export interface AlignVerifyRequest {
  config: Config;
  /** The checkout: copied, never written. */
  checkoutDir: string;
  /** The alignment's edited files (repo-relative -> whole text), written over the copy. */
  files: ReadonlyMap<string, string>;
  /** What each aligned member must plan. */
  expectations: readonly AlignExpectation[];
  /** Every configured workspace that loads an edited file: each must plan nothing new. */
  readers: readonly string[];
  /** Workspace -> its plan JSON of the same commit without the edits (planned here when missing or refresh-only). */
  basePlans?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

export type AlignVerification =
  /** The plans ran. `problems` is empty when every aligned member plans exactly the aligned value and every other reader nothing new. */
  | { ok: true; verified: string[]; problems: { workspace: string; problem: string }[] }
  /** A plan could not run (without the edits too, or it timed out): nothing is known about the edits. */
  | { ok: false; reason: string };

type PlanRead = { ok: true; changes: ResourceChange[]; outputs: OutputChange[]; refreshOnly: boolean } | { ok: false; reason: string; stopped?: boolean };

/**
 * The verification of an alignment (issue 16 §6): a copy of the checkout with the edits written in is planned for
 * each aligned member's workspace and every other workspace that loads an edited file, and each plan is compared
 * with the same workspace's plan without the edits. An aligned member must plan its attribute to exactly the
 * aligned value and change nothing else (a module input: nothing outside its instance); any other workspace must
 * plan nothing new, outputs included.
 */
export async function verifyAlignment(deps: AlignVerifyDeps, request: AlignVerifyRequest): Promise<AlignVerification> {
  const made: string[] = [];
  const scratch = async (prefix: string, files: ReadonlyMap<string, string>): Promise<string> => {
    const dir = await mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), prefix));
    made.push(dir);
    await cp(request.checkoutDir, dir, { recursive: true, verbatimSymlinks: true, filter: (source) => path.basename(source) !== ".git" });
    for (const [file, text] of files) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    return dir;
  };
  try {
    let edited: string;
    try {
      edited = await scratch("driftback-align-", request.files);
    } catch (error) {
      return { ok: false, reason: `could not prepare the verification copy of the tree: ${deps.masker.scrubText(String((error as NodeJS.ErrnoException).code ?? (error as Error).message))}` };
    }
    let baseCopy: Promise<string> | undefined;
    const names = [...new Set([...request.expectations.map((e) => e.workspace), ...request.readers])];
    const workspaces = names.flatMap((name) => request.config.workspaces.filter((w) => w.name === name));
    const limit = <T>(run: () => Promise<T>) => (deps.planLimit ? deps.planLimit(run) : run());
    const planIn = async (workspace: WorkspaceConfig, dir: string, what: string): Promise<PlanRead> => {
      const outcome = await limit(() => deps.terraform.plan(planRequestFor(request.config, workspace, dir, request.signal)));
      if (!outcome.ok) {
        const detail = lastErrorLine(deps.masker.scrubText(stripAnsi(outcome.output)));
        return { ok: false, reason: `${what} failed: ${deps.masker.scrubText(outcome.message)}${detail ? `: ${detail}` : ""}`, stopped: outcome.timedOut || outcome.cancelled };
      }
      return readPlan(outcome.planJson, deps.masker, what);
    };
    const baseOf = async (workspace: WorkspaceConfig): Promise<PlanRead> => {
      const given = request.basePlans?.get(workspace.name);
      const read = given !== undefined ? readPlan(given, deps.masker, `the given plan of ${workspace.name}`) : undefined;
      if (read && (!read.ok || !read.refreshOnly)) return read;
      baseCopy ??= scratch("driftback-align-base-", new Map());
      return planIn(workspace, await baseCopy, `the base plan of ${workspace.name}`);
    };
    const results = await Promise.all(workspaces.map(async (workspace) => ({ workspace, edited: await planIn(workspace, edited, `the verification plan of ${workspace.name}`), base: await baseOf(workspace) })));
    const broken = results.find((r) => !r.base.ok);
    if (broken && !broken.base.ok) return { ok: false, reason: broken.base.reason };
    const stopped = results.find((r) => !r.edited.ok && r.edited.stopped);
    if (stopped && !stopped.edited.ok) return { ok: false, reason: stopped.edited.reason };

    const problems: { workspace: string; problem: string }[] = [];
    for (const { workspace, edited: after, base } of results) {
      const name = workspace.name;
      if (!after.ok) {
        problems.push({ workspace: name, problem: `its plan fails with the edits (it plans without them): ${after.reason}` });
        continue;
      }
      const own = request.expectations.filter((e) => e.workspace === name);
      const b = base as Extract<PlanRead, { ok: true }>;
      for (const problem of judge(own, b, after)) problems.push({ workspace: name, problem: deps.masker.scrubText(problem) });
    }
    return { ok: true, verified: workspaces.map((w) => w.name), problems };
  } finally {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }).catch(() => undefined)));
  }
}

/** What is wrong with one workspace's plan of the edited code, against its plan without the edits. */
function judge(own: readonly AlignExpectation[], base: Extract<PlanRead, { ok: true }>, edited: Extract<PlanRead, { ok: true }>): string[] {
  const problems: string[] = [];
  const expected = (address: string, path: readonly PathStep[]) =>
    own.some((e) => (e.kind === "attribute" ? e.address === address && overlaps(e.path, path) : e.instance === "" || address.startsWith(`${e.instance}.`)));
  const excused = (d: ChangeDifference) =>
    own.some((e) => e.kind === "input" && (e.instance === "" || d.address.startsWith(`${e.instance}.`))) ||
    (d.kind === "new" && d.paths.length > 0 && d.paths.every((p) => expected(d.address, parseAttributePath(p))));
  const differences = [...differencesFromBase(base.changes, edited.changes, expected).filter((d) => !excused(d)), ...(own.length > 0 ? [] : outputDifferences(base.outputs, edited.outputs))];
  if (differences.length > 0) {
    const shown = differences.slice(0, 3).map(describeDifference).join("; ");
    problems.push(`${own.length > 0 ? "applying the edits would change more than the aligned value" : "applying the edits would change it too"}: ${shown}${differences.length > 3 ? `; and ${differences.length - 3} more` : ""}`);
  }
  for (const e of own) {
    if (e.kind !== "attribute") continue;
    const change = edited.changes.find((c) => c.address === e.address);
    const where = `\`${e.address}\` \`${formatAttributePath(e.path)}\``;
    if (!change) {
      problems.push(`${where}: the plan has no such resource`);
      continue;
    }
    if (!["update", "no-op"].includes(change.action)) problems.push(`${where}: the plan would ${change.action} the resource, not update it in place`);
    else if (isMarked(change.afterUnknown, e.path)) problems.push(`${where} is known only after apply, not the aligned value`);
    else if (!deepEqual(valueAt(change.after, e.path) ?? null, e.value, true)) problems.push(`${where}: the plan makes it something other than the aligned value`);
  }
  return problems;
}

function readPlan(planJson: string, masker: Masker, what: string): PlanRead {
  try {
    const model = parsePlan(planJson);
    if (model.errored) return { ok: false, reason: `${what} errored: terraform could not finish it` };
    return { ok: true, changes: model.resourceChanges, outputs: model.outputChanges, refreshOnly: model.refreshOnly };
  } catch (error) {
    return { ok: false, reason: `${what}'s JSON is not usable: ${masker.scrubText((error as Error).message).split("\n")[0]}` };
  }
}
