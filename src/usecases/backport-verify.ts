import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LimitFunction } from "p-limit";
import stripAnsi from "strip-ansi";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import type { PlannedDrift } from "../core/backport/index.js";
import { overlaps } from "../core/drift/evidence.js";
import { changedAttributes } from "../core/drift/pairing.js";
import type { ResourceChange } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import type { Masker } from "../core/render/mask.js";
import type { TerraformRunner } from "../ports.js";
import { planRequestFor } from "./plan-request.js";

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
  /** The codified drift to check; its resources are the plan's `-target`s. */
  items: readonly PlannedDrift[];
  signal?: AbortSignal;
}

export type VerifyResult =
  /** The plan ran: the drift it still changes, and its resource changes (for the body's excerpt). */
  | { ok: true; stillChanges: Set<string>; changes: ResourceChange[] }
  /** The plan failed or timed out: a readable, masked reason. */
  | { ok: false; reason: string };

/** Actions that leave a resource as it is. */
const KEEPS = new Set(["no-op", "read", "forget"]);

/**
 * Verified codify: plans a copy of the checkout with the edits written in, `-target`ed at the
 * drifted resources (only they are refreshed), and keeps a codify only if that plan proposes no
 * change to its attribute (or, for a removed block, no change to the resource at all).
 */
export async function verifyCodify(deps: VerifyDeps, request: VerifyRequest): Promise<VerifyResult> {
  const targets = [...new Set(request.items.map((i) => i.item.address))].sort();
  let scratch: string;
  try {
    scratch = await mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), "driftback-verify-"));
  } catch (error) {
    return { ok: false, reason: `could not make a scratch directory for the verification plan: ${String((error as NodeJS.ErrnoException).code ?? (error as Error).message)}` };
  }
  try {
    // 1. A copy of the tree (without .git), with the edits written in.
    try {
      await cp(request.checkoutDir, scratch, { recursive: true, verbatimSymlinks: true, filter: (source) => path.basename(source) !== ".git" });
      for (const [file, text] of request.files) {
        const target = path.join(scratch, file);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, text);
      }
    } catch (error) {
      return { ok: false, reason: `could not prepare the verification copy of the tree: ${deps.masker.scrubText(String((error as NodeJS.ErrnoException).code ?? (error as Error).message))}` };
    }
    // 2. The targeted plan, within the scan's plan concurrency.
    const plan = () => deps.terraform.plan({ ...planRequestFor(request.config, request.workspace, scratch, request.signal), targets });
    const outcome = await (deps.planLimit ? deps.planLimit(plan) : plan());
    if (!outcome.ok) {
      const detail = lastErrorLine(deps.masker.scrubText(stripAnsi(outcome.output)));
      return { ok: false, reason: `the verification plan failed: ${deps.masker.scrubText(outcome.message)}${detail ? `: ${detail}` : ""}` };
    }
    // 3. What it still changes, per codified attribute.
    let changes: ResourceChange[];
    try {
      const model = parsePlan(outcome.planJson);
      if (model.errored) return { ok: false, reason: "the verification plan errored: terraform could not finish it" };
      changes = model.resourceChanges;
    } catch (error) {
      return { ok: false, reason: `the verification plan's JSON is not usable: ${deps.masker.scrubText((error as Error).message).split("\n")[0]}` };
    }
    return { ok: true, stillChanges: stillChanged(request.items, changes), changes };
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
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

/** terraform's most telling line: the last "Error: …", else the last non-empty line. */
function lastErrorLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.replace(/^[│╷╵\s]+/, "").trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith("Error"));
  return (error ?? lines.at(-1) ?? "").slice(0, 300);
}
