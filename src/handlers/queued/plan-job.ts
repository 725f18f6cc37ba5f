import type { Config } from "../../config/schema.js";
import type { DriftItem } from "../../core/drift/items.js";
import type { WorkspaceScan } from "../../core/drift/state.js";

/** One workspace to plan at one commit: all a replica needs to check it out and plan it. */
export interface PlanJobData {
  installationId: number;
  cloneUrl: string;
  owner: string;
  repo: string;
  sha: string;
  config: Config;
  workspace: string;
  /** Whether the plan JSON is wanted back (kept aside in Redis, not in the job: it can be big). */
  planJson: boolean;
}

/** A plan job's return value: the workspace's outcome, its plan JSON (when wanted) stored under `planJsonKey`. */
export interface PlanJobResult {
  result: WorkspaceScan;
  items: DriftItem[];
  planJsonKey?: string;
}

/**
 * The plan job of a workspace at a commit, within one scan run (the scan job's id when it is the parent): the same
 * scan taken over by another replica finds the jobs it added, a later scan of the same commit plans afresh.
 * Every part is URI-encoded, so no ":" (BullMQ refuses it) and no two inputs share an id.
 */
export function planJobId(installationId: number, owner: string, repo: string, sha: string, workspace: string, run?: string): string {
  const parts = [String(installationId), owner.toLowerCase(), repo.toLowerCase(), sha, workspace, ...(run !== undefined ? [run] : [])];
  return ["plan", ...parts.map(encodeURIComponent)].join("/");
}

/** The outcome of a workspace whose plan job failed (checkout, authentication, a crash): reported like a failed plan. */
export function failedPlan(workspace: string, error: string): { result: WorkspaceScan; items: DriftItem[] } {
  return { result: { workspace, ok: false, error }, items: [] };
}
