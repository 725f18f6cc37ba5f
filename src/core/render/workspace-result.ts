import type { PlanModel } from "../plan/model.js";

interface WorkspaceIdentity {
  name: string;
  dir: string;
  /** The terraform workspace (TF_WORKSPACE); "default" is not shown. */
  terraformWorkspace: string;
  /** e.g. "terraform 1.9.5" when the plan says so. */
  tool?: string;
}

/** What happened to one workspace of a pull request: the input to every view. */
export type WorkspaceResult =
  | (WorkspaceIdentity & { kind: "planned"; model: PlanModel })
  | (WorkspaceIdentity & {
      kind: "failed";
      stage: "init" | "plan" | "show" | "parse" | "checkout";
      message: string;
      /** terraform's stderr (or the errored plan's diagnostics); ANSI is stripped when rendered. */
      output: string;
      timedOut: boolean;
      /** An errored plan still carries what it got to. */
      model?: PlanModel;
    })
  | (WorkspaceIdentity & { kind: "not-planned"; reason: string });

export function resultConclusion(result: WorkspaceResult): "success" | "failure" | "neutral" {
  if (result.kind === "failed") return "failure";
  if (result.kind === "not-planned") return "neutral";
  return result.model.errored ? "failure" : "success";
}
