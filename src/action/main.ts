#!/usr/bin/env node
import { runAction, workflowCommandText } from "./run.js";

/** A cancelled job: the runner sends SIGINT, then SIGTERM; the step ends as a shell's would on that signal. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The Action's entry (action.yml `exec`s `node lib/action/main.js`, so the runner's signals reach this process):
 * the step's exit code is runAction's, or 130/143 when the job was cancelled.
 */
async function main(): Promise<number> {
  const cancelled = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      received ??= signal;
      cancelled.abort();
    });
  }
  try {
    const code = await runAction({ env: process.env, signal: cancelled.signal });
    return received ? SIGNAL_EXIT[received] : code;
  } catch (error) {
    process.stdout.write(`::error::${workflowCommandText(`driftback failed: ${error instanceof Error ? error.message : String(error)}`)}\n`);
    return received ? SIGNAL_EXIT[received] : 1;
  }
}

process.exitCode = await main();
