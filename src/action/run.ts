import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Probot, ProbotOctokit } from "probot";
import { useConfigFileName } from "../adapters/github/config-source.js";
import { createSafeLog } from "../adapters/http/safe-log.js";
import { TerraformCli } from "../adapters/terraform/cli-runner.js";
import { detectIsolation, isolationReport, type IsolationStatus } from "../adapters/terraform/sandbox.js";
import { createDriftbackApp, ensureStateKeys } from "../index.js";
import type { TerraformRunner } from "../ports.js";
import { bundledTemplates } from "../templates.js";
import { ActionInputError, readActionInputs, type ActionInputs } from "./inputs.js";
import { writeOutputs, writeSummary } from "./outputs.js";
import { pullRequestsOutput } from "./report.js";
import { persistedCheckoutToken, runnerContext, RunnerContextError, scrubRunnerSecrets, type RunnerContext } from "./runner.js";
import { scheduledScan, ScheduledRunError } from "./scheduled.js";

/** The events the Action handles, and how: a scan of the repository, or the App's own webhook handlers. */
const SCAN_EVENTS = new Set(["schedule", "workflow_dispatch"]);
const WEBHOOK_EVENTS = new Set(["pull_request", "issue_comment"]);

/** pino's level number for `error`: the step fails when driftback logged one. */
const PINO_ERROR = 50;

export interface ActionRunOptions {
  /** The step's environment: read, then scrubbed in place (terraform and every other child inherit the result). */
  env: NodeJS.ProcessEnv;
  /** Tests: a fake terraform, a scratch dir, a clock, a log sink. */
  terraform?: TerraformRunner;
  scratchDir?: string;
  now?: () => number;
  logDestination?: NodeJS.WritableStream;
  /** Where workflow commands (`::add-mask::`, `::error::`) go: stdout, as the runner reads them. */
  stdout?: (text: string) => void;
  /** Tests against a mocked GitHub: no write throttle (one write a second) and no retries. */
  unthrottled?: boolean;
  /** Aborted when the job is cancelled (main.ts: SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

/**
 * driftback as a GitHub Action step, for teams that do not host the App: the same handlers and use cases, with
 * the workflow's token instead of an installation's. Returns the step's exit code: 1 when an input, the config,
 * a workspace's plan or any handler failed (each said as an `::error::` annotation), else 0; drift itself is in
 * the outputs. Between the token's mask and the annotations the runner reads no workflow command from stdout: a
 * log line quoting git, terraform or GitHub (`::add-mask::…` at a line's start) cannot steer the job.
 */
export async function runAction(options: ActionRunOptions): Promise<number> {
  const { env } = options;
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  let inputs;
  let runner;
  try {
    inputs = readActionInputs(env);
    runner = runnerContext(env);
  } catch (error) {
    if (error instanceof ActionInputError || error instanceof RunnerContextError) {
      stdout(`::error::${workflowCommandText(error.message)}\n`);
      return 1;
    }
    throw error;
  }
  stdout(`::add-mask::${inputs.token}\n`); // the runner masks the value wherever a later line prints it
  const resume = `driftback-${randomUUID()}`;
  stdout(`::stop-commands::${resume}\n`);
  const annotations: string[] = [];
  try {
    return await runEvent(options, inputs, runner, annotations);
  } finally {
    stdout(`::${resume}::\n`);
    for (const annotation of annotations) stdout(`::error::${workflowCommandText(annotation)}\n`);
  }
}

/** The event's work, once the inputs are read and the token masked; what fails is added to `annotations`. */
async function runEvent(options: ActionRunOptions, inputs: ActionInputs, runner: RunnerContext, annotations: string[]): Promise<number> {
  const { env } = options;
  // from here on no child (terraform, git, providers) can read the token, the runtime's tokens or the file commands
  scrubRunnerSecrets(env, [inputs.token]);
  useConfigFileName(inputs.configFile);

  let errors = 0;
  const log = await createSafeLog({ format: "pretty", level: env.LOG_LEVEL ?? "info", onLevel: (level) => void (level >= PINO_ERROR && errors++), ...(options.logDestination ? { destination: options.logDestination as never } : {}) });
  ensureStateKeys(env, log);
  if (persistedCheckoutToken(runner.workspace)) {
    log.warn("actions/checkout left its token in the workspace's git config (persist-credentials): terraform without isolation can read it there. driftback checks out on its own: remove the checkout step, or set persist-credentials: false");
  }
  const isolation = options.terraform ? undefined : actionIsolation(env, inputs.planForks, log);
  // ProbotOctokit: @octokit/core with the REST methods @octokit/rest has, plus the throttling and retry plugins
  const Octokit = options.unthrottled
    ? ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }))
    : // a function default has the last word over Probot's throttle options (which never retry a secondary rate limit)
      ProbotOctokit.defaults((o: { throttle?: object }) => ({ ...o, throttle: { ...o.throttle, ...throttleOptions(log) } }));
  const probot = new Probot({ githubToken: inputs.token, baseUrl: runner.apiUrl, log, Octokit });
  const app = createDriftbackApp({
    startScheduler: false,
    redis: null,
    env,
    appId: inputs.appId,
    botLogin: async () => inputs.botLogin,
    forkPlans: inputs.planForks && (!isolation || isolation.mode === "bubblewrap") ? "on-approval" : "never",
    // a comment's job runs with the default branch's identity (its OIDC subject, its environments' secrets): a pull
    // request's code planned there unsandboxed would reach more than the pull request's own workflow gives it
    ...(runner.eventName === "issue_comment" && isolation?.mode === "none" ? { commentPlans: "off" as const } : {}),
    templates: bundledTemplates(),
    // the isolation was reported above in a job's words: the App's boot line (at error level) is not for a runner
    terraform: options.terraform ?? new TerraformCli({ ...(isolation ? { isolation } : {}), ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}) }),
    ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  // no HTTP server in a job: the App's routes (metrics, scan endpoint, incident webhooks) are not served
  await probot.load(app.app, { cwd: process.cwd(), addHandler: () => {} });
  // a cancelled job (SIGINT, then SIGTERM from the runner): terraform is stopped with its process group, so it
  // releases its state lock, and the run ends as cancelled
  const cancel = () => {
    log.warn("the job was cancelled: stopping terraform");
    app.close(0).catch((error: unknown) => log.error({ err: error }, "stopping after the cancel failed"));
  };
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    if (SCAN_EVENTS.has(runner.eventName)) {
      const summary = await scheduledScan({ scans: app.scans(), octokit: await probot.auth(), owner: runner.owner, repo: runner.repo, workspaces: inputs.workspaces, dryRun: inputs.dryRun });
      writeOutputs(runner.outputPath, { "drift-count": String(summary.driftCount), "pull-requests": pullRequestsOutput(summary) });
      writeSummary(runner.summaryPath, bundledTemplates().actionSummary({ ...summary, pullRequests: summary.pullRequests.map((pr) => ({ ...pr, merged: pr.status === "merged" })) }));
      for (const failed of summary.workspaces.filter((w) => !w.ok)) annotations.push(`workspace ${failed.workspace} was not scanned: ${failed.error ?? "its plan failed"}`);
    } else if (WEBHOOK_EVENTS.has(runner.eventName)) {
      if (inputs.dryRun) log.warn(`dry-run applies to scheduled scans; a ${runner.eventName} run writes its comment and check runs as the App does`);
      const payload = JSON.parse(await readFile(runner.eventPath, "utf8")) as never;
      await probot.receive({ id: runner.runId, name: runner.eventName as "pull_request", payload });
      await app.idle();
    } else {
      annotations.push(`driftback does not handle the ${runner.eventName} event: run it on schedule, workflow_dispatch, pull_request or issue_comment (see examples/workflows)`);
      return 1;
    }
  } catch (error) {
    if (options.signal?.aborted) {
      annotations.push("the job was cancelled: terraform was stopped (its state lock released) and nothing more was written");
      return 1;
    }
    if (!(error instanceof ScheduledRunError)) throw error;
    annotations.push(error.message);
    return 1;
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    await app.close(0);
  }
  if (errors > 0) annotations.push(`driftback logged ${errors} error${errors === 1 ? "" : "s"} above`);
  return annotations.length > 0 ? 1 : 0;
}

/**
 * terraform's isolation in a job: bubblewrap where the runner allows it, as the App. Without it the repository's own
 * code still runs (the default branch is reviewed; a same-repository pull request's author can edit the workflow
 * itself, and so reach everything this job holds), but fork code never does: `plan-forks` needs the sandbox.
 */
function actionIsolation(env: NodeJS.ProcessEnv, planForks: boolean, log: { warn: (message: string) => void; info: (message: string) => void }): IsolationStatus {
  const found = detectIsolation(env);
  if (found.mode === "bubblewrap") {
    log.info(isolationReport(found).message);
    return found;
  }
  log.warn(`terraform is not isolated in this job (${found.problem}): the repository's own code is planned, as any step of this workflow could run it${planForks ? "; plan-forks is ignored, fork code is planned only under bubblewrap (install the bubblewrap package and allow unprivileged user namespaces on the runner)" : ""}`);
  return { ...found, allowUnisolated: true };
}

/** GitHub's rate limits: wait as `retry-after` says, at most twice and at most 10 minutes, then fail that call. */
function throttleOptions(log: { warn: (message: string) => void }) {
  const retry = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount >= 2 || retryAfter > 600) return false;
    log.warn(`${kind} rate limit on ${request.method} ${request.url}: retrying in ${retryAfter} s`);
    return true;
  };
  return { onRateLimit: retry("primary"), onSecondaryRateLimit: retry("secondary") };
}

/** A workflow command's message: `%`, CR and LF escaped as the runner expects (it unescapes them). */
export function workflowCommandText(message: string): string {
  return message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}
