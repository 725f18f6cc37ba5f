import { createTwoFilesPatch, diffLines } from "diff";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import { formatAttributePath } from "../core/hcl/address.js";
import { applyEdits, planEdit, type EditPlan } from "../core/hcl/edit.js";
import { renderHclValue } from "../core/hcl/render-value.js";
import { resolveTarget, type DriftTarget } from "../core/hcl/resolve.js";
import { lineOf } from "../core/hcl/syntax.js";
import { readBack } from "../core/hcl/verify.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import type { JsonValue } from "../core/plan/model.js";

export type CodifyResult =
  | { address: string; path: string; status: "codified"; file: string; diff: string; via: string }
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
  const resolution = resolveTarget(ws, target);
  if (resolution.kind === "refused") return refuse(resolution.reason);
  if (readBack(ws, target).ok) return refuse("the code already says what is running; nothing to change.");
  // 2. Plan the smallest edit and apply it in memory.
  const plan = planEdit(ws, resolution, target.live);
  if ("refused" in plan) return refuse(plan.refused);
  const original = ws.source(plan.file);
  const edited = applyEdits(original, plan.edits);
  // 3. Keep formatted files formatted (hclwrite alignment), leave unformatted ones alone.
  const wasFormatted = (await deps.toolchain.format(original)) === original;
  const output = wasFormatted ? await deps.toolchain.format(edited) : edited;
  // 4. Check the edit before keeping it; any failure puts the file back.
  const problem = await check(deps, ws, target, plan, original, output, wasFormatted);
  if (problem) {
    ws.update(plan.file, original);
    return refuse(`the edit did not pass driftback's checks (${problem}), so it was not made.`);
  }
  return { address: target.address, path, status: "codified", file: plan.file, diff: createTwoFilesPatch(`a/${plan.file}`, `b/${plan.file}`, original, output, undefined, undefined, { context: 3 }), via: resolution.via };
}

async function check(deps: CodifyDeps, ws: HclWorkspace, target: DriftTarget, plan: EditPlan, original: string, output: string, wasFormatted: boolean): Promise<string | undefined> {
  const invalid = await deps.toolchain.validate(plan.file, output);
  if (invalid) return `terraform's parser rejects the result: ${invalid}`;
  if (wasFormatted && (await deps.toolchain.format(output)) !== output) return "the result is not formatted";
  const outside = linesOutside(original, output, plan.container);
  if (outside) return `it would also change line ${outside}, outside the edited block`;
  ws.update(plan.file, output);
  const back = readBack(ws, target);
  return back.ok ? undefined : `reading it back: ${back.detail}`;
}

/** The first changed line (1-based, original numbering) outside the container, if any. */
function linesOutside(original: string, output: string, container: { start: number; end: number }): number | undefined {
  const first = lineOf(original, container.start);
  const last = lineOf(original, container.end);
  let line = 0;
  for (const part of diffLines(original, output)) {
    const count = part.count ?? 0;
    if (part.removed) {
      if (line < first || line + count - 1 > last) return line + 1;
      line += count;
    } else if (part.added) {
      // an insertion lands between line-1 and line: it must be inside or right after the container
      if (line < first || line > last + 1) return line + 1;
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
