import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { ProbotOctokit, type ApplicationFunction } from "probot";
import { createSafeLog } from "../../src/adapters/http/safe-log.js";
import { startDriftbackServer } from "../../src/adapters/http/server.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { createDriftbackApp } from "../../src/index.js";
import { bundledTemplates } from "../../src/templates.js";
import { fakeTerraformEnv } from "../support/fake-terraform.js";
import { freePort } from "../support/free-port.js";

export const APP_ID = 123;
// a throwaway key made per test run: no secret is ever committed
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

export interface ServeOptions {
  scanToken?: string;
  secret?: string;
  format?: "json" | "pretty";
  maxBodyBytes?: number;
  /** The app's environment for incident sources (webhook secrets, API tokens); default none. */
  env?: Record<string, string | undefined>;
}

export interface ReceivedEvent {
  id: string;
  name: string;
  payload: unknown;
}

/**
 * driftback on a real listening server, built the way `npm start` builds it (Probot's Server, the
 * safe logger, the body limit), with every log line captured and every webhook the app receives recorded.
 */
export async function serveDriftback(options: ServeOptions = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = await createSafeLog({ level: "trace", format: options.format ?? "json", destination });
  const fake = fakeTerraformEnv();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-http-"));
  const terraform = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
  const driftback = createDriftbackApp({ terraform, scratchDir: scratch, appId: APP_ID, startScheduler: false, scanToken: options.scanToken, env: options.env ?? {}, maxBodyBytes: options.maxBodyBytes });
  const received: ReceivedEvent[] = [];
  const recorder: ApplicationFunction = (probot) => {
    probot.onAny(async (event) => {
      received.push({ id: event.id, name: event.name, payload: event.payload });
    });
  };
  const running = await startDriftbackServer({
    apps: [driftback.app, recorder],
    log,
    appId: APP_ID,
    privateKey,
    secret: options.secret ?? "webhook-secret",
    host: "127.0.0.1",
    port: await freePort(),
    // each test its own Octokit: no retries, no throttling, nothing shared between tests
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    maxBodyBytes: options.maxBodyBytes,
    messages: bundledTemplates().http,
    rejected: (reason) => driftback.metrics.requestRejected(reason),
  });
  return {
    base: running.url,
    port: running.server.port,
    driftback,
    received,
    /** Everything logged so far, as written. */
    logs: () => lines.join(""),
    metrics: async () => driftback.metrics.registry.metrics(),
    close: async () => {
      await driftback.idle();
      await running.stop();
    },
  };
}

export type Served = Awaited<ReturnType<typeof serveDriftback>>;

