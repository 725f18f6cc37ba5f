import { escapeForOneLine } from "../printable.js";

/**
 * The lines of terraform's progress on a terminal: a spinner line rewritten in place while commands run
 * (`⠋ plan (envs/prod) 12s`), and one line kept per finished command (`✓ plan envs/prod 14.2s`). Pure: the
 * time, the spinner's frame and the width come in; commands/progress.ts writes them.
 */

/** One terraform command as progress shows it (ports.ts's TerraformStep has this shape). */
export interface ProgressStep {
  command: string;
  /** A directory or a workspace's name, unescaped. */
  label: string;
}

export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

/** A command running since `startedAt` (ms, the same clock as `now`). */
export interface RunningStep extends ProgressStep {
  startedAt: number;
}

/** While it runs: whole seconds (`12s`), then minutes (`2m 05s`). */
export function runningElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

/** Once done: tenths under a minute (`14.2s`), then minutes and whole seconds (`2m 05s`). */
export function finishedElapsed(ms: number): string {
  const tenths = Math.max(0, Math.round(ms / 100));
  return tenths < 600 ? `${(tenths / 10).toFixed(1)}s` : runningElapsed(tenths * 100);
}

/** A label as one line: every control character, line break and escape sequence escaped (it is a directory or a workspace's name). */
function shown(label: string): string {
  return escapeForOneLine(label);
}

/** Cut to `width` characters with `…`: a wrapped line could not be rewritten in place. */
function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

/** The spinner line: every running command, oldest first, with its time so far; empty when none runs. */
export function runningLine(running: readonly RunningStep[], now: number, frame: number, width: number): string {
  if (running.length === 0) return "";
  const spinner = SPINNER_FRAMES[frame % SPINNER_FRAMES.length]!;
  const steps = running.map((step) => `${step.command} (${shown(step.label)}) ${runningElapsed(now - step.startedAt)}`);
  // one column short of the width: a character in the last column makes some terminals wrap
  return fit(`${spinner} ${steps.join(" · ")}`, Math.max(1, width - 1));
}

/** The line a finished command leaves: ✓ when it succeeded, ✗ when it failed, was stopped or timed out. */
export function finishedLine(step: ProgressStep, ok: boolean, elapsedMs: number, width: number): string {
  return fit(`${ok ? "✓" : "✗"} ${step.command} ${shown(step.label)} ${finishedElapsed(elapsedMs)}`, Math.max(1, width - 1));
}
