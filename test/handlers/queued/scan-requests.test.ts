import { describe, expect, it } from "vitest";
import type { Config } from "../../../src/config/schema.js";
import { carriesWork, decodeRequests, encodeRequest, mergeRequests, scanDeduplicationId, type ScanRequest } from "../../../src/handlers/queued/scan-requests.js";
import type { ScannableRepo } from "../../../src/handlers/scan-service.js";

const repo = (owner: string, name: string, schedule = "0 * * * *"): ScannableRepo => ({
  target: { owner, repo: name, cloneUrl: `https://github.com/${owner}/${name}.git`, defaultBranch: "main" },
  installationId: 1,
  config: { drift: { schedule } } as unknown as Config,
});
const declaration = { workspace: "prod", incidentKey: "INC-1", from: "2026-11-01T10:00:00Z", until: "2026-11-01T12:00:00Z", by: "octocat" };

describe("scan requests as the scan queue keeps and merges them", () => {
  it("names one deduplication id per repository whatever the case, with no ':' (BullMQ ids cannot hold one)", () => {
    expect(scanDeduplicationId(repo("Acme", "Infra"))).toBe("scan/acme/infra");
    expect(scanDeduplicationId(repo("acme", "INFRA"))).toBe(scanDeduplicationId(repo("ACME", "infra")));
    expect(scanDeduplicationId(repo("acme", "infra"))).not.toContain(":");
  });

  it("tells a plain request (dropped while a scan runs, as in-process) from one that carries work", () => {
    expect(carriesWork({})).toBe(false);
    expect(carriesWork({ reopen: [] })).toBe(false);
    expect(carriesWork({ reopen: ["abc"] })).toBe(true);
    expect(carriesWork({ again: true })).toBe(true);
    expect(carriesWork({ breakGlass: [declaration] })).toBe(true);
    expect(carriesWork({ resolvedIncidents: ["INC-1"] })).toBe(true);
  });

  it("merges requests into one scan: the newest config, every fingerprint, declaration and incident once", () => {
    const requests: ScanRequest[] = [
      { repo: repo("acme", "infra", "0 * * * *"), options: { reopen: ["a", "b"], breakGlass: [declaration] } },
      { repo: repo("acme", "infra", "30 * * * *"), options: {} },
      { repo: repo("acme", "infra", "15 * * * *"), options: { again: true, reopen: ["b", "c"], breakGlass: [{ ...declaration }, { ...declaration, workspace: "dev" }], resolvedIncidents: ["INC-1", "INC-1"] } },
    ];
    const merged = mergeRequests(decodeRequests(requests.map(encodeRequest)));
    expect(merged.repo.config.drift.schedule).toBe("15 * * * *");
    expect(merged.reopen).toEqual(["a", "b", "c"]);
    expect(merged.breakGlass).toEqual([declaration, { ...declaration, workspace: "dev" }]);
    expect(merged.resolvedIncidents).toEqual(["INC-1"]);
    expect(merged.requests).toBe(3);
  });

  it("carries /driftback align requests through Redis: each request and reply target once, a scan's work", () => {
    const ask = { group: "modules/service", resource: "module.shop", attribute: "pool_size", to: "staging" };
    expect(carriesWork({ align: [ask] })).toBe(true);
    expect(carriesWork({ align: [] })).toBe(false);
    const requests: ScanRequest[] = [
      { repo: repo("acme", "infra"), options: { align: [{ ...ask, reply: { issue: 7 } }] } },
      { repo: repo("acme", "infra"), options: { align: [{ ...ask, reply: { issue: 7 } }, { ...ask, reply: { issue: 20 } }, { ...ask, to: "prod-us" }] } },
    ];
    expect(mergeRequests(decodeRequests(requests.map(encodeRequest))).align).toEqual([{ ...ask, reply: { issue: 7 } }, { ...ask, reply: { issue: 20 } }, { ...ask, to: "prod-us" }]);
    expect(mergeRequests([{ repo: repo("acme", "infra"), options: {} }]).align).toEqual([]);
  });

  it("leaves out entries that are not requests (a hand-edited key) and refuses to merge nothing", () => {
    const good = encodeRequest({ repo: repo("acme", "infra"), options: { reopen: ["a"] } });
    expect(decodeRequests(["not json", "{}", JSON.stringify({ repo: {} }), good])).toHaveLength(1);
    expect(() => mergeRequests([])).toThrow("no scan request to merge");
  });
});
