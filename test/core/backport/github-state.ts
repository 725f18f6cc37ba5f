import { encodeMarker, parseMarker, settleBackport, type BackportPlan, type CodifyOutcome, type ExistingBranch, type ExistingPullRequest } from "../../../src/core/backport/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { configWith } from "./support.js";

/** The marker driftback writes for a plan whose codify drift all codified (or, with `reverted`, fell back). */
export function markerFor(plan: BackportPlan, reverted: readonly string[] = []) {
  const outcomes = new Map<string, CodifyOutcome>(plan.items.map((i) => [i.fingerprint, reverted.includes(i.fingerprint) ? { status: "refused", reason: "no.", snippet: "x = 1" } : { status: "codified", file: "main.tf" }]));
  return settleBackport(plan, outcomes, { config: configWith(), masker: new Masker(), templates: bundledTemplates() });
}

/** An open pull request driftback made for a plan, with a clean branch, unless told otherwise. */
export function openPr(number: number, plan: BackportPlan, fields: Omit<Partial<ExistingPullRequest>, "head"> & { head?: Partial<NonNullable<ExistingPullRequest["head"]>> } = {}): ExistingPullRequest {
  const settled = markerFor(plan);
  const { head, ...rest } = fields;
  return {
    number,
    state: "open",
    merged: false,
    branch: plan.branch,
    marker: parseMarker(encodeMarker(settled.marker)),
    labels: settled.labels,
    head: { onlyDriftback: true, baseMoved: false, empty: false, ...head },
    ...rest,
  };
}

export function closedPr(number: number, plan: BackportPlan, fields: Partial<ExistingPullRequest> = {}): ExistingPullRequest {
  const { head: _head, ...pr } = openPr(number, plan);
  return { ...pr, state: "closed", closedBy: "person", ...fields };
}

export function branch(name: string, onlyDriftback = true): ExistingBranch {
  return { name, onlyDriftback };
}
