import path from "node:path";
import { durationToMs, type Config, type WorkspaceConfig } from "../config/schema.js";
import type { PlanRequest, PluginCacheScope, TerraformRunner } from "../ports.js";

/** How a configured workspace is planned inside a checkout: one place for previews and scans alike. */
export function planRequestFor(config: Config, workspace: WorkspaceConfig, checkoutDir: string, signal?: AbortSignal): PlanRequest {
  return {
    dir: path.join(checkoutDir, workspace.dir),
    binary: config.binary,
    workspace: workspace.workspace,
    varFiles: workspace.var_files,
    backendConfig: workspace.backend_config,
    timeoutMs: durationToMs(config.plan.timeout),
    lockTimeout: config.plan.lock_timeout,
    signal,
    label: workspace.name,
  };
}

/** The runner with every plan of this use case tagged with whose code it runs (the plugin cache it may write). */
export function scopedTerraform<T extends TerraformRunner>(runner: T, scope: PluginCacheScope): T {
  return Object.assign(Object.create(runner) as T, { plan: (request: PlanRequest) => runner.plan({ ...request, pluginCache: request.pluginCache ?? scope }) });
}
