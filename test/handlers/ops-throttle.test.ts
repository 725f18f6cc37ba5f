import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UnrecoverableError } from "bullmq";
import { execa } from "execa";
import { Redis } from "ioredis";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { forRetry, isTransient } from "../../src/adapters/redis/retry.js";
import { redisMissing, redisUrl } from "../support/redis.js";

const REPLICA = fileURLToPath(new URL("./ops-throttle-replica.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

describe.skipIf(!redisUrl)(`Probot's Redis-backed throttling, shared by replicas${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  it("two replicas with the same REDIS_URL register on the same Bottleneck limiters in Redis, with the installed ioredis and never npx", async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "ops-throttle-"));
    const keyFile = path.join(scratch, "app.pem");
    writeFileSync(keyFile, privateKey);
    // an npx that only records being asked: Probot loads ioredis through npx-import-light, which would run npx to download
    const bin = path.join(scratch, "bin");
    const npxCalled = path.join(scratch, "npx-called");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "npx"), `#!/bin/sh\necho "$@" >> "${npxCalled}"\nexit 1\n`);
    chmodSync(path.join(bin, "npx"), 0o755);
    // Bottleneck's keys carry no prefix: a database of their own keeps them apart from the queue tests
    const url = `${redisUrl}/11`;
    const redis = new Redis(url);
    try {
      await redis.flushdb();
      const env = { PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME ?? scratch };
      // one replica as `npx probot run` would start it (npx-import-light then tries a local import first), one plain
      const replicas = await Promise.all([
        execa("node", [REPLICA, url, keyFile], { cwd: ROOT, env: { ...env, npm_lifecycle_event: "npx" }, extendEnv: false, timeout: 20_000 }),
        execa("node", [REPLICA, url, keyFile], { cwd: ROOT, env, extendEnv: false, timeout: 20_000 }),
      ]);
      for (const replica of replicas) {
        const said = JSON.parse(replica.stdout.trim().split("\n").at(-1)!) as { status: number; ioredis: string };
        expect(said.status).toBe(200);
        expect(said.ioredis).toBe(path.join(ROOT, "node_modules", "ioredis", "built", "index.js"));
      }
      expect(existsSync(npxCalled)).toBe(false);
      // GitHub's global limiter: one set of settings, and both replicas among its clients
      expect(await redis.exists("b_octokit-global-no-id_settings")).toBe(1);
      expect(await redis.zcard("b_octokit-global-no-id_client_last_seen")).toBe(2);
    } finally {
      await redis.flushdb();
      redis.disconnect();
    }
  });
});

describe("a secondary rate limit reaches the queue's retry policy as a transient error", () => {
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("Probot's throttling does not retry it: the request fails with the 403, which isTransient takes for a retry with backoff", async () => {
    nock.disableNetConnect();
    nock("https://api.github.com")
      .post("/repos/acme/infra/issues/7/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest" }, { "retry-after": "60" });
    const probot = new Probot({ githubToken: "t", logLevel: "fatal" });
    const octokit = await probot.auth();
    const error = await octokit.rest.issues.createComment({ owner: "acme", repo: "infra", issue_number: 7, body: "x" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 403 });
    expect(nock.isDone()).toBe(true); // asked once: Probot does not retry a secondary limit itself
    expect(isTransient(error)).toBe(true);
    expect(forRetry(error)).not.toBeInstanceOf(UnrecoverableError);
    // wrapped by a use case, it is still found through `cause`
    expect(isTransient(new Error("could not comment", { cause: error }))).toBe(true);
  });

  it("429 is transient; a 403 that is not a rate limit (a refused permission) is not", () => {
    expect(isTransient(Object.assign(new Error("Too Many Requests"), { status: 429 }))).toBe(true);
    const refused = Object.assign(new Error("Resource not accessible by integration"), { status: 403 });
    expect(isTransient(refused)).toBe(false);
    expect(forRetry(refused)).toBeInstanceOf(UnrecoverableError);
  });
});
