import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { FAKE_TERRAFORM_DIR, isAlive, type FakeCall } from "../support/fake-terraform.js";
import { TestRepo } from "../support/git-repo.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";
import { QUEUE_NAMES, RedisRuntime } from "../../src/adapters/redis/runtime.js";
import { request } from "./http-client.js";
import { freePort } from "../support/free-port.js";

// the real `npm start` entry, from source through tsx, as its own process (as test/handlers/main-entry.test.ts runs it)
const MAIN = fileURLToPath(new URL("../../src/adapters/http/main.ts", import.meta.url));
const TSX = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const GRACE_SECONDS = 2;
// TerraformCli's default: SIGTERM to the group, SIGKILL this long after when terraform ignores it
const KILL_GRACE_SECONDS = 10;

const CONFIG = `
workspaces:
  - name: prod
    dir: prod
drift:
  schedule: "0 * * * *"
backport:
  enabled: false
`;

interface Seen {
  method: string;
  url: string;
}

/** The GitHub API the child process talks to (GHE_HOST): one installation, one configured repository; everything else 404. */
async function fakeGitHub(cloneUrl: string): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? "/", "http://github.test");
    const route = `${req.method} ${url.pathname}`;
    seen.push({ method: req.method ?? "", url: url.pathname });
    if (route === "POST /api/v3/app/installations/1/access_tokens") return json(res, 201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
    if (route === "GET /api/v3/app/installations") return json(res, 200, [{ id: 1, account: { login: "acme" } }]);
    if (route === "GET /api/v3/installation/repositories") {
      return json(res, 200, { total_count: 1, repositories: [{ name: "infra", owner: { login: "acme" }, clone_url: cloneUrl, default_branch: "main", archived: false, disabled: false }] });
    }
    if (route === "GET /api/v3/repos/acme/infra/contents/.github%2Fdriftback.yml") {
      res.writeHead(200, { "content-type": "application/vnd.github.raw; charset=utf-8" });
      return res.end(CONFIG);
    }
    if (route === "GET /api/v3/repos/acme/infra/issues") return json(res, 200, []);
    return json(res, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const children: ResultPromise[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** driftback started by its real entry, with the fake terraform on PATH, scanning the repository on request. */
async function startEntry(control: object, extraEnv: Record<string, string> = {}) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "ops-shutdown-"));
  const keyFile = path.join(scratch, "app.pem");
  writeFileSync(keyFile, generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey);
  const repo = new TestRepo();
  repo.commitTo(
    {
      "prod/main.tf": 'resource "null_resource" "x" {}\n',
      "prod/plan.json": JSON.stringify({ format_version: "1.2", resource_changes: [] }),
      "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", ...control }),
    },
    "refs/heads/main",
  );
  const github = await fakeGitHub(repo.cloneUrl);
  closers.push(github.close);
  const logFile = path.join(scratch, "terraform-calls.jsonl");
  const pidFile = path.join(scratch, "terraform-pids");
  const port = await freePort();
  const token = "scan-token-ops";
  const child = execa("node", ["--import", TSX, MAIN], {
    cwd: scratch,
    env: {
      PATH: `${FAKE_TERRAFORM_DIR}${path.delimiter}${process.env.PATH}`,
      HOME: scratch,
      TMPDIR: scratch,
      NODE_ENV: "production",
      LOG_FORMAT: "json",
      DRIFTBACK_SCHEDULER: "off",
      APP_ID: "1",
      PRIVATE_KEY_PATH: keyFile,
      WEBHOOK_SECRET: "s",
      DRIFTBACK_SCAN_TOKEN: token,
      HOST: "127.0.0.1",
      PORT: String(port),
      GHE_HOST: `127.0.0.1:${github.port}`,
      GHE_PROTOCOL: "http",
      DRIFTBACK_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      DRIFTBACK_PLUGIN_CACHE_DIR: path.join(scratch, "plugins"),
      FAKE_TERRAFORM_LOG: logFile,
      FAKE_TERRAFORM_PIDS: pidFile,
      // the fake terraform logs outside any sandbox: the operator's explicit choice to run unisolated
      DRIFTBACK_TERRAFORM_ISOLATION: "none",
      DRIFTBACK_ALLOW_UNISOLATED_PLANS: "true",
      ...extraEnv,
    },
    extendEnv: false,
    reject: false,
    forceKillAfterDelay: false,
  });
  children.push(child);
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  await until(() => stdout.includes("Listening on"), () => stdout);
  const calls = (): FakeCall[] => (existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as FakeCall) : []);
  const scan = () => request(port, { path: "/driftback/scan", headers: { authorization: `Bearer ${token}` } });
  return { child, port, github, calls, pidFile, scan, stdout: () => stdout };
}

describe("graceful shutdown of the npm start entry (in-process mode)", () => {
  it(
    "SIGTERM while terraform ignores it: /readyz 503 at once, the grace period, then terraform's whole process group is gone, nothing reported as failed, exit 0",
    async () => {
      const entry = await startEntry({ hang: ["plan"] });
      expect((await entry.scan()).status).toBe(202);
      // the fake terraform's plan hangs (and its grandchild): both pids are written once it runs
      await until(() => existsSync(entry.pidFile) && readFileSync(entry.pidFile, "utf8").trim().split("\n").length >= 2, entry.stdout);
      const pids = readFileSync(entry.pidFile, "utf8").trim().split("\n").map(Number); // terraform and its grandchild
      expect(pids.every(isAlive)).toBe(true);
      const writesBefore = entry.github.seen.filter((s) => s.method !== "GET").length;

      const sent = Date.now();
      process.kill(entry.child.pid!, "SIGTERM");
      await until(() => entry.stdout().includes("SIGTERM: stopping"), entry.stdout);
      const ready = await request(entry.port, { method: "GET", path: "/readyz" });
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body).reason).toMatch(/shutting down/);
      expect((await request(entry.port, { method: "GET", path: "/healthz" })).status).toBe(200);
      expect(pids.every(isAlive)).toBe(true); // the plan is left running during the grace period

      const ended = await entry.child;
      const seconds = (Date.now() - sent) / 1_000;
      expect(ended.exitCode).toBe(0);
      expect(seconds).toBeGreaterThanOrEqual(GRACE_SECONDS - 0.2);
      expect(seconds).toBeLessThan(GRACE_SECONDS + KILL_GRACE_SECONDS + 6);
      expect(pids.filter(isAlive)).toEqual([]);
      // the interrupted scan wrote nothing (no dashboard saying the workspace failed)
      expect(entry.github.seen.filter((s) => s.method !== "GET").length).toBe(writesBefore);
      expect(entry.stdout()).toContain('"msg":"stopped"');
    },
    60_000,
  );

  it(
    "SIGTERM while a plan that will finish runs: the plan is not cut short: it and the scan finish within the grace period, then the process exits 0",
    async () => {
      const entry = await startEntry({ sleepMs: { plan: 800 } });
      expect((await entry.scan()).status).toBe(202);
      await until(() => entry.calls().some((c) => c.args[0] === "plan"), entry.stdout);
      const sent = Date.now();
      process.kill(entry.child.pid!, "SIGTERM");
      const ended = await entry.child;
      const seconds = (Date.now() - sent) / 1_000;
      expect(ended.exitCode).toBe(0);
      // the plan was not cut short: terraform went on to `show -json` and the scan finished
      expect(entry.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
      expect(entry.stdout()).toContain("drift scan finished");
      expect(seconds).toBeLessThan(GRACE_SECONDS + 5);
      expect(entry.calls().map((c) => c.pid).filter(isAlive)).toEqual([]);
    },
    60_000,
  );
});

async function until(condition: () => boolean, output: () => string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!condition()) throw new Error(`not reached in 20 s; the entry said:\n${output().slice(-3_000)}`);
}

describe.skipIf(!redisUrl)(`graceful shutdown of the npm start entry with Redis${redisUrl ? "" : ` (SKIPPED: ${redisMissing})`}`, () => {
  it(
    "SIGTERM while a queued plan's terraform ignores it: terraform's group is gone, the scan and plan jobs are given back (no attempt spent, not failed) for another replica, exit 0",
    async () => {
      const settings = isolatedRedis("ops-entry");
      const entry = await startEntry({ hang: ["plan"] }, { REDIS_URL: settings.url, DRIFTBACK_REDIS_PREFIX: settings.prefix });
      expect((await entry.scan()).status).toBe(202);
      await until(() => existsSync(entry.pidFile) && readFileSync(entry.pidFile, "utf8").trim().split("\n").length >= 2, entry.stdout);
      const pids = readFileSync(entry.pidFile, "utf8").trim().split("\n").map(Number);
      const sent = Date.now();
      process.kill(entry.child.pid!, "SIGTERM");
      const ended = await entry.child;
      const seconds = (Date.now() - sent) / 1_000;
      expect(ended.exitCode).toBe(0);
      expect(seconds).toBeLessThan(GRACE_SECONDS + KILL_GRACE_SECONDS + 6);
      expect(pids.filter(isAlive)).toEqual([]);
      const inspect = new RedisRuntime(settings, { info() {}, warn() {}, error() {}, debug() {} });
      try {
        const counts = await inspect.counts();
        const left = Object.values(counts).reduce((sum, c) => sum + (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c["waiting-children"] ?? 0), 0);
        expect(left).toBeGreaterThan(0); // the interrupted work waits for another replica
        expect(Object.values(counts).reduce((sum, c) => sum + (c.failed ?? 0) + (c.active ?? 0), 0)).toBe(0);
        // the job whose terraform was stopped is back in line, its attempt not spent
        const given = (await Promise.all(QUEUE_NAMES.map((name) => inspect.queue(name).getJobs(["waiting", "delayed", "prioritized"])))).flat();
        expect(given.length).toBeGreaterThan(0);
        expect(given.map((job) => job.attemptsMade)).toEqual(given.map(() => 0));
      } finally {
        await inspect.close(0);
      }
    },
    60_000,
  );
});
