import { finishedLine, runningLine, type RunningStep } from "../core/render/progress.js";
import type { TerraformProgress, TerraformStep } from "../ports.js";

/** Where progress goes: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(chunk: string): unknown;
}

/** What a command that runs terraform gets: the runner's listener (none when silent), and notices that do not collide with the spinner. */
export interface CliProgress {
  /** Undefined when there is nothing to show: `--quiet`, or stderr is not a terminal. */
  listener?: TerraformProgress;
  /** A notice line (driftback's warnings): written above the spinner line, which is drawn again below it. */
  notice(write: () => void): void;
  /** Clears the spinner line and stops its timer (the command ended, or was stopped). */
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: ProgressStream;
  /** Milliseconds, for elapsed times (default: performance.now). */
  now?: () => number;
  /** How often the spinner line is redrawn (default 100 ms); 0 draws only when a command starts or ends (tests). */
  intervalMs?: number;
}

/** Erase the line the cursor is on and go to its start: the spinner line is rewritten in place. */
const CLEAR_LINE = "\r\x1b[2K";

/**
 * terraform's progress on stderr (issue 17 §1), only when stderr is a terminal and not `--quiet`: in a pipe or a
 * log nothing is written, so stderr holds only what it held before.
 */
export function cliProgress(options: ProgressOptions = {}): CliProgress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY) return { notice: (write) => write(), stop: () => {} };
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  // keyed by the runner's own step object: two plans of one workspace (a verification's base and edit) stay apart
  const running = new Map<TerraformStep, RunningStep>();
  let frame = 0;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  const width = () => (stream.columns && stream.columns > 0 ? stream.columns : 80);

  const clear = () => {
    if (drawn) stream.write(CLEAR_LINE);
    drawn = false;
  };
  const draw = () => {
    const line = runningLine([...running.values()], now(), frame, width());
    if (line === "") return clear();
    stream.write(`${CLEAR_LINE}${line}`);
    drawn = true;
  };
  const tick = () => {
    frame += 1;
    draw();
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const listener: TerraformProgress = {
    started(step: TerraformStep) {
      running.set(step, { ...step, startedAt: now() });
      draw();
      if (!timer && interval > 0) {
        timer = setInterval(tick, interval);
        timer.unref(); // the spinner never keeps the process alive
      }
    },
    finished(step: TerraformStep, ok: boolean) {
      const done = running.get(step);
      running.delete(step);
      clear();
      stream.write(`${finishedLine(step, ok, done ? now() - done.startedAt : 0, width())}\n`);
      if (running.size === 0) stopTimer();
      else draw();
    },
  };
  return {
    listener,
    notice(write) {
      clear();
      write();
      if (running.size > 0) draw();
    },
    stop() {
      stopTimer();
      running.clear();
      clear();
    },
  };
}
