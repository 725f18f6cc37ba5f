import type { ApplicationFunction, Probot } from "probot";
import { TerraformCli } from "./adapters/terraform/cli-runner.js";
import type { AppServices } from "./handlers/deps.js";
import { onPlanCommand } from "./handlers/plan-command.js";
import { PreviewRuns } from "./handlers/preview-runs.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { bundledTemplates } from "./templates.js";

export interface DriftbackApp {
  app: ApplicationFunction;
  /** Resolves once every background plan has finished (tests, graceful shutdown). */
  idle: () => Promise<void>;
}

/** Builds the Probot app; tests pass their own services (a fake terraform, a scratch dir). */
export function createDriftbackApp(overrides: Partial<AppServices> = {}): DriftbackApp {
  let runs: PreviewRuns | undefined;
  const app = (probot: Probot) => {
    const services: AppServices = {
      terraform: overrides.terraform ?? new TerraformCli(),
      templates: overrides.templates ?? bundledTemplates(), // compiled now: a broken template fails the boot
      appId: overrides.appId ?? (process.env.APP_ID ? Number(process.env.APP_ID) : undefined),
      scratchDir: overrides.scratchDir,
    };
    runs = new PreviewRuns((key, error) => probot.log.error({ key, err: error }, "plan preview failed"));
    probot.on([...PULL_REQUEST_EVENTS], onPullRequest(services, runs));
    probot.on("issue_comment.created", onPlanCommand(services, runs));
  };
  return { app, idle: async () => runs?.idle() };
}

export default createDriftbackApp().app;
