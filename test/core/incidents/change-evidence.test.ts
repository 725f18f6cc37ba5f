import { describe, expect, it } from "vitest";
import { correlate, WEIGHTS, type Correlation, type CorrelationIncident, type CorrelationOptions, type DriftForCorrelation } from "../../../src/core/incidents/index.js";
import { at, drift, incident } from "./support.js";

/** The deployment of issue 14: api-server in prod, first seen 04:00 after a clean scan at 01:00. */
const deployment = (fields: Partial<DriftForCorrelation> = {}) =>
  drift({ address: "module.shop.sandbox_deployment.app", identities: ["default/api-server", "api-server"], attribute: "env.DB_TIMEOUT", newValues: ["60s"], ...fields });
const lastWeek = { openedAt: at("09:00", "2024-04-24"), resolvedAt: at("11:00", "2024-04-24") };
const longOpen = { openedAt: at("08:00", "2024-04-27"), resolvedAt: null };

function only(d: DriftForCorrelation, incidents: CorrelationIncident[], options?: CorrelationOptions): Correlation {
  return correlate([d], incidents, options)[0]!;
}
const keysOf = (result: Correlation) => ({ linked: result.incident?.key ?? null, runnersUp: result.candidates.map((c) => c.key) });
const allShown = (result: Correlation) => [result.incident, ...result.candidates].filter((c) => c !== null);

describe("issue 14, 'What was seen' 8: the seed's own incident is found", () => {
  const seed = incident("INC-1", { text: "Raised DB_TIMEOUT to 60s on api and scaled api to 6 replicas", service: "api" });

  it("links the DB_TIMEOUT drift without any services configured (was 'No incident found' at 0.04)", () => {
    const result = only(deployment(), [seed]);
    expect(result.incident?.key).toBe("INC-1");
    expect(result.incident!.evidence.map((e) => [e.kind, e.weight, e.text])).toEqual([
      ["strong", WEIGHTS.setting, "INC-1 names DB_TIMEOUT, the setting that changed (env.DB_TIMEOUT)"],
      ["strong", WEIGHTS.valueBySetting, "INC-1 mentions 60s next to DB_TIMEOUT, the new value of env.DB_TIMEOUT"],
      ["weak", 0.222, "open 02:10–03:40; drift first seen 04:00 (last clean scan 01:00)"],
    ]);
  });

  it("with incidents.services {api: [prod]}, 'api' names the service of api-server and the service runs in prod (was 0.19)", () => {
    const result = only(deployment(), [seed], { services: { api: ["prod"] } });
    expect(result.incident?.key).toBe("INC-1");
    expect(result.incident!.evidence.map((e) => e.text)).toContain("INC-1 names service api (of api-server)");
    expect(result.incident!.evidence.map((e) => e.text)).toContain("service api runs in workspace prod");
    expect(result.incident!.confidence).toBeGreaterThan(only(deployment(), [seed]).incident!.confidence);
  });

  it("links the replicas drift of the same deployment by '6 replicas', the incident being filed under api, a word of api-server", () => {
    const result = only(deployment({ attribute: "replicas", newValues: ["6"] }), [seed]);
    expect(result.incident?.evidence.map((e) => e.text)).toContain("INC-1 mentions 6 next to replicas, the new value of replicas");
  });

  it("the same words filed under another service say '6 replicas' of some other deployment: a runner-up", () => {
    const result = only(deployment({ attribute: "replicas", newValues: ["6"] }), [{ ...seed, service: "search" }]);
    expect(result.incident).toBeNull();
    expect(result.candidates[0]!.evidence.map((e) => [e.weight, e.text])).toContainEqual([WEIGHTS.valueUnplaced, "INC-1 mentions 6 next to replicas, the new value of replicas, but not this resource"]);
  });
});

describe("a link needs evidence about the change itself", () => {
  it("an incident that names the changed setting wins over one that only names the resource, even one with more context", () => {
    const namesSetting = incident("INC-SETTING", { text: "DB_TIMEOUT bumped", openedAt: at("03:00") });
    const namesResource = incident("INC-RESOURCE", { text: "api-server errors; deployment/api-server restarted twice", service: "api", ...longOpen });
    const result = only(deployment(), [namesResource, namesSetting], { services: { api: ["prod"] } });
    expect(keysOf(result)).toEqual({ linked: "INC-SETTING", runnersUp: ["INC-RESOURCE"] });
    expect(result.candidates[0]!.confidence).toBe(WEIGHTS.contextCeiling);
  });

  it("a drift no incident speaks of links to none: a feature flag left on after a rollout", () => {
    const flag = deployment({ attribute: "env.FEATURE_NEW_CHECKOUT", newValues: ["true"] });
    const incidents = [
      incident("INC-2", { title: "New checkout page returns 500 for some EU users", text: "rolled the new checkout back to 50%", service: "web" }),
      incident("INC-3", { title: "api-server latency after the release", text: "api-server p99 at 2s", service: "api" }),
      incident("INC-4", { title: "search degraded", text: "reindex running", service: "search", ...longOpen }),
    ];
    const result = only(flag, incidents, { services: { api: ["prod"], web: ["prod"], search: ["prod"] } });
    expect(result.incident).toBeNull();
    for (const candidate of result.candidates) expect(candidate.confidence).toBeLessThanOrEqual(WEIGHTS.contextCeiling);
    expect(result.candidates.map((c) => c.key)).toContain("INC-3");
  });

  it("the same flag links an incident that says it was set: FEATURE_NEW_CHECKOUT=true", () => {
    const flag = deployment({ attribute: "env.FEATURE_NEW_CHECKOUT", newValues: ["true"] });
    const result = only(flag, [incident("INC-5", { text: "kill switch: set FEATURE_NEW_CHECKOUT=true on api-server" })]);
    expect(result.incident?.key).toBe("INC-5");
  });

  it("an old incident naming the same setting and value links none on its own: it was not open during the window", () => {
    const result = only(deployment(), [incident("INC-OLD", { text: "kubectl set env deployment/api-server DB_TIMEOUT=60s", ...lastWeek })]);
    expect(result.incident).toBeNull();
    const [old] = result.candidates;
    expect(old?.key).toBe("INC-OLD");
    expect(old!.evidence.filter((e) => e.kind === "strong").every((e) => e.weight === WEIGHTS.strongOutsideWindow && e.text.endsWith("but was not open during the drift window"))).toBe(true);
  });

  it("a long-open incident of another region that only names the resource stays a runner-up, and says why", () => {
    const result = only(deployment({ workspace: "prod-eu" }), [incident("INC-US", { text: "api-server in prod-us flapping", service: "api", ...longOpen })], { services: { api: ["prod-eu", "prod-us"] } });
    expect(result.incident).toBeNull();
    expect(result.candidates[0]!.evidence.at(-1)!.text).toMatch(/^no evidence about the change itself/);
  });
});

describe("what counts as naming the change, and what does not", () => {
  const cases: { name: string; drift: DriftForCorrelation; text: string; linked: boolean }[] = [
    { name: "a bare number alone is chance", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "api-server: 6 pods were evicted", linked: false },
    { name: "a bare number next to the count's name", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "replicas on api-server from 3 to 6", linked: true },
    { name: "a bare number too far from the count's name", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "replicas were fine but later, after the cache and the db and the queue were checked, 6 pods restarted", linked: false },
    { name: "a value with a unit next to the setting's last word, in an incident naming the resource", drift: deployment(), text: "api-server: bumped the timeout to 60s", linked: true },
    { name: "a value next to the setting's last word, in an incident naming no resource: which timeout?", drift: deployment(), text: "bumped the timeout to 60s", linked: false },
    { name: "a value with a unit alone", drift: deployment(), text: "p99 went over 60s", linked: false },
    { name: "a value with a unit next to the last word, after a bare value that is not", drift: deployment({ attribute: "env.UPSTREAM_TIMEOUT", newValues: ["3", "90s"] }), text: "api-server: bumped the timeout to 90s", linked: true },
    { name: "a plain word value next to the setting", drift: deployment({ attribute: "env.LOG_LEVEL", newValues: ["debug"] }), text: "LOG_LEVEL=debug", linked: true },
    { name: "a plain word value in prose", drift: deployment({ attribute: "env.LOG_LEVEL", newValues: ["debug"] }), text: "turned on debug logging", linked: false },
    { name: "the tail of a setting alone could be another setting", drift: deployment({ attribute: "env.DB_POOL_SIZE", newValues: ["10"] }), text: "the pool size looks too small", linked: false },
    { name: "'scaled' next to a number names a count of the resource it names", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "scaled api-server to 6", linked: true },
    { name: "'scaled it to 6' names no resource: which count?", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "scaled it to 6", linked: false },
    { name: "'6 replicas' in an incident about another deployment", drift: deployment({ attribute: "replicas", newValues: ["6"] }), text: "search-indexer now at 6 replicas", linked: false },
    { name: "'scaled' does not name a setting that is not a count", drift: deployment({ attribute: "env.DB_POOL_SIZE", newValues: ["6"] }), text: "scaled api-server to 6", linked: false },
    { name: "a change command on the resource", drift: deployment({ attribute: "image", newValues: [] }), text: "kubectl edit deploy/api-server", linked: true },
    { name: "a change command on another resource", drift: deployment({ attribute: "image", newValues: [] }), text: "kubectl edit deploy/search", linked: false },
    { name: "a reading command on the resource", drift: deployment({ attribute: "image", newValues: [] }), text: "kubectl describe deploy/api-server", linked: false },
    { name: "console wording on the line naming the resource", drift: drift({ newValues: ["0.0.0.0/0"] }), text: "Edited inbound rules of sg-0abc: SSH from Anywhere-IPv4", linked: true },
    { name: "console wording on a line that names no resource", drift: drift({ newValues: ["0.0.0.0/0"] }), text: "sg-0abc reviewed.\nusers from anywhere-ipv4 complained", linked: false },
  ];
  it.each(cases)("$name", ({ drift: d, text, linked }) => {
    const result = only(d, [incident("INC-1", { text })]);
    expect(result.incident?.key ?? null).toBe(linked ? "INC-1" : null);
  });
});

describe("context that ranks without linking", () => {
  const services = { api: ["prod-eu", "prod-us"] };
  const eu = deployment({ workspace: "prod-eu", attribute: "env.DB_POOL_SIZE", newValues: ["10"] });

  it("the region of the workspace's name breaks an otherwise equal pair: 'in eu' for prod-eu", () => {
    const result = only(eu, [incident("INC-US", { text: "pool size down to 10 in us" }), incident("INC-EU", { text: "pool size down to 10 in eu" })], { services });
    expect(keysOf(result)).toEqual({ linked: "INC-EU", runnersUp: ["INC-US"] });
    expect(result.incident!.evidence.map((e) => e.text)).toContain("INC-EU mentions eu, as in workspace prod-eu");
  });

  it("a short service name points at the resource only when it is configured: 'scaled api to 6 replicas'", () => {
    const text = { text: "scaled api to 6 replicas" };
    const replicas = deployment({ attribute: "replicas", newValues: ["6"] });
    const configured = only(replicas, [incident("INC-1", text)], { services: { api: ["prod"] } });
    const unconfigured = only(replicas, [incident("INC-1", text)]);
    expect(configured.incident!.evidence.map((e) => e.text)).toContain("INC-1 names service api (of api-server)");
    expect(unconfigured.incident).toBeNull();
    expect(unconfigured.candidates[0]!.evidence.map((e) => e.text).join("\n")).not.toContain("service api");
  });

  it("every fact of the linked incident and of the runners-up has its weight, and context never adds a candidate", () => {
    // INC-CHECKOUT names a service that runs in prod-eu and the region, but nothing of the drift, and was not open: no candidate
    const withCheckout = { services: { ...services, checkout: ["prod-eu"] } };
    const result = only(eu, [incident("INC-EU", { text: "pool size down to 10 in eu" }), incident("INC-CHECKOUT", { text: "checkout is slow in eu", ...lastWeek, service: "checkout" })], withCheckout);
    expect(keysOf(result)).toEqual({ linked: "INC-EU", runnersUp: [] });
    for (const candidate of allShown(result)) for (const e of candidate.evidence) expect(typeof e.weight).toBe("number");
  });
});
