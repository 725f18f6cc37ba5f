import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { freePort } from "./free-port.js";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A redis-server of its own (Debian's package) on a free loopback port, without persistence, for the queue tests
 * (redis-setup.ts) and the queue benchmark; `missing` says why there is none (not installed, or it would not start).
 */
export async function startRedisServer(): Promise<{ url: string; stop: () => Promise<void> } | { missing: string }> {
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
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (spawned) {
    rmSync(dir, { recursive: true, force: true });
    return { missing: `redis-server could not be started (${spawned.message}); install Debian's redis-server` };
  }
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/i.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      return { missing: `redis-server did not become ready: ${out.slice(-300)}` };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
