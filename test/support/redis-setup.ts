import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** redis://127.0.0.1:<port> of a real redis-server started for this run, or "" when there is none (then `redisMissing` says why). */
    redisUrl: string;
    redisMissing: string;
  }
}

/**
 * Starts a real redis-server (Debian's package) on a free loopback port for the queue tests, without persistence.
 * Where it is not installed the queue tests say so in one line and skip — except in CI (CI=true), where `.ci/run`
 * installs it, so its absence fails the run instead of hiding the tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  if ("missing" in server) {
    const reason = `${server.missing} (apt-get install redis-server)`;
    if (process.env.CI) throw new Error(`queue tests cannot run in CI: ${reason}`);
    console.warn(`redis queue tests SKIPPED: ${reason}`);
    project.provide("redisUrl", "");
    project.provide("redisMissing", reason);
    return async () => {};
  }
  project.provide("redisUrl", server.url);
  project.provide("redisMissing", "");
  return server.stop;
}
