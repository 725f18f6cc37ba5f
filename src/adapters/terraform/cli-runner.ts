import { randomUUID } from "node:crypto";
import { access, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ApplyOutcome, ApplyRequest, PlanOutcome, PlanRequest, PlanStage, SavedPlan, TerraformProgress, TerraformRunner, TerraformStep } from "../../ports.js";
import { terraformEnv } from "./env.js";
import { pluginCacheDirFor } from "./plugin-cache.js";
import { runProgram, type RunResult } from "./process.js";
import { bwrapArgs, checkoutRoot, detectIsolation, ignoringSigterm, refusedMessage, resolveBinary, scratchDirs, systemBinds, unsafeBind, type IsolationStatus } from "./sandbox.js";

export interface TerraformCliOptions {
  /** Shared provider cache; defaults to ~/.cache/driftback/plugins. */
  pluginCacheDir?: string;
  /** Where per-run data dirs and plan files go; defaults to the OS temp dir. */
  scratchDir?: string;
  /** The environment terraform starts from (minus the app's secrets); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Time terraform gets to release its state lock after SIGTERM (or `stopSignal`) before SIGKILL. */
  killGraceMs?: number;
  /** What a timeout or cancellation sends terraform's process group first (default SIGTERM; the CLI: SIGINT). */
  stopSignal?: "SIGTERM" | "SIGINT";
  /** Cancels every run of this runner (besides each request's own signal): the CLI's Ctrl-C or SIGTERM. */
  signal?: AbortSignal;
  /** How many inits may run at once, each with its own plugin cache slot (default 4). */
  cacheSlots?: number;
  /**
   * How terraform is isolated from driftback (see sandbox.ts, detectIsolation). The app and the CLI pass what
   * they found at start; omitted, terraform runs as a plain child process (tests with a fake terraform).
   */
  isolation?: IsolationStatus;
  /** Told when each init, plan, show and apply starts and ends (the CLI's progress at a terminal). */
  progress?: TerraformProgress;
}

/** One terraform command of a run: where it starts and whether the plugin cache is writable (init only). */
interface Step {
  cwd: string;
  env: NodeJS.ProcessEnv;
  runDir: string;
  cacheWritable: boolean;
}

/**
 * terraform's plugin cache is not safe when two inits install into it at once, so every init
 * borrows a cache slot (its own subdirectory of the cache) that no other init uses meanwhile.
 * Slots stay warm between runs; more slots mean more inits side by side (and more disk).
 */
class CacheSlots {
  private readonly free: number[];
  private readonly waiting: ((slot: number) => void)[] = [];

  constructor(count: number) {
    this.free = Array.from({ length: Math.max(1, count) }, (_, i) => i);
  }

  async with<T>(work: (slot: number) => Promise<T>): Promise<T> {
    const slot = this.free.shift() ?? (await new Promise<number>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(slot);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }
}

/** Shared per cache directory, so separate runners in one process still never share a slot. */
const slotPools = new Map<string, CacheSlots>();

/**
 * The CLI's runner (`driftback scan`, `backport --verify`): the same runner as the app's, isolated under bubblewrap
 * when this machine allows it, else run as before with one line on stderr saying so.
 */
export function cliTerraform(warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`), env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal, progress?: TerraformProgress): TerraformCli {
  const isolation = detectIsolation(env, { cli: true });
  // DRIFTBACK_TERRAFORM_ISOLATION=none is the user's own choice: said once in the README, not on every run
  if (isolation.mode === "none" && env.DRIFTBACK_TERRAFORM_ISOLATION !== "none") warn(`warning: terraform runs without isolation (${isolation.problem}): the code planned can read this process's environment and files`);
  // Ctrl-C or SIGTERM of the CLI reaches terraform as SIGINT: it stops gracefully and releases its state lock
  return new TerraformCli({ isolation, stopSignal: "SIGINT", ...(signal ? { signal } : {}), ...(progress ? { progress } : {}) });
}

/** Runs `init`, `plan -out` and `show -json` with the terraform or tofu CLI. */
export class TerraformCli implements TerraformRunner {
  private readonly pluginCacheDir: string;
  private readonly scratchDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly killGraceMs: number | undefined;
  private readonly slotCount: number;
  private readonly isolation: IsolationStatus | undefined;
  private readonly stopSignal: "SIGTERM" | "SIGINT" | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly progress: TerraformProgress | undefined;

  constructor(options: TerraformCliOptions = {}) {
    this.pluginCacheDir = options.pluginCacheDir ?? process.env.DRIFTBACK_PLUGIN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "driftback", "plugins");
    this.scratchDir = options.scratchDir ?? os.tmpdir();
    this.env = options.env ?? process.env;
    this.killGraceMs = options.killGraceMs;
    this.isolation = options.isolation;
    this.stopSignal = options.stopSignal;
    this.signal = options.signal;
    this.progress = options.progress;
    this.slotCount = options.cacheSlots ?? (Number(process.env.DRIFTBACK_PLUGIN_CACHE_SLOTS) || 4);
  }

  /** The slots of one scope's cache (see pluginCacheDirFor), shared by every runner in this process. */
  private slotsOf(scope: PlanRequest["pluginCache"]): { dir: string; slots: CacheSlots } {
    const dir = pluginCacheDirFor(this.pluginCacheDir, scope);
    const key = `${dir}#${this.slotCount}`;
    const slots = slotPools.get(key) ?? new CacheSlots(this.slotCount);
    slotPools.set(key, slots);
    return { dir, slots };
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const runDir = path.join(this.scratchDir, `driftback-run-${randomUUID()}`);
    await mkdir(runDir, { recursive: true });
    const planFile = path.join(runDir, "tfplan");
    const cache = this.slotsOf(request.pluginCache);
    const envFor = (slot: number) => terraformEnv(this.env, { pluginCacheDir: path.join(cache.dir, `slot-${slot}`), dataDir: path.join(runDir, "data"), workspace: request.workspace, ...this.homeFor(runDir) });
    let env = envFor(0);
    let cacheWritable = false;
    const label = request.label ?? request.dir;
    const run = (args: string[], captureStdout = false) =>
      this.reported({ command: args[0] as TerraformStep["command"], label }, () =>
        this.runStep(request.binary, args, { cwd: request.dir, env, runDir, cacheWritable }, { timeoutMs: request.timeoutMs, signal: request.signal, captureStdout }),
      );
    let kept: SavedPlan | undefined;
    try {
      const refused = this.refusal();
      if (refused) return { ok: false, stage: "init", message: refused, output: "", timedOut: false, cancelled: false };
      if (this.isolation?.mode === "bubblewrap") await mkdir(path.join(runDir, "home"), { recursive: true });
      const init = await cache.slots.with(async (slot) => {
        env = envFor(slot);
        await mkdir(env.TF_PLUGIN_CACHE_DIR!, { recursive: true });
        // init installs providers (checksum-verified by terraform) into the cache and starts none of them;
        // plan, show and apply, which run the repository's code and its providers, see the cache read-only
        cacheWritable = true;
        try {
          return await run(["init", "-input=false", "-no-color", ...request.backendConfig.map((f) => `-backend-config=${f}`)]);
        } finally {
          cacheWritable = false;
        }
      });
      if (!succeeded(init)) return failure("init", request.binary, init);

      const plan = await run([
        "plan",
        "-input=false",
        "-no-color",
        `-lock-timeout=${request.lockTimeout}`,
        "-detailed-exitcode", // 0 no changes, 2 changes, 1 error; trust the JSON, not this
        `-out=${planFile}`,
        ...request.varFiles.map((f) => `-var-file=${f}`),
        ...(request.targets ?? []).map((address) => `-target=${address}`),
      ]);
      if (!succeeded(plan, [0, 2])) {
        const errored = plan.timedOut || plan.cancelled ? undefined : await this.showIfSaved(planFile, run);
        return { ...failure("plan", request.binary, plan), planJson: errored };
      }

      const show = await run(["show", "-json", "-no-color", planFile], true);
      if (!succeeded(show)) return failure("show", request.binary, show);
      if (request.keepPlanFile) {
        kept = { planFile, dataDir: env.TF_DATA_DIR!, pluginCacheDir: env.TF_PLUGIN_CACHE_DIR!, release: () => rm(runDir, { recursive: true, force: true }) };
        return { ok: true, planJson: show.stdout, saved: kept };
      }
      return { ok: true, planJson: show.stdout };
    } finally {
      if (!kept) await rm(runDir, { recursive: true, force: true });
    }
  }

  /** `apply PLANFILE` in the data dir the plan was made in: the same process-group, timeout and env rules as plan. */
  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const refused = this.refusal();
    if (refused) return { ok: false, message: refused, output: "", timedOut: false, cancelled: false };
    const runDir = path.dirname(request.saved.dataDir);
    const env = terraformEnv(this.env, { pluginCacheDir: request.saved.pluginCacheDir, dataDir: request.saved.dataDir, workspace: request.workspace, ...this.homeFor(runDir) });
    const result = await this.reported({ command: "apply", label: request.dir }, () =>
      this.runStep(request.binary, ["apply", "-input=false", "-no-color", `-lock-timeout=${request.lockTimeout}`, request.saved.planFile], { cwd: request.dir, env, runDir, cacheWritable: false }, {
        timeoutMs: request.timeoutMs,
        signal: request.signal,
      }),
    );
    if (succeeded(result)) return { ok: true, output: result.outputTail };
    const { stage: _stage, ...failed } = failure("apply", request.binary, result);
    return failed;
  }

  /** One terraform command, told to the progress listener as it starts and ends (failed when it did not exit as asked). */
  private async reported(step: TerraformStep, work: () => Promise<RunResult>): Promise<RunResult> {
    if (!this.progress) return work();
    this.progress.started(step);
    let ok = false;
    try {
      const result = await work();
      ok = succeeded(result, step.command === "plan" ? [0, 2] : [0]);
      return result;
    } finally {
      this.progress.finished(step, ok);
    }
  }

  /** Why no repository code may run here (no isolation, and the operator did not allow that), or undefined. */
  private refusal(): string | undefined {
    const isolation = this.isolation;
    return isolation && isolation.mode === "none" && !isolation.allowUnisolated ? refusedMessage(isolation) : undefined;
  }

  private homeFor(runDir: string): { home?: string } {
    return this.isolation?.mode === "bubblewrap" ? { home: path.join(runDir, "home") } : {};
  }

  /**
   * One terraform command: a plain child process, or under bubblewrap with only the run's checkout and scratch
   * dir writable, the plugin cache slot read-only (writable during init), and no other checkout, no secret file.
   */
  private async runStep(binary: string, args: string[], step: Step, options: { timeoutMs: number; signal: AbortSignal | undefined; captureStdout?: boolean }): Promise<RunResult> {
    const signal = options.signal && this.signal ? AbortSignal.any([options.signal, this.signal]) : (options.signal ?? this.signal);
    const common = { env: step.env, timeoutMs: options.timeoutMs, signal, captureStdout: options.captureStdout, killGraceMs: this.killGraceMs, ...(this.stopSignal ? { stopSignal: this.stopSignal } : {}) };
    const isolation = this.isolation;
    if (!isolation || isolation.mode !== "bubblewrap") return runProgram(binary, args, { ...common, cwd: step.cwd });
    const resolved = resolveBinary(binary, step.env.PATH);
    if (!resolved) return { exitCode: undefined, stdout: "", outputTail: "", timedOut: false, cancelled: false, spawnError: `${binary} was not found on PATH` };
    const cache = step.env.TF_PLUGIN_CACHE_DIR!;
    const scratch = scratchDirs(this.scratchDir);
    const root = checkoutRoot(step.cwd, scratch);
    const writable = [root, step.runDir, ...(step.cacheWritable ? [cache] : []), ...isolation.writable];
    const readOnly = [...(step.cacheWritable ? [] : [cache]), ...isolation.readOnly];
    // no bind may hold the key file, a whole scratch dir (every checkout) or the whole plugin cache (every slot)
    const unsafe = unsafeBind({ writable, readOnly }, [...isolation.forbidden, ...scratch, path.resolve(this.pluginCacheDir)]);
    if (unsafe) return { exitCode: undefined, stdout: "", outputTail: "", timedOut: false, cancelled: false, spawnError: `refused to start terraform in its sandbox: ${unsafe}` };
    const argv = bwrapArgs({ binary: resolved, cwd: path.resolve(step.cwd), writable, readOnly, system: systemBinds(), args });
    const command = ignoringSigterm(isolation.bwrap!, argv);
    return runProgram(command.file, command.args, { ...common, cwd: step.cwd });
  }

  /** terraform >= 1.6 saves an errored plan with -out; show what it got to. */
  private async showIfSaved(planFile: string, run: (args: string[], capture: boolean) => Promise<RunResult>): Promise<string | undefined> {
    try {
      await access(planFile);
    } catch {
      return undefined;
    }
    const show = await run(["show", "-json", "-no-color", planFile], true);
    return succeeded(show) ? show.stdout : undefined;
  }
}

function succeeded(result: RunResult, okCodes: readonly number[] = [0]): boolean {
  return !result.timedOut && !result.cancelled && !result.spawnError && result.exitCode !== undefined && okCodes.includes(result.exitCode);
}

function failure<S extends PlanStage | "apply">(stage: S, binary: string, result: RunResult): { ok: false; stage: S; message: string; output: string; timedOut: boolean; cancelled: boolean } {
  let message: string;
  if (result.spawnError) message = `could not start \`${binary}\`: ${result.spawnError}. Is it installed and on PATH?`;
  else if (result.timedOut) message = `\`${binary} ${stage}\` ran past the configured plan.timeout and was stopped`;
  else if (result.cancelled) message = `\`${binary} ${stage}\` was cancelled: a newer commit superseded this run`;
  else message = `\`${binary} ${stage}\` exited with code ${result.exitCode}`;
  return { ok: false, stage, message, output: result.outputTail, timedOut: result.timedOut, cancelled: result.cancelled };
}
