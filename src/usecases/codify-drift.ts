import { createTwoFilesPatch, diffLines } from "diff";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import { formatAttributePath } from "../core/hcl/address.js";
import { applyEdits, planEdits, type EditPlan } from "../core/hcl/edit.js";
import { renderHclValue } from "../core/hcl/render-value.js";
import { plannedInputMismatch } from "../core/hcl/planned-inputs.js";
import { resolveTarget, type DriftTarget } from "../core/hcl/resolve.js";
import { lineOf } from "../core/hcl/syntax.js";
import { readBack } from "../core/hcl/verify.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import type { JsonValue } from "../core/plan/model.js";

export type CodifyResult =
  /** `file` is where the live value is written; `files` every file edited (more than one when it was lifted out of shared code). */
  | { address: string; path: string; status: "codified"; file: string; files: string[]; diff: string; via: string }
  /** The code already says what is running (a plan made before the code changed, as after `codify --write`): nothing to do, and no refusal. */
  | { address: string; path: string; status: "up-to-date"; via: string }
  | { address: string; path: string; status: "refused"; reason: string; snippet: string };

export interface CodifyDeps {
  toolchain: HclToolchain;
}

/**
 * Writes each drifted value back into the workspace's code, one surgical edit at a time, each
 * checked four ways before it is kept: terraform's parser accepts the file, it is still
 * formatted if it was, only the lines of the edited block changed, and reading the attribute
 * back gives the live value. Edits accumulate in `ws`; nothing touches the disk here.
 */
export async function codifyDrift(deps: CodifyDeps, ws: HclWorkspace, targets: readonly DriftTarget[]): Promise<CodifyResult[]> {
  const results: CodifyResult[] = [];
  for (const target of targets) results.push(await codifyOne(deps, ws, target));
  return results;
}

async function codifyOne(deps: CodifyDeps, ws: HclWorkspace, target: DriftTarget): Promise<CodifyResult> {
  const path = formatAttributePath(target.path);
  const refuse = (reason: string): CodifyResult => ({ address: target.address, path, status: "refused", reason, snippet: snippetFor(target) });
  // 1. Find where the value lives, or why it must not be touched.
  const roots: string[] = [];
  const resolution = resolveTarget(ws, target, (name) => roots.push(name));
  // terraform planned a root variable the value flows through with another value (a var file driftback was not given)
  const unplanned = ws.planned ? plannedInputMismatch(ws, roots, ws.planned) : undefined;
  if (resolution.kind === "refused") return refuse(unplanned?.reason ?? resolution.reason);
  // the code says the live value: up to date, unless terraform read a var file driftback was not given (then the code is not what it uses)
  if (!unplanned?.unreadVarFile && readBack(ws, target).ok) return { address: target.address, path, status: "up-to-date", via: resolution.via };
  if (unplanned) return refuse(unplanned.reason);
  // 2. Plan the smallest edits (several files when the value is lifted out of shared code).
  const plans = planEdits(ws, resolution, target.live);
  if ("refused" in plans) return refuse(plans.refused);
  const linked = plans.find((plan) => ws.linked.has(plan.file));
  if (linked) return refuse(linkedReason(linked.file));
  const originals = new Map(plans.map((plan) => [plan.file, ws.source(plan.file)]));
  const outputs = new Map<string, string>();
  for (const plan of plans) {
    const original = originals.get(plan.file)!;
    const edited = applyEdits(original, plan.edits);
    // 3. Keep formatted files formatted (hclwrite alignment), leave unformatted ones alone.
    const wasFormatted = !plan.file.endsWith(".json") && (await deps.toolchain.format(original)) === original; // a .tfvars.json file keeps its own layout
    const output = wasFormatted ? await deps.toolchain.format(edited) : edited;
    // 4. Check each file before keeping any.
    const problem = await checkFile(deps, plan, original, output, wasFormatted);
    if (problem) return refuse(`the edit did not pass driftback's checks (${problem}), so it was not made.`);
    outputs.set(plan.file, output);
  }
  // 5. Read the attribute back from the edited code; any failure puts every file back.
  for (const [file, output] of outputs) ws.update(file, output);
  const back = readBack(ws, target);
  if (!back.ok) {
    for (const [file, original] of originals) ws.update(file, original);
    return refuse(`the edit did not pass driftback's checks (reading it back: ${back.detail}), so it was not made.`);
  }
  const files = [...outputs.keys()];
  const diff = files.map((file) => createTwoFilesPatch(`a/${file}`, `b/${file}`, originals.get(file)!, outputs.get(file)!, undefined, undefined, { context: 3 })).join("");
  return { address: target.address, path, status: "codified", file: resolution.file, files, diff, via: resolution.via };
}

async function checkFile(deps: CodifyDeps, plan: EditPlan, original: string, output: string, wasFormatted: boolean): Promise<string | undefined> {
  const invalid = await deps.toolchain.validate(plan.file, output);
  if (invalid) return `terraform's parser rejects the result: ${invalid}`;
  if (wasFormatted && (await deps.toolchain.format(output)) !== output) return "the result is not formatted";
  const outside = linesOutside(original, output, plan.containers);
  if (outside) return `it would also change line ${outside} of ${plan.file}, outside the edited block`;
  return undefined;
}

/** The first changed line (1-based, original numbering) outside every container, if any. */
function linesOutside(original: string, output: string, containers: readonly { start: number; end: number }[]): number | undefined {
  const ranges = containers.map((c) => ({ first: lineOf(original, c.start), last: lineOf(original, c.end) }));
  const removable = (line: number, count: number) => ranges.some(({ first, last }) => line >= first && line + count - 1 <= last);
  const insertable = (line: number) => ranges.some(({ first, last }) => line >= first && line <= last + 1);
  let line = 0;
  for (const part of diffLines(original, output)) {
    const count = part.count ?? 0;
    if (part.removed) {
      if (!removable(line, count)) return line + 1;
      line += count;
    } else if (part.added) {
      // an insertion lands between line-1 and line: it must be inside or right after a container
      if (!insertable(line)) return line + 1;
    } else line += count;
  }
  return undefined;
}

/** What a PR body can suggest when driftback will not edit the code itself: valid HCL for the attribute. */
function snippetFor(target: DriftTarget): string {
  const name = formatAttributePath(target.path) || target.address;
  if (target.sensitive) return `# ${name} is sensitive: set it from your secret store, never in code`;
  const [first, ...rest] = target.path;
  if (typeof first !== "string") return `# ${target.address}\n${renderHclValue(target.live)}`;
  const lastIndex = target.path.findLastIndex((step) => typeof step === "number");
  if (lastIndex === -1) {
    // tags.Owner -> tags = { Owner = "..." }: the same value, nested the way the code writes it
    const value = rest.reduceRight<JsonValue>((inner, step) => ({ [String(step)]: inner }), target.live);
    return `${first} = ${renderHclValue(value)}`;
  }
  const inside = formatAttributePath(target.path.slice(0, lastIndex + 1));
  const tail = target.path.slice(lastIndex + 1);
  if (tail.length === 0) return `# ${inside}\n${renderHclValue(target.live)}`;
  const value = tail.slice(1).reduceRight<JsonValue>((inner, step) => ({ [String(step)]: inner }), target.live);
  return `# in ${inside}:\n${String(tail[0])} = ${renderHclValue(value)}`;
}

/** Why a file reached through a symbolic link is never edited. */
export function linkedReason(file: string): string {
  return `\`${file}\` is reached through a symbolic link: the same code may be reached another way (another workspace, another module path), so driftback does not edit it; change the linked file by hand.`;
}
