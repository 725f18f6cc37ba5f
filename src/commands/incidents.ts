import path from "node:path";
import { IncidentSourceError } from "../adapters/incidents/errors.js";
import { toNeutral } from "../adapters/incidents/file-source.js";
import { createIncidentSources, type IncidentSourcesDeps } from "../adapters/incidents/sources.js";
import { TokenGitHub } from "../adapters/github/token-github.js";
import { CONFIG_PATH } from "../config/validate.js";
import { escapeForOneLine } from "../core/printable.js";
import { renderIncidentsText } from "../core/render/terminal/incidents-text.js";
import type { Incident } from "../ports.js";
import { bundledTemplates, type Templates } from "../templates.js";
import { readRepoConfig } from "./backport-setup.js";
import { CommandInputError, requireDirectory } from "./workspace-checks.js";

export type IncidentsFormat = "text" | "json";

export interface IncidentsCommandOptions {
  /** The repository whose .github/driftback.yml configures the sources. */
  dir: string;
  /** An ISO 8601 time, or a duration back from now: `90m`, `24h`, `7d`. */
  since: string;
  /** Print each incident's text too (it can hold customer data: off by default). */
  withText: boolean;
  /** json: the neutral shape (--incidents-from reads it back); text: a table for terminals. json by default. */
  format?: IncidentsFormat;
  /** For the text format: the terminal's width and colour, and its templates. */
  textOutput?: { width: number; colour: boolean };
  templates?: Pick<Templates, "text">;
  /** Tokens come from here (process.env by default): GITHUB_TOKEN for incidents.github, the INCIDENT_ENV variables for the others. */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  timeoutMs?: number;
}

export interface IncidentsCommandResult {
  /** JSON: the incidents in driftback's neutral shape, each with its source, oldest first. */
  text: string;
  /** One line per source that could not be built or could not answer (never a token). */
  problems: string[];
}

const DURATION = /^(\d{1,5})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `driftback incidents --since <time>`: what each configured incident source returns for the window
 * since then, in the neutral shape `--incidents-from` reads, to check credentials and the service map.
 * A source that fails is one line on stderr and the others are still printed.
 */
export async function incidentsCommand(options: IncidentsCommandOptions): Promise<IncidentsCommandResult> {
  // 1. The window.
  const until = (options.now ?? (() => new Date()))();
  const since = sinceOf(options.since, until);

  // 2. The config's sources, secrets from the environment.
  const repoDir = path.resolve(options.dir);
  await requireDirectory(repoDir, "--dir", options.dir);
  const file = await readRepoConfig(repoDir, options.dir);
  if (!file) throw new CommandInputError(`${escapeForOneLine(path.join(options.dir, CONFIG_PATH))} does not exist; the incident sources are configured under incidents: there`);
  const incidents = file.config.incidents;
  if (!incidents.github && !incidents.pagerduty && !incidents.jira && !incidents.incident_io) {
    throw new CommandInputError(`${escapeForOneLine(path.join(options.dir, CONFIG_PATH))} configures no incident source; add incidents.github, incidents.pagerduty, incidents.jira or incidents.incident_io`);
  }
  const env = options.env ?? process.env;
  const token = env.GITHUB_TOKEN?.trim();
  const deps: IncidentSourcesDeps = {
    env,
    scope: "cli",
    ...(token ? { githubOctokit: new TokenGitHub(token, env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}).octokit as unknown as NonNullable<IncidentSourcesDeps["githubOctokit"]> } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const built = createIncidentSources(incidents, deps);
  const problems = built.problems.map((p) => (p.includes("no GitHub installation") ? `${p} Set GITHUB_TOKEN to read it from the CLI.` : p));

  // 3. Every source, side by side; a failure is a line.
  const found: Incident[] = [];
  const answers = await Promise.allSettled(built.sources.map((source) => source.listIncidents({ since, until })));
  answers.forEach((answer, at) => {
    const name = built.sources[at]!.name;
    if (answer.status === "fulfilled") found.push(...answer.value);
    else problems.push(`${name}: ${answer.reason instanceof IncidentSourceError ? escapeForOneLine(answer.reason.reason) : "the incident source failed unexpectedly"}`);
  });
  found.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const neutral = found.map((i) => toNeutral(i, options.withText));
  if (options.format === "text") {
    const { incidents: render, incidentsColumns: columns } = (options.templates ?? bundledTemplates()).text;
    const text = renderIncidentsText(neutral, { since: since.toISOString(), sources: built.sources.length + built.problems.length, ...(options.textOutput ?? { width: 80, colour: false }), render, columns });
    return { text, problems };
  }
  return { text: `${JSON.stringify(neutral, null, 2)}\n`, problems };
}

function sinceOf(value: string, until: Date): Date {
  const duration = DURATION.exec(value.trim());
  if (duration) return new Date(until.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  const ms = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new CommandInputError(`--since ${escapeForOneLine(value).slice(0, 80)} must be an ISO 8601 time such as 2024-05-01T00:00:00Z, or a duration back from now such as 24h or 7d`);
  if (ms > until.getTime()) throw new CommandInputError(`--since ${escapeForOneLine(value).slice(0, 80)} is in the future`);
  return new Date(ms);
}
