import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** redis://127.0.0.1:<port> of a real redis-server started for this run, or "" when there is none (then `redisMissing` says why). */
    redisUrl: string;
    redisMissing: string;
  }
}

/** A free loopback port (asked of the kernel, then released for redis-server to take). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForReady(child: ChildProcess, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/Ready to accept connections/i.test(output())) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output().slice(-500)}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not become ready in ${timeoutMs} ms: ${output().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts a real redis-server (Debian's package) on a free loopback port for the queue tests, without persistence.
 * Where it is not installed the queue tests say so in one line and skip — except in CI (CI=true), where `.ci/run`
 * installs it, so its absence fails the run instead of hiding the tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "driftback-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error));
  });
  if (spawned) {
    rmSync(dir, { recursive: true, force: true });
    const reason = `redis-server could not be started (${spawned.message}); install Debian's redis-server (apt-get install redis-server)`;
    if (process.env.CI) throw new Error(`queue tests cannot run in CI: ${reason}`);
    console.warn(`redis queue tests SKIPPED: ${reason}`);
    project.provide("redisUrl", "");
    project.provide("redisMissing", reason);
    return async () => {};
  }
  await waitForReady(child, () => out);
  project.provide("redisUrl", `redis://127.0.0.1:${port}`);
  project.provide("redisMissing", "");
  return async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  };
}
