import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createDriftbackApp, type DriftbackOptions } from "../../src/index.js";
import { fakeTerraformEnv } from "./fake-terraform.js";

export const APP_ID = 123;
// a throwaway key made per test run: no secret is ever committed
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/** A Probot running driftback with the fake terraform on PATH and its own Octokit defaults. */
export async function startApp(overrides: DriftbackOptions = {}) {
  const fake = fakeTerraformEnv();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-e2e-"));
  const terraform = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    logLevel: (process.env.TEST_LOG_LEVEL as "fatal" | undefined) ?? "fatal",
    logFormat: process.env.TEST_LOG_LEVEL ? "json" : undefined,
    // a function default has the last word: Probot's own throttle options would otherwise
    // re-enable the write throttle (one write a second) on top of an object default
    Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
  });
  const driftback = createDriftbackApp({ terraform, scratchDir: scratch, appId: APP_ID, startScheduler: false, ...overrides });
  const handlers: ((req: IncomingMessage, res: ServerResponse) => unknown)[] = [];
  await probot.load(driftback.app, { cwd: process.cwd(), addHandler: (handler) => handlers.push(handler) });
  const receive = async (name: string, payload: object, id: string = randomUUID()) => {
    await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
  };
  return { probot, receive, idle: driftback.idle, fake, driftback, handlers, scratch };
}
