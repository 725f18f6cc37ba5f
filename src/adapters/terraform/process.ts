import { execa } from "execa";

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Keep stdout (for `show -json`); otherwise only a tail of it is kept for error views. */
  captureStdout?: boolean;
  /** How long after the first signal the group gets SIGKILL. */
  killGraceMs?: number;
  /**
   * The signal a timeout or cancellation sends the group first (default SIGTERM). The CLI sends SIGINT, as Ctrl-C
   * in a terminal would: terraform shuts down gracefully and releases its state lock (a second SIGINT would not).
   */
  stopSignal?: "SIGTERM" | "SIGINT";
}

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  /** The last part of stdout and stderr as they interleaved, for the error view. */
  outputTail: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the program could not be started at all (not installed, not executable). */
  spawnError?: string;
}

const TAIL_BYTES = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 10_000;
const MAX_JSON_BYTES = 1024 * 1024 * 1024;

/**
 * Runs one program with an argument array (never a shell line), in its own process group so a
 * timeout or cancellation kills everything it started, keeping only a bounded tail of its output.
 */
export async function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const tail = new OutputTail(TAIL_BYTES);
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    detached: true, // its own process group: see killGroup
    buffer: { stdout: options.captureStdout === true, stderr: false },
    maxBuffer: { stdout: MAX_JSON_BYTES },
    stripFinalNewline: false,
  });
  subprocess.stderr?.on("data", (chunk: Buffer) => tail.push(chunk));
  if (!options.captureStdout) subprocess.stdout?.on("data", (chunk: Buffer) => tail.push(chunk));

  let timedOut = false;
  let cancelled = false;
  const stop = () => killGroup(subprocess.pid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, options.stopSignal ?? "SIGTERM");
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => {
    cancelled = true;
    stop();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await subprocess;
    const spawnError = result.failed && result.exitCode === undefined && !result.isTerminated ? result.originalMessage ?? result.shortMessage : undefined;
    return {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      outputTail: tail.text(),
      timedOut,
      cancelled,
      spawnError: timedOut || cancelled ? undefined : spawnError,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    // terraform has exited (its state lock released): whatever it left in its group goes now, not after the grace
    if (timedOut || cancelled) signalGroup(subprocess.pid, "SIGKILL");
  }
}

/** SIGTERM (or SIGINT) to the whole group (terraform and its providers), SIGKILL if it lingers. */
function killGroup(pid: number | undefined, graceMs: number, first: "SIGTERM" | "SIGINT"): void {
  signalGroup(pid, first);
  setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs).unref();
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Keeps the last `limit` bytes written, so a flood of output cannot exhaust memory. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.dropped = true;
    }
    if (this.size > this.limit) {
      const only = this.chunks[0]!;
      this.chunks = [only.subarray(only.length - this.limit)];
      this.size = this.limit;
      this.dropped = true;
    }
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString("utf8");
    return this.dropped ? text.replace(/^[^\n]*\n?/, "") : text; // drop the partial first line
  }
}
