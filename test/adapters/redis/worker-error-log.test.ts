import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createSafeLog, serializeError } from "../../../src/adapters/http/safe-log.js";
import { RedisRuntime } from "../../../src/adapters/redis/runtime.js";
import { freePort } from "../../support/free-port.js";

function collectingLog(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

describe("errors in the log (issue 15, item 5)", () => {
  it.each([
    ["a plain object with a message", { message: "connect ECONNREFUSED" }, { message: "connect ECONNREFUSED" }],
    ["a plain object with a message and a cause", { message: "outer", cause: new Error("inner") }, { message: "outer", cause: expect.objectContaining({ message: "inner" }) }],
    ["an Error with a cause", new Error("job failed", { cause: new Error("connection is closed") }), { message: "job failed", cause: expect.objectContaining({ message: "connection is closed" }) }],
  ])("%s keeps its message and cause", (_name, error, expected) => {
    const out = serializeError(error);
    expect(out).toMatchObject(expected);
    expect(JSON.stringify(out)).not.toContain("[object Object]");
  });

  it("an object without a message is named by its keys, never printed (it may hold a payload)", () => {
    const out = serializeError({ token: "ghs_secret", payload: { a: 1 } });
    expect(out).toBe("an object without a message (keys: token, payload)");
  });

  it("a worker losing Redis logs the connection error's message, not [object Object]", async () => {
    const { lines, destination } = collectingLog();
    const log = await createSafeLog({ format: "json", destination });
    const port = await freePort(); // nothing listens there: every connection attempt fails
    const runtime = new RedisRuntime({ url: `redis://127.0.0.1:${port}`, prefix: "dbt-err" }, log);
    try {
      runtime.work("scan", async () => undefined);
      await expect.poll(() => lines.filter((l) => l.includes("worker error")).length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await runtime.close(500).catch(() => undefined);
    }
    const workerErrors = lines.filter((l) => l.includes("worker error")).map((l) => JSON.parse(l) as { err: unknown });
    for (const line of workerErrors) {
      expect(JSON.stringify(line.err)).not.toContain("[object Object]");
      expect(line.err).toMatchObject({ message: expect.stringMatching(/ECONNREFUSED|connect|closed/i) });
    }
  }, 20_000);
});
