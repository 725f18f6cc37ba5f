import { describe, expect, it } from "vitest";
import { planLimits } from "../../../src/handlers/queued/plan-limits.js";
import { planJobId } from "../../../src/handlers/queued/plan-job.js";

describe("plan limits", () => {
  it("defaults: 8 plans across replicas, as many per replica, half of them per installation", () => {
    expect(planLimits({})).toEqual({ global: 8, perWorker: 8, perInstallation: 4 });
  });

  it("reads the variables; a replica never takes more than the global limit; an installation gets at least 1", () => {
    expect(planLimits({ DRIFTBACK_PLAN_CONCURRENCY: "1" })).toEqual({ global: 1, perWorker: 1, perInstallation: 1 });
    expect(planLimits({ DRIFTBACK_PLAN_CONCURRENCY: " 20 ", DRIFTBACK_PLAN_WORKER_CONCURRENCY: "50", DRIFTBACK_INSTALLATION_PLAN_LIMIT: "3" })).toEqual({ global: 20, perWorker: 20, perInstallation: 3 });
    expect(planLimits({ DRIFTBACK_PLAN_WORKER_CONCURRENCY: "2" })).toEqual({ global: 8, perWorker: 2, perInstallation: 4 });
  });

  it.each(["0", "-1", "2.5", "eight", "1e3"])("refuses %s naming the variable", (value) => {
    expect(() => planLimits({ DRIFTBACK_PLAN_CONCURRENCY: value })).toThrow(`DRIFTBACK_PLAN_CONCURRENCY must be a positive integer, not "${value}"`);
    expect(() => planLimits({ DRIFTBACK_INSTALLATION_PLAN_LIMIT: value })).toThrow(/^DRIFTBACK_INSTALLATION_PLAN_LIMIT must be a positive integer/);
  });
});

describe("plan job ids", () => {
  it("are per installation, repository (any case), commit, workspace and scan run, with no colon", () => {
    const sha = "a".repeat(40);
    expect(planJobId(7, "Acme", "Infra", sha, "prod")).toBe(`plan/7/acme/infra/${sha}/prod`);
    expect(planJobId(7, "acme", "infra", sha, "prod", "42")).toBe(`plan/7/acme/infra/${sha}/prod/42`);
    const odd = planJobId(7, "acme", "infra", sha, "eu:west/1 a");
    expect(odd).not.toContain(":");
    expect(odd).not.toBe(planJobId(7, "acme", "infra", sha, "eu_west/1 a"));
    expect(odd.split("/")).toHaveLength(6);
  });
});
