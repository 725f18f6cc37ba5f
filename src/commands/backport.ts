import { realpath } from "node:fs/promises";
import path from "node:path";
import { repoTopLevel, localHeadSha, uncommittedFiles } from "../adapters/git/local-repo.js";
import { OctokitBackportHost } from "../adapters/github/octokit-backport-host.js";
import { TokenGitHub } from "../adapters/github/token-github.js";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { hclToolchain } from "../adapters/hcl/toolchain.js";
import { DryRunBackportHost } from "../adapters/local/dry-run-backport-host.js";
import { cliTerraform } from "../adapters/terraform/cli-runner.js";
import type { Config } from "../config/schema.js";
import { escapeForOneLine } from "../core/printable.js";
import type { BackportHost, Logger, RepoRef, TerraformProgress, TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import { backportDrift, type BackportIncidentsInput, type BackportReport } from "../usecases/backport-drift.js";
import { FileIncidentSource, IncidentsFileError, readIncidentsFile } from "../adapters/incidents/file-source.js";
import { LocalFileError } from "../adapters/local-file.js";
import { DEFAULT_LOOKBACK_MS } from "../core/incidents/index.js";
import { severityOf } from "../core/drift/track.js";
import { driftSummary } from "../core/render/terminal/drift-text.js";
import { cliWords } from "./cli-words.js";
import { formatBackportOutput, openedPullRequests, proposedPullRequests, skippedDrift, type BackportFormat, type BackportOutput } from "./backport-output.js";
import { loadBackportSetup } from "./backport-setup.js";
import { CommandInputError, requireDirDeclaresDrift } from "./workspace-checks.js";

export interface BackportCommandOptions {
  dir: string;
  planJson: string;
  workspace?: string;
  /** `--var-file`s, relative to the workspace's dir, in order (after the workspace's `var_files` with --workspace). */
  varFiles?: string[];
  dryRun: boolean;
  /** Run the verification plan (always on in a real run unless the config says `backport.verify: false`). */
  verify: boolean;
  /** owner/name: required without --dry-run. */
  repo?: string;
  /** The branch pull requests target; default `backport.base`, else the repository's default branch (`main` in a dry run). */
  base?: string;
  /** Whose commits and closings are driftback's; default the token's user (the Actions bot for a workflow token). */
  botLogin?: string;
  format: BackportFormat;
  /** For the text format: the terminal's width and colour (80 columns, no colour by default). */
  textOutput?: { width: number; colour: boolean };
  templates: Templates;
  /** GITHUB_TOKEN and GITHUB_API_URL come from here (process.env by default). */
  env?: NodeJS.ProcessEnv;
  terraform?: TerraformRunner;
  /** Stops the verification plans (SIGINT to terraform's process group, so it releases its state lock): the CLI's Ctrl-C. */
  signal?: AbortSignal;
  /** Told when each terraform command starts and ends: the CLI's progress on stderr at a terminal. */
  progress?: TerraformProgress;
  /** Where verification copies of the tree go. */
  scratchDir?: string;
  /** warn/error lines of the use case's log (stderr in the CLI). */
  notice?: (line: string) => void;
  /** A JSON file of incidents in the neutral shape: correlate offline (dry run only). */
  incidentsFrom?: string;
  /** The workspace's last clean scan (ISO 8601): the drift window's start; default 24 hours before the plan's timestamp. */
  lastClean?: string;
}

export interface BackportCommandResult {
  text: string;
  output: BackportOutput;
  report: BackportReport;
}

const REPO_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
/** A dry run plans no real commit: new branches "start" here. */
const DRY_RUN_BASE_SHA = "0".repeat(40);

/**
 * `driftback backport`: the pull requests that codify or revert a workspace's drift, through the
 * same use case the App runs. `--dry-run` records them with a host that writes nothing and prints
 * them with their diffs; otherwise they are opened on GitHub with the token in GITHUB_TOKEN.
 */
export async function backportCommand(options: BackportCommandOptions): Promise<BackportCommandResult> {
  // 1. Flags that need nothing read, then the repository, its config and the plan's drift.
  const env = options.env ?? process.env;
  if (options.incidentsFrom !== undefined && !options.dryRun) throw new CommandInputError("--incidents-from works with --dry-run only: a real run reads the incident sources of .github/driftback.yml");
  if (options.lastClean !== undefined && options.incidentsFrom === undefined) throw new CommandInputError("--last-clean goes with --incidents-from <file.json>: it starts the window incidents are correlated in");
  const repo = options.repo === undefined ? undefined : parseRepo(options.repo);
  if (!options.dryRun && !repo) throw new CommandInputError("give --dry-run to print the pull requests, or --repo owner/name (with a token in GITHUB_TOKEN) to open them");
  const token = env.GITHUB_TOKEN?.trim();
  if (!options.dryRun && !token) throw new CommandInputError("GITHUB_TOKEN is not set: --repo opens pull requests with the token in GITHUB_TOKEN (contents and pull requests: write); or use --dry-run");
  const setup = await loadBackportSetup({ dir: options.dir, planJson: options.planJson, ...(options.workspace !== undefined ? { workspace: options.workspace } : {}), ...(options.varFiles ? { varFiles: options.varFiles } : {}) });
  const config = withVerify(setup.config, options.dryRun ? options.verify : options.verify || setup.config.backport.verify);
  const incidents = options.incidentsFrom === undefined ? undefined : await offlineIncidents(options.incidentsFrom, options.lastClean, setup.planJson, setup.workspace.name, config);
  // a workspace that declares none of the drift is not the one planned: nothing it proposed would be right
  const drifted = setup.items.filter((i) => i.class === "actionable" || i.class === "deleted").map((i) => i.address);
  await requireDirDeclaresDrift(setup.repoDir, setup.workspace.dir, drifted, options.workspace === undefined ? `--dir ${escapeForOneLine(options.dir)}` : `workspace ${escapeForOneLine(setup.workspace.name)}'s dir ${escapeForOneLine(setup.workspace.dir)}`);

  // 2. The host: a recording one, or GitHub at the commit that was planned.
  const target = repo ?? { owner: "local", repo: path.basename(setup.repoDir) || "repository" };
  let host: BackportHost;
  let baseBranch: string;
  let baseSha: string;
  let botLogin: string;
  if (options.dryRun) {
    host = new DryRunBackportHost();
    baseBranch = options.base ?? config.backport.base ?? "main";
    baseSha = DRY_RUN_BASE_SHA;
    botLogin = options.botLogin ?? "driftback[bot]";
  } else {
    baseSha = await plannedCommit(setup.repoDir, options.dir);
    const github = new TokenGitHub(token!, env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {});
    baseBranch = options.base ?? config.backport.base ?? (await github.defaultBranch(target));
    const remoteHead = await github.branchHead(target, baseBranch);
    if (remoteHead === undefined) throw new CommandInputError(`${escapeForOneLine(`${target.owner}/${target.repo}`)} has no branch ${escapeForOneLine(baseBranch)}; give the base branch with --base`);
    if (remoteHead !== baseSha) {
      throw new CommandInputError(
        `the local HEAD ${baseSha.slice(0, 7)} is not the head of ${escapeForOneLine(baseBranch)} on GitHub (${remoteHead.slice(0, 7)}): check out and pull ${escapeForOneLine(baseBranch)}, plan again, and rerun, so the pull requests start from the code that was planned`,
      );
    }
    botLogin = options.botLogin ?? (await github.login());
    host = new OctokitBackportHost(github.forBackportHost(), { botLogin });
  }

  // 3. The use case, exactly as the App runs it after a scan.
  const report = await backportDrift(
    {
      host,
      terraform: options.terraform ?? cliTerraform(options.notice, process.env, options.signal, options.progress),
      toolchain: hclToolchain,
      loadParser: loadHclParser,
      templates: options.templates,
      logger: cliLogger(options.notice),
      botLogin,
      ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
    },
    {
      repo: target,
      baseBranch,
      baseSha,
      checkoutDir: setup.repoDir,
      config,
      items: setup.items,
      scanned: [setup.workspace.name],
      remembered: [],
      reopen: [],
      firstSeen: new Map(),
      planExcerpts: new Map([[setup.workspace.name, setup.planJson]]),
      ...(incidents ? { incidents } : {}),
      // a dry run without --verify skips the plan by the caller's choice, not the config's
      ...(options.dryRun && !options.verify && setup.config.backport.verify ? { unverifiedBy: "dry-run" as const } : {}),
    },
  );

  // 4. What to print: the recorded pull requests with diffs, or what GitHub now has.
  const output: BackportOutput = {
    dryRun: options.dryRun,
    repo: `${target.owner}/${target.repo}`,
    workspace: setup.workspace.name,
    proposed: host instanceof DryRunBackportHost ? await proposedPullRequests(host, setup.repoDir, { verify: config.backport.verify, recordsDir: config.backport.records_dir, ...(report.incidentSections ? { incidents: report.incidentSections } : {}) }) : [],
    opened: options.dryRun ? [] : openedPullRequests(report, setup.items),
    skipped: skippedDrift(report, setup.items),
    writes: report.writes,
  };
  // the summary line counts the plan's drift, with the workspace's tier setting how severe it is
  const summary = driftSummary(setup.items.map((i) => ({ class: i.class, taxonomy: i.taxonomy, severity: severityOf(setup.workspace.tier, i.taxonomy) })));
  // the skipped drift's reasons and the dry run's bodies are the App's words: a CLI run is retried by running it again
  const text = cliWords(formatBackportOutput(output, options.format, options.templates, { ...(options.textOutput ?? { width: 80, colour: false }), summary, recordsDir: config.backport.records_dir }));
  return { text, output, report };
}

/**
 * Real drift for `--detailed-exitcode`: drift that gets (or keeps) a pull request, or waits for one
 * (over backport.max_open). Drift a rule ignores, a person ignored or backport is off for is not.
 */
export function realDriftCount(report: BackportReport): number {
  return Object.values(report.drift).filter((s) => s.status === "open" || s.status === "merged" || s.status === "waiting").length;
}

/** Drift the run could not carry out (a failed write or verification plan): the command exits 1 after printing the rest. */
export function failureLine(report: BackportReport): string | undefined {
  const failed = Object.values(report.drift).filter((status) => status.status === "failed");
  if (failed.length === 0) return undefined;
  const first = failed[0]!;
  return `${failed.length} drift could not be backported; first: ${first.status === "failed" ? first.reason : ""}`;
}

/**
 * `--incidents-from` and `--last-clean`: an in-memory source over the file; the drift is first seen
 * at the plan's `timestamp` (now when the plan has none), the window starts at --last-clean or 24
 * hours earlier; correlation options come from the config's `incidents:`.
 */
async function offlineIncidents(file: string, lastClean: string | undefined, planJson: string, workspace: string, config: Config): Promise<BackportIncidentsInput> {
  let since: number | undefined;
  if (lastClean !== undefined) {
    since = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(lastClean) ? Date.parse(lastClean) : Number.NaN;
    if (Number.isNaN(since)) throw new CommandInputError(`--last-clean ${escapeForOneLine(lastClean).slice(0, 80)} must be an ISO 8601 time such as 2024-05-01T01:00:00Z`);
  }
  let incidents;
  try {
    incidents = await readIncidentsFile(file);
  } catch (error) {
    if (error instanceof IncidentsFileError || error instanceof LocalFileError) throw new CommandInputError(error.message, { cause: error });
    throw error;
  }
  const now = planTimestamp(planJson) ?? new Date().toISOString();
  const start = since ?? Date.parse(now) - DEFAULT_LOOKBACK_MS;
  if (start > Date.parse(now)) throw new CommandInputError(`--last-clean ${escapeForOneLine(lastClean ?? "")} is after the plan's timestamp ${now}; the last clean scan comes before the drift`);
  return {
    sources: [new FileIncidentSource(incidents)],
    options: { tagKeys: config.incidents.tag_keys, services: config.incidents.services, threshold: config.incidents.threshold },
    lastClean: new Map([[workspace, new Date(start).toISOString()]]),
    now,
  };
}

/** The plan JSON's top-level `timestamp` (terraform 1.5+): when the plan, and so the drift's first sighting, was made. */
function planTimestamp(planJson: string): string | undefined {
  try {
    const value = (JSON.parse(planJson) as { timestamp?: unknown }).timestamp;
    return typeof value === "string" && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

function parseRepo(value: string): RepoRef {
  if (!REPO_PATTERN.test(value)) throw new CommandInputError(`--repo ${escapeForOneLine(value)} must be owner/name, such as acme/infra`);
  const [owner, name] = value.split("/") as [string, string];
  return { owner, repo: name };
}

/** `--verify` asks for the verification plan; without it a dry run plans nothing. */
function withVerify(config: Config, verify: boolean): Config {
  return config.backport.verify === verify ? config : { ...config, backport: { ...config.backport, verify } };
}

/** The commit the plan was made from: the local HEAD of a clean checkout whose root is --dir (commits take paths from there). */
async function plannedCommit(repoDir: string, dirShown: string): Promise<string> {
  const shown = escapeForOneLine(dirShown);
  const top = await repoTopLevel(repoDir);
  if (!top.ok) throw new CommandInputError(`--dir ${shown} is not a git checkout (${escapeForOneLine(top.reason)}); opening pull requests needs the repository's clone`);
  if ((await realpath(top.value)) !== (await realpath(repoDir))) {
    throw new CommandInputError(`--dir ${shown} is inside the repository at ${escapeForOneLine(top.value)}; give the repository's root as --dir and the workspace with --workspace (from .github/driftback.yml)`);
  }
  const head = await localHeadSha(repoDir);
  if (!head.ok) throw new CommandInputError(`--dir ${shown} has no commit checked out (${escapeForOneLine(head.reason)})`);
  const dirty = await uncommittedFiles(repoDir);
  if (!dirty.ok) throw new CommandInputError(`--dir ${shown}: git status failed (${escapeForOneLine(dirty.reason)})`);
  if (dirty.value.length > 0) {
    throw new CommandInputError(`--dir ${shown} has uncommitted changes (${escapeForOneLine(dirty.value.slice(0, 3).join(", "))}${dirty.value.length > 3 ? ", …" : ""}); commit or stash them, so the pull requests hold only driftback's edits`);
  }
  return head.value;
}

/** The use case's log: warnings and errors as one line each; their fields hold reasons, never file contents or tokens. */
function cliLogger(notice?: (line: string) => void): Logger {
  const line = (obj: object, msg?: string) => {
    const reason = (obj as { reason?: unknown; error?: unknown }).reason ?? (obj as { error?: unknown }).error;
    notice?.(`${msg ?? "backport"}${typeof reason === "string" ? `: ${reason}` : ""}`);
  };
  return { debug: () => {}, info: () => {}, warn: line, error: line };
}

