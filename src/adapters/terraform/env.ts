/**
 * The app's own secrets: terraform runs repository code (external data sources, provisioners) and
 * must never see them. The incident trackers' tokens and webhook secrets are the app's too.
 */
const APP_SECRETS = /^(PRIVATE_KEY|PRIVATE_KEY_PATH|WEBHOOK_SECRET|WEBHOOK_PROXY_URL|GITHUB_CLIENT_SECRET|GITHUB_CLIENT_ID|GITHUB_TOKEN|GH_TOKEN|APP_ID|SENTRY_DSN|REDIS_URL|DRIFTBACK_.*|PAGERDUTY_.*|JIRA_.*|INCIDENT_IO_.*)$/;

export interface TerraformEnvOptions {
  pluginCacheDir: string;
  dataDir: string;
  workspace: string;
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
  if (options.workspace === "default") delete env.TF_WORKSPACE;
  else env.TF_WORKSPACE = options.workspace;
  return env;
}
