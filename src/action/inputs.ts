import { GITHUB_ACTIONS_APP_ID, GITHUB_ACTIONS_BOT_LOGIN } from "../core/github-actions.js";

/**
 * The Action's inputs, as the runner hands them over: `INPUT_<NAME>` with the name upper-cased (a JavaScript action
 * keeps `-`: `INPUT_GITHUB-TOKEN`; action.yml, a composite action, passes them itself with `_`). Pure: the entry
 * reads them once and then removes every `INPUT_*` from the environment terraform inherits.
 */

/** The config files the Action may read: under `.github/`, where the App's config loader (and `_extends`) looks. */
const CONFIG_FILE = /^\.github\/([A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml)$/;

export interface ActionInputs {
  /** The config's file name under `.github/` (default `driftback.yml`). */
  configFile: string;
  /** Globs of workspace names to scan; empty: every configured workspace. */
  workspaces: string[];
  token: string;
  dryRun: boolean;
  /** Whether a writer's `/driftback plan <sha>` may plan fork code (off: the job holds the repository's secrets). */
  planForks: boolean;
  /** Whose pull requests and comments are driftback's: `github-actions[bot]`, or an App token's `<slug>[bot]`. */
  botLogin: string;
  /** The App whose comments and check runs are driftback's (GitHub Actions' own for GITHUB_TOKEN). */
  appId: number;
}

export class ActionInputError extends Error {}

/** An input's value: `INPUT_GITHUB-TOKEN` or `INPUT_GITHUB_TOKEN`, trimmed; undefined when empty or absent. */
export function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const upper = name.toUpperCase();
  for (const key of [`INPUT_${upper}`, `INPUT_${upper.replaceAll("-", "_")}`]) {
    const value = env[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Every input, checked; a bad one is named with what to do. */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const token = input(env, "github-token");
  if (!token) throw new ActionInputError("input github-token is empty: leave it out (it defaults to ${{ github.token }}) or pass a token, such as one from actions/create-github-app-token");
  const config = input(env, "config") ?? ".github/driftback.yml";
  const file = CONFIG_FILE.exec(config.replace(/^\.\//, ""));
  if (!file) throw new ActionInputError(`input config is ${JSON.stringify(config)}: it must name a .yml or .yaml file directly under .github/ (such as .github/driftback.yml), where driftback reads its config from the default branch`);
  const dryRun = booleanInput(env, "dry-run", false);
  const appIdText = input(env, "app-id");
  const appId = appIdText === undefined ? GITHUB_ACTIONS_APP_ID : Number(appIdText);
  if (!Number.isSafeInteger(appId) || appId < 1) throw new ActionInputError(`input app-id is ${JSON.stringify(appIdText)}: give the numeric id of the GitHub App whose token github-token is (or leave it out for GITHUB_TOKEN)`);
  const botLogin = input(env, "bot-login") ?? GITHUB_ACTIONS_BOT_LOGIN;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/.test(botLogin)) throw new ActionInputError(`input bot-login is ${JSON.stringify(botLogin)}: give a GitHub login such as my-app[bot]`);
  if (appIdText !== undefined && input(env, "bot-login") === undefined) throw new ActionInputError("input app-id is set without bot-login: give both (the App's id and its `<app-slug>[bot]` login) so driftback recognises its own pull requests and comments");
  const workspaces = (input(env, "workspaces") ?? "").split(/[\s,]+/).filter(Boolean);
  const planForks = booleanInput(env, "plan-forks", false);
  return { configFile: file[1]!, workspaces, token, dryRun, planForks, botLogin, appId };
}

/** YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them. */
function booleanInput(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = input(env, name);
  if (value === undefined) return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new ActionInputError(`input ${name} is ${JSON.stringify(value)}: use true or false`);
}
