/**
 * The app's own secrets: terraform runs repository code (external data sources, provisioners) and
 * must never see them. The incident trackers' tokens and webhook secrets are the app's too. In a GitHub
 * Actions step (the Action, or the CLI in a workflow): the inputs (the token), the runtime's tokens
 * (`ACTIONS_ID_TOKEN_REQUEST_TOKEN` mints cloud credentials) and the file commands that steer later steps.
 */
const APP_SECRETS = /^(PRIVATE_KEY.*|WEBHOOK_.*|GITHUB_CLIENT_.*|GITHUB_TOKEN|GH_TOKEN|GH_ENTERPRISE_TOKEN|GITHUB_ENTERPRISE_TOKEN|APP_ID|SENTRY_.*|REDIS_.*|DRIFTBACK_.*|PAGERDUTY_.*|JIRA_.*|INCIDENT_IO_.*|INPUT_.*|ACTIONS_.*|GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY))$/;

export interface TerraformEnvOptions {
  pluginCacheDir: string;
  dataDir: string;
  workspace: string;
  /** Inside the sandbox: HOME and TMPDIR in the run's own scratch dir, not driftback's. */
  home?: string;
}

/** The environment terraform runs with: the parent's (cloud credentials, PATH) minus the app's secrets. */
export function terraformEnv(parent: NodeJS.ProcessEnv, options: TerraformEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(parent)) if (!APP_SECRETS.test(key)) env[key] = value;
  env.TF_IN_AUTOMATION = "1";
  env.TF_INPUT = "0";
  env.CHECKPOINT_DISABLE = "1";
  env.TF_PLUGIN_CACHE_DIR = options.pluginCacheDir;
  // each run gets its own .terraform, so workspaces sharing a dir can plan side by side
  env.TF_DATA_DIR = options.dataDir;
  if (options.home) {
    env.HOME = options.home;
    env.TMPDIR = options.home;
  }
  if (options.workspace === "default") delete env.TF_WORKSPACE;
  else env.TF_WORKSPACE = options.workspace;
  return env;
}
