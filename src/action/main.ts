#!/usr/bin/env node
import { runAction } from "./run.js";

/** The Action's entry (action.yml runs `node lib/action/main.js`): the step's exit code is runAction's. */
runAction({ env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stdout.write(`::error::driftback failed: ${error instanceof Error ? error.message.replaceAll("\n", "%0A") : String(error)}\n`);
    process.exitCode = 1;
  },
);
