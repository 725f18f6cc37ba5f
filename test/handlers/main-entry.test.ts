import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { request } from "./http-client.js";
import { freePort } from "../support/free-port.js";

// `npm start` runs this file (built); here it runs from source through tsx, as its own process
const MAIN = fileURLToPath(new URL("../../src/adapters/http/main.ts", import.meta.url));
// the process runs in a scratch dir (the entry reads .env from its working directory), so tsx is named by path
const TSX = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-main-"));
const keyFile = path.join(dir, "app.pem");
writeFileSync(keyFile, generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey);

// only what the entry reads: no App variables leak in from the machine running the tests
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, NODE_ENV: "production", LOG_FORMAT: "json", DRIFTBACK_SCHEDULER: "off" };
const start = (env: Record<string, string>) => execa("node", ["--import", TSX, MAIN], { cwd: dir, env: { ...baseEnv, ...env }, extendEnv: false, reject: false, timeout: 20_000 });

describe("the npm start entry", () => {
  it.each<{ name: string; env: Record<string, string>; culprit: RegExp }>([
    { name: "without APP_ID", env: { PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: "s" }, culprit: /APP_ID is not set/ },
    { name: "with a private key path that does not exist", env: { APP_ID: "1", PRIVATE_KEY_PATH: path.join(dir, "missing.pem"), WEBHOOK_SECRET: "s" }, culprit: /PRIVATE_KEY_PATH/ },
    { name: "without WEBHOOK_SECRET", env: { APP_ID: "1", PRIVATE_KEY_PATH: keyFile }, culprit: /WEBHOOK_SECRET is not set/ },
    { name: "with a shutdown grace that is not a number", env: { APP_ID: "1", PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: "s", DRIFTBACK_SHUTDOWN_GRACE_SECONDS: "soon" }, culprit: /DRIFTBACK_SHUTDOWN_GRACE_SECONDS "soon"/ },
    { name: "with Redis and a plan concurrency that is not a positive integer", env: { APP_ID: "1", PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: "s", REDIS_URL: "redis://127.0.0.1:9", DRIFTBACK_PLAN_CONCURRENCY: "lots" }, culprit: /DRIFTBACK_PLAN_CONCURRENCY/ },
    { name: "with a Redis key prefix that is not usable", env: { APP_ID: "1", PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: "s", REDIS_URL: "redis://127.0.0.1:9", DRIFTBACK_REDIS_PREFIX: "a b" }, culprit: /DRIFTBACK_REDIS_PREFIX "a b"/ },
  ])("refuses to start in production $name, saying why in one log line", async ({ env, culprit }) => {
    const run = await start(env);
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.at(-1)).toMatchObject({ level: 60, msg: expect.stringMatching(culprit) });
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout + run.stderr).not.toContain("BEGIN RSA PRIVATE KEY");
  });

  it("serves driftback with the safe logger: a bearer token sent to it never reaches stdout", async () => {
    const port = await freePort();
    const token = "scan-token-CANARY-e0c4";
    const server = execa("node", ["--import", TSX, MAIN], { cwd: dir, env: { ...baseEnv, APP_ID: "1", PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: "s", DRIFTBACK_SCAN_TOKEN: token, HOST: "127.0.0.1", PORT: String(port), GHE_HOST: "127.0.0.1:9", DRIFTBACK_SHUTDOWN_GRACE_SECONDS: "1" }, extendEnv: false, reject: false });
    let stdout = "";
    server.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await until(() => stdout.includes("Listening on"));
    expect((await request(port, { path: "/driftback/scan", headers: { authorization: `Bearer ${token}` } })).status).toBe(202);
    expect((await request(port, { path: "/driftback/scan", headers: { authorization: `Bearer ${token}-wrong` } })).status).toBe(401);
    await until(() => stdout.includes("POST /driftback/scan 401"));
    server.kill("SIGTERM"); // the scan's discovery still retries the unreachable GitHub: it gets the 1 s grace
    const ended = await server;
    expect(ended.exitCode).toBe(0);
    expect(stdout).toContain("SIGTERM: stopping");
    expect(stdout).not.toContain(token);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!condition()) throw new Error("the server did not get there in 15 s");
}

