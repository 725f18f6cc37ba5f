#!/usr/bin/env node
import { runAction } from "./run.js";

/**
 * The Action's entry (action.yml runs `node lib/action/main.js`): the step's exit code is runAction's. It exits as
 * soon as the work is done: Probot's Octokit keeps rate-limit timers and its logger a stream, which would hold the
 * step open for nothing.
 */
async function main(): Promise<number> {
  try {
    return await runAction({ env: process.env });
  } catch (error) {
    process.stdout.write(`::error::driftback failed: ${error instanceof Error ? error.message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A") : String(error)}\n`);
    return 1;
  }
}

const code = await main();
// stdout is a pipe on a runner: let what was written reach it before exiting
process.stdout.write("", () => process.exit(code));
