import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { getPrivateKey } from "@probot/get-private-key";
import { run } from "probot";
import { createDriftbackApp } from "../../index.js";
import { redisSettings } from "../redis/connection.js";
import { shutdownGraceMs } from "../shutdown.js";
import { planLimits } from "../../handlers/queued/plan-limits.js";
import { bundledTemplates } from "../../templates.js";
import { stateKeysFrom, useStateKeys } from "../../core/state-seal.js";
import { createSafeLog } from "./safe-log.js";
import { startDriftbackServer } from "./server.js";

type Env = NodeJS.ProcessEnv;

/**
 * `npm start` and the Docker image: what `probot run ./lib/index.js` does (the same variables, .env,
 * Probot's server and setup flow), with a logger that never writes headers or payloads and a
 * 25 MB body limit in front of the webhook route.
 */
async function main(env: Env = process.env): Promise<void> {
  // 1. .env in the working directory, as `probot run` reads it (its values win, as there)
  Object.assign(env, readDotEnv(path.join(process.cwd(), ".env")));
  // 2. the one logger of the process
  const log = await createSafeLog({
    level: env.LOG_LEVEL || "info",
    format: env.LOG_FORMAT ? (env.LOG_FORMAT === "pretty" ? "pretty" : "json") : env.NODE_ENV === "production" ? "json" : "pretty",
    levelInString: env.LOG_LEVEL_IN_STRING === "true",
    messageKey: env.LOG_MESSAGE_KEY || undefined,
    sentryDsn: env.SENTRY_DSN || undefined,
  });
  // 3. the App's credentials; without them, Probot's setup flow registers an App (development only)
  const appId = Number(env.APP_ID);
  const privateKey = readPrivateKey(env, log);
  if (!appId || !privateKey) {
    if (env.NODE_ENV === "production") {
      log.fatal(`${appId ? "PRIVATE_KEY or PRIVATE_KEY_PATH is missing or unreadable" : "APP_ID is not set"}: driftback cannot run in production without the App's credentials`);
      process.exitCode = 1;
      return;
    }
    await run(() => {}, { log });
    return;
  }
  // Probot would verify signatures with the secret "development": anyone could forge a delivery
  if (!env.WEBHOOK_SECRET && env.NODE_ENV === "production") {
    log.fatal("WEBHOOK_SECRET is not set: driftback will not accept unsigned webhooks in production; set it to the App's webhook secret");
    process.exitCode = 1;
    return;
  }
  // 4. the app behind driftback's server; settings that would only fail at shutdown are checked now
  let graceMs: number;
  let redisUrl: string | undefined;
  try {
    // the key that seals driftback's hidden state (markers): the operator's list, else derived from the private key
    const state = stateKeysFrom(env, privateKey);
    useStateKeys(state.keys);
    log.info(`driftback seals its markers with ${state.source === "environment" ? `DRIFTBACK_STATE_KEY (${state.keys.length} key${state.keys.length === 1 ? "" : "s"})` : "a key derived from the App's private key"}`);
    graceMs = shutdownGraceMs(env);
    redisUrl = redisSettings(env)?.url;
    if (redisUrl) planLimits(env); // DRIFTBACK_PLAN_CONCURRENCY and friends: a bad value fails the boot, not the first scan
  } catch (error) {
    log.fatal((error as Error).message);
    process.exitCode = 1;
    return;
  }
  const driftback = createDriftbackApp();
  const running = await startDriftbackServer({
    apps: [driftback.app],
    log,
    appId,
    privateKey,
    secret: env.WEBHOOK_SECRET ?? "",
    baseUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : undefined,
    // Probot's throttling keeps GitHub's rate limits in this Redis (Bottleneck), shared by every replica
    redisConfig: redisUrl,
    host: env.HOST || "localhost",
    port: Number(env.PORT) || 3000,
    webhookPath: env.WEBHOOK_PATH || undefined,
    webhookProxy: env.WEBHOOK_PROXY_URL || undefined,
    messages: bundledTemplates().http,
    rejected: (reason) => driftback.metrics.requestRejected(reason),
  });
  // 5. stop cleanly on SIGINT / SIGTERM: /readyz says 503 at once, schedules and workers stop taking work, running
  // plans get the grace period, then terraform is stopped with its process group and, with Redis, the jobs left go
  // back to the queue for another replica; webhooks are still answered meanwhile (with Redis, they are queued)
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal}: already stopping, waiting for the running plans (at most ${graceMs / 1_000} s, then terraform is stopped)`);
      return;
    }
    stopping = true;
    log.info(`${signal}: stopping (running plans get ${graceMs / 1_000} s)`);
    // a last resort if something ignores the abort: terraform itself is SIGKILLed 10 s after the grace
    setTimeout(() => {
      log.error("driftback did not stop in time after the grace period; exiting");
      process.exit(1);
    }, graceMs + 30_000).unref();
    let code = 0;
    try {
      await driftback.close(graceMs);
    } catch (error) {
      log.error(`stopping the queues failed: ${(error as Error).message}`);
      code = 1;
    }
    await running.stop();
    log.info("stopped");
    process.exit(code);
  };
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("SIGTERM", (signal) => void stop(signal));
}

function readDotEnv(file: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`${file} could not be read: ${(error as Error).message}`, { cause: error });
  }
}

function readPrivateKey(env: Env, log: { error: (msg: string) => void }): string | undefined {
  try {
    return getPrivateKey({ env }) ?? undefined;
  } catch (error) {
    // its messages name the variable or path, never the key
    log.error(`the App's private key could not be read: ${(error as Error).message}`);
    return undefined;
  }
}

main().catch((error: unknown) => {
  console.error(`driftback could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
