import { describe, expect, it } from "vitest";
import { UnrecoverableError } from "bullmq";
import { forRetry, isTransient, retryAfterMs, retryDelayMs } from "../../../src/adapters/redis/retry.js";
import { BackportHostError } from "../../../src/ports.js";

const http = (status: number, message: string, headers: Record<string, string> = {}) => Object.assign(new Error(message), { status, response: { headers } });

describe("the queue's retry policy", () => {
  it.each([
    ["GitHub 502", http(502, "Bad Gateway"), true],
    ["a 429", http(429, "Too Many Requests"), true],
    ["a secondary rate limit (403)", http(403, "You have exceeded a secondary rate limit"), true],
    ["a refused permission (403)", http(403, "Resource not accessible by integration"), false],
    ["an abuse-detection limit (403, older wording)", http(403, "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."), true],
    ["a 403 with retry-after whatever its message", http(403, "Forbidden", { "retry-after": "30" }), true],
    ["a primary limit exhausted (403, nothing remaining)", http(403, "Forbidden", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000000" }), true],
    ["a 403 with requests remaining and no retry-after", http(403, "Forbidden", { "x-ratelimit-remaining": "4000" }), false],
    ["a 404", http(404, "Not Found"), false],
    ["a reset connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), true],
    ["a held state lock", new Error("Error acquiring the state lock: ConditionalCheckFailedException"), true],
    ["bad config", new Error("invalid driftback config: drift.schedule"), false],
    ["a failed plan", new Error("terraform plan failed: Error: Unsupported argument"), false],
    ["a transient cause under a plain error", new Error("scan failed", { cause: http(503, "Service Unavailable") }), true],
    ["a rate-limited backport host", new BackportHostError("rate-limited", "GitHub asked to wait", { retryAfterSeconds: 60 }), true],
    ["a forbidden backport host", new BackportHostError("forbidden", "branch protection"), false],
  ])("%s → transient: %s", (_name, error, transient) => {
    expect(isTransient(error)).toBe(transient);
    expect(forRetry(error) instanceof UnrecoverableError).toBe(!transient);
  });

  it("reads how long GitHub asked to wait: retry-after, an exhausted primary limit's reset, a host error, through causes", () => {
    expect(retryAfterMs(http(403, "secondary rate limit", { "retry-after": "60" }))).toBe(60_000);
    expect(retryAfterMs(http(403, "API rate limit exceeded", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1100" }), 1_000_000)).toBe(100_000);
    expect(retryAfterMs(new BackportHostError("rate-limited", "wait", { retryAfterSeconds: 30 }))).toBe(30_000);
    expect(retryAfterMs(new Error("wrapped", { cause: http(429, "slow down", { "retry-after": "7" }) }))).toBe(7_000);
    expect(retryAfterMs(http(502, "Bad Gateway"))).toBeUndefined();
  });

  it("backs off exponentially with jitter, never sooner than GitHub asked, at most an hour", () => {
    expect(retryDelayMs(1, 5_000, new Error("x"), () => 0.5)).toBe(5_000);
    expect(retryDelayMs(3, 5_000, new Error("x"), () => 0.5)).toBe(20_000);
    expect(retryDelayMs(3, 5_000, new Error("x"), () => 0)).toBe(16_000);
    expect(retryDelayMs(3, 5_000, new Error("x"), () => 1)).toBe(24_000);
    expect(retryDelayMs(1, 5_000, http(403, "secondary rate limit", { "retry-after": "60" }), () => 0.5)).toBe(60_000);
    expect(retryDelayMs(30, 5_000, new Error("x"), () => 0.5)).toBe(3_600_000);
  });
});
