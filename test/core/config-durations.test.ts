import { describe, expect, it } from "vitest";
import { durationToMs } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";

/** Node timers hold at most this many ms; a longer delay fires after 1 ms. */
const NODE_TIMER_MAX_MS = 2 ** 31 - 1;
const withPlan = (plan: Record<string, string>) => ({ plan, workspaces: [{ name: "a", dir: "." }] });

describe("plan durations are bounded so they always fit a Node timer", () => {
  const rejected: [string, Record<string, string>, string, RegExp][] = [
    ["a plan timeout of 597h (overflows a 32-bit timer)", { timeout: "597h" }, "plan.timeout", /^must be at most 24h: no plan should run longer$/],
    ["a plan timeout of 25h", { timeout: "25h" }, "plan.timeout", /must be at most 24h/],
    ["a plan timeout of 1441m", { timeout: "1441m" }, "plan.timeout", /must be at most 24h/],
    ["a plan timeout with 30 digits", { timeout: "999999999999999999999999999999s" }, "plan.timeout", /must be at most 24h/],
    ["a plan timeout of 0s", { timeout: "0s" }, "plan.timeout", /^must be at least 1s$/],
    ["a plan timeout of 0m", { timeout: "0m" }, "plan.timeout", /^must be at least 1s$/],
    ["a plan timeout of 999ms", { timeout: "999ms" }, "plan.timeout", /^must be at least 1s$/],
    ["a lock timeout of 2h", { lock_timeout: "2h" }, "plan.lock_timeout", /^must be at most 1h: a plan waiting longer/],
    ["a negative lock timeout", { lock_timeout: "-1m" }, "plan.lock_timeout", /must be a duration such as/],
  ];
  it.each(rejected)("rejects %s, naming the field and the bound", (_name, plan, path, message) => {
    const result = validateConfig(withPlan(plan));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(result.issues).toHaveLength(1); // one clear line, not a cascade
  });

  const accepted: [string, Record<string, string>][] = [
    ["the largest plan timeout, 24h", { timeout: "24h" }],
    ["24h written in minutes", { timeout: "1440m" }],
    ["the smallest plan timeout, 1s", { timeout: "1s" }],
    ["a lock timeout of 0s (terraform's own default: fail at once when locked)", { lock_timeout: "0s" }],
    ["the largest lock timeout, 1h", { lock_timeout: "60m" }],
  ];
  it.each(accepted)("accepts %s", (_name, plan) => {
    const result = validateConfig(withPlan(plan));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(durationToMs(result.config.plan.timeout)).toBeLessThanOrEqual(NODE_TIMER_MAX_MS);
  });
});
