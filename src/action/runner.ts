import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * What the runner says about the run (GitHub's default environment variables for Actions), read once at start.
 * Pure but for `persistedCheckoutToken`, which reads one file.
 */
export interface RunnerContext {
  eventName: string;
  eventPath: string;
  owner: string;
  repo: string;
  workspace?: string;
  runnerTemp?: string;
  outputPath?: string;
  summaryPath?: string;
  apiUrl: string;
  runId: string;
}

export class RunnerContextError extends Error {}

export function runnerContext(env: NodeJS.ProcessEnv): RunnerContext {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new RunnerContextError(`${name} is not set: driftback's Action runs inside a GitHub Actions job, where the runner sets it`);
    return value;
  };
  const repository = need("GITHUB_REPOSITORY");
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0) throw new RunnerContextError(`GITHUB_REPOSITORY is ${JSON.stringify(repository)}: expected owner/name`);
  return {
    eventName: need("GITHUB_EVENT_NAME"),
    eventPath: need("GITHUB_EVENT_PATH"),
    owner,
    repo,
    ...(env.GITHUB_WORKSPACE ? { workspace: env.GITHUB_WORKSPACE } : {}),
    ...(env.RUNNER_TEMP ? { runnerTemp: env.RUNNER_TEMP } : {}),
    ...(env.GITHUB_OUTPUT ? { outputPath: env.GITHUB_OUTPUT } : {}),
    ...(env.GITHUB_STEP_SUMMARY ? { summaryPath: env.GITHUB_STEP_SUMMARY } : {}),
    apiUrl: (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, ""),
    runId: env.GITHUB_RUN_ID ? `${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? "1"}` : "local",
  };
}

/**
 * Variables the runner gives every step that terraform must never see: the inputs (the token is one), the runtime's
 * own tokens (cache, artifacts, OIDC: `ACTIONS_ID_TOKEN_REQUEST_TOKEN` mints cloud credentials for anyone holding it),
 * and the file commands (`GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_OUTPUT`, ...: a write there steers the job's later steps).
 */
const RUNNER_SECRETS = /^(INPUT_.*|ACTIONS_.*|GITHUB_TOKEN|GH_TOKEN|GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT|GITHUB_STATE|GITHUB_STEP_SUMMARY)$/;

/**
 * Removes from `env` (the process's own, so every child inherits the result) what the runner exposes to a step
 * and terraform must not reach, and any variable holding one of `secrets` (a token copied into another name).
 * Returns the names removed, for the log (never their values).
 */
export function scrubRunnerSecrets(env: NodeJS.ProcessEnv, secrets: readonly string[]): string[] {
  const removed: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (RUNNER_SECRETS.test(key) || (value && secrets.some((secret) => secret.length >= 8 && value.includes(secret)))) {
      delete env[key];
      removed.push(key);
    }
  }
  return removed.sort();
}

/**
 * Whether `actions/checkout` left its token in the workspace's git config (its default, `persist-credentials: true`):
 * terraform without isolation could read it there. driftback checks out on its own and needs no checkout step.
 */
export function persistedCheckoutToken(workspace: string | undefined): boolean {
  if (!workspace) return false;
  const config = path.join(workspace, ".git", "config");
  if (!existsSync(config)) return false;
  try {
    // up to v5 the header sits in .git/config; v6 keeps it in a credentials file the config includes
    return /extraheader\s*=\s*AUTHORIZATION|^\s*path\s*=.*credentials/im.test(readFileSync(config, "utf8"));
  } catch {
    return false;
  }
}
