import { describe, expect, it } from "vitest";
import { IncidentSourceError } from "../../src/adapters/incidents/errors.js";
import { planBackports, type ExistingPullRequest, type IncidentLink } from "../../src/core/backport/index.js";
import type { DriftItem } from "../../src/core/drift/items.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { Masker } from "../../src/core/render/mask.js";
import type { Incident, IncidentSource, IncidentWindow } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import { linkedPullRequests, lookUpIncidents, planIncidents, type IncidentsInput } from "../../src/usecases/backport-incidents.js";
import { configWith, decideAll } from "../core/backport/support.js";
import { driftItem } from "../support/drift-item.js";

const templates = bundledTemplates();
const masker = new Masker();
const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never;
const NOW = "2024-05-01T04:00:00.000Z";

function incident(key: string, fields: Partial<Incident> = {}): Incident {
  return { key, title: `Outage ${key}`, url: `https://example.com/${key}`, status: "resolved", openedAt: "2024-05-01T02:10:00Z", resolvedAt: "2024-05-01T03:40:00Z", text: "", source: "github", ...fields };
}

/** A source that answers with fixed incidents and remembers the windows it was asked for. */
function fakeSource(name: IncidentSource["name"], incidents: Incident[] | IncidentSourceError, byKey: Record<string, Incident> = {}): IncidentSource & { windows: IncidentWindow[]; gets: string[] } {
  const windows: IncidentWindow[] = [];
  const gets: string[] = [];
  return {
    name,
    windows,
    gets,
    listIncidents: async (window) => {
      windows.push(window);
      if (incidents instanceof IncidentSourceError) throw incidents;
      return incidents;
    },
    getIncident: async (key) => {
      gets.push(key);
      return byKey[key];
    },
    upsertFollowUp: async () => ({ written: false, outcome: "unsupported", reason: "fake" }),
    verifyWebhook: () => ({ ok: false, reason: "fake" }),
  };
}

const sg = driftItem("aws_security_group.web", "ingress", { before: [], after: ["0.0.0.0/0"], liveResource: { id: "sg-0abc", name: "web" } as never, taxonomy: "policy" });
const db = driftItem("aws_db_instance.main", "instance_class", { before: "db.t3.micro", after: "db.r5.large", liveResource: { id: "main-db" } as never });

function input(sources: IncidentSource[], lastClean: Record<string, string> = { prod: "2024-05-01T01:00:00Z" }): IncidentsInput {
  return { sources, options: {}, lastClean: new Map(Object.entries(lastClean)), now: NOW };
}

const ctx = { masker, logger, firstSeen: new Map<string, string>() };

describe("lookUpIncidents", () => {
  it("asks every source once for the window from the earliest last clean scan to now", async () => {
    const a = fakeSource("github", []);
    const b = fakeSource("pagerduty", []);
    const items = [sg, { ...db, workspace: "staging" }];
    await lookUpIncidents(input([a, b], { prod: "2024-05-01T01:00:00Z", staging: "2024-04-30T22:00:00Z" }), items, ctx);
    expect(a.windows).toHaveLength(1);
    expect(b.windows).toHaveLength(1);
    // the earliest clean scan, widened by the 5 minutes of allowed skew
    expect(a.windows[0]!.since.toISOString()).toBe("2024-04-30T21:55:00.000Z");
    expect(a.windows[0]!.until.toISOString()).toBe("2024-05-01T04:05:00.000Z");
  });

  it("starts the window 24 hours before now for a workspace without a known clean scan", async () => {
    const a = fakeSource("github", []);
    await lookUpIncidents(input([a], {}), [sg], ctx);
    expect(a.windows[0]!.since.toISOString()).toBe("2024-04-30T03:55:00.000Z");
  });

  it("correlates a drift with the incident that names its resource and says why", async () => {
    const lookup = await lookUpIncidents(input([fakeSource("github", [incident("INC-123", { text: "opened sg-0abc to the world during the outage" }), incident("INC-200", { openedAt: "2024-04-29T00:00:00Z", resolvedAt: "2024-04-29T01:00:00Z" })])]), [sg], ctx);
    const correlation = lookup.correlations.get(fingerprintOf(sg))!;
    expect(correlation.incident?.key).toBe("INC-123");
    expect(correlation.incident!.evidence.map((e) => e.text).join("\n")).toContain("sg-0abc");
    expect(lookup.failures).toEqual([]);
  });

  it("keeps going when one source fails, and says which one and why without its message details", async () => {
    const failing = fakeSource("pagerduty", new IncidentSourceError("unauthorized", "PagerDuty answered 401: check PAGERDUTY_API_TOKEN"));
    const lookup = await lookUpIncidents(input([failing, fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" })])]), [sg], ctx);
    expect(lookup.failures).toEqual(["pagerduty: PagerDuty answered 401: check PAGERDUTY_API_TOKEN"]);
    expect(lookup.correlations.get(fingerprintOf(sg))?.incident?.key).toBe("INC-123");
  });

  it("never repeats the message of an error that is not a source error (it could hold anything)", async () => {
    const broken = fakeSource("jira", []);
    broken.listIncidents = async () => {
      throw new Error("token=abc123 leaked");
    };
    const lookup = await lookUpIncidents(input([broken]), [sg], ctx);
    expect(lookup.failures).toHaveLength(1);
    expect(lookup.failures[0]).not.toContain("abc123");
  });

  it("fetches a pinned incident the window did not list, from the source its link names", async () => {
    const source = fakeSource("jira", [], { "INC-9": incident("INC-9", { source: "jira", title: "Old outage" }) });
    const lookup = await lookUpIncidents(input([source]), [sg], ctx, { pinned: [{ key: "INC-9", source: "jira", pinned: true }, { key: "x", source: "manual", pinned: true }] });
    expect(source.gets).toEqual(["INC-9"]);
    expect(lookup.incidents.get("INC-9")?.title).toBe("Old outage");
  });

  it("asks nothing when there is no drift or no incidents input", async () => {
    const source = fakeSource("github", []);
    expect((await lookUpIncidents(input([source]), [], ctx)).window).toBeNull();
    expect((await lookUpIncidents(undefined, [sg], ctx)).window).toBeNull();
    expect(source.windows).toEqual([]);
  });
});

function existingWith(items: DriftItem[], incident: IncidentLink, fields: Partial<ExistingPullRequest> = {}): ExistingPullRequest {
  return {
    number: 7,
    state: "open",
    merged: false,
    branch: "driftback/prod/aws_security_group.web",
    labels: [],
    marker: { version: 1, key: "prod/aws_security_group.web", workspace: "prod", action: "revert", items: items.map((i) => ({ fingerprint: fingerprintOf(i), valueHash: "0123456789ab", action: "revert", settled: "revert" })), digest: "abcdefabcdef", incident },
    ...fields,
  };
}

async function plan(items: DriftItem[], sources: IncidentSource[], existing: ExistingPullRequest[] = [], groupBy: "resource" | "incident" = "resource") {
  const config = configWith({ backport: { group_by: groupBy } });
  const lookup = await lookUpIncidents(input(sources), items, ctx);
  return planBackports(decideAll(items, config, masker), { config, masker, templates, incidents: planIncidents(lookup, existing) });
}

describe("planIncidents: which incident each pull request links", () => {
  it("links the best correlated incident with its confidence, evidence and runners-up", async () => {
    const [p] = await plan([sg], [fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" }), incident("INC-124")])]);
    expect(p!.incident!.linked).toMatchObject({ link: { key: "INC-123", source: "github", url: "https://example.com/INC-123" }, title: "Outage INC-123", status: "resolved" });
    expect(p!.incident!.linked!.confidence).toBeGreaterThan(0.5);
    expect(p!.incident!.linked!.evidence.length).toBeGreaterThan(0);
    expect(p!.incident!.candidates.map((c) => c.key)).toEqual(["INC-124"]);
  });

  it("keeps a person's pinned incident over a better correlation", async () => {
    const pinned = { key: "OPS-1", source: "manual" as const, pinned: true };
    const [p] = await plan([sg], [fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" })])], [existingWith([sg], pinned)]);
    expect(p!.incident!.linked).toMatchObject({ link: pinned, evidence: [] });
    expect(p!.incident!.candidates.map((c) => c.key)).toEqual(["INC-123"]);
  });

  it("keeps the marker's incident when the lookup failed, and says the lookup failed", async () => {
    const link = { key: "INC-5", source: "github" as const, url: "https://example.com/INC-5" };
    const [p] = await plan([sg], [fakeSource("github", new IncidentSourceError("unavailable", "GitHub answered 502"))], [existingWith([sg], link)]);
    expect(p!.incident).toMatchObject({ linked: { link, kept: true }, failures: ["github: GitHub answered 502"] });
  });

  it("drops a correlated (not pinned) incident that no longer matches once the lookup works", async () => {
    const [p] = await plan([sg], [fakeSource("github", [])], [existingWith([sg], { key: "INC-5", source: "github" })]);
    expect(p!.incident!.linked).toBeNull();
  });

  it("never links an incident whose key the marker could not hold (the next scan could not read the pull request)", async () => {
    const long = "K".repeat(501);
    const [p] = await plan([sg], [fakeSource("github", [incident(long, { text: "sg-0abc opened to 0.0.0.0/0" })])]);
    expect(p!.incident!.linked).toBeNull();
  });

  it("changes the digest when the linked incident changes, so the body is refreshed", async () => {
    const [a] = await plan([sg], [fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" })])]);
    const [b] = await plan([sg], [fakeSource("github", [incident("INC-999", { text: "sg-0abc opened to 0.0.0.0/0" })])]);
    const [none] = await plan([sg], [fakeSource("github", [])]);
    expect(new Set([a!.digest, b!.digest, none!.digest]).size).toBe(3);
  });
});

describe("group_by: incident", () => {
  it("puts all drift linked to one incident in one pull request per workspace, and the rest by resource", async () => {
    const other = driftItem("aws_instance.api", "instance_type", { before: "t3.micro", after: "t3.large", liveResource: { id: "i-0123" } as never });
    const plans = await plan([sg, db, other], [fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0 and main-db resized to db.r5.large by hand" })])], [], "incident");
    expect(plans.map((p) => [p.key, p.branch, p.items.length])).toEqual([
      ["prod/aws_instance.api", "driftback/prod/aws_instance.api", 1],
      ["prod/incident:INC-123", expect.stringMatching(/^driftback\/incident\/inc-123-[0-9a-f]{8}\/prod$/), 2],
    ]);
    expect(plans[1]!.incident!.linked!.link.key).toBe("INC-123");
  });

  it("groups by a pinned incident even when correlation finds another", async () => {
    const pinned = { key: "acme/incidents#42", source: "github" as const, pinned: true };
    const plans = await plan([sg], [fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" })])], [existingWith([sg], pinned)], "incident");
    expect(plans.map((p) => p.key)).toEqual(["prod/incident:acme/incidents#42"]);
    expect(plans[0]!.incident!.linked!.link).toEqual(pinned);
  });
});

describe("linkedPullRequests", () => {
  it("lists each pull request carrying an incident once, with its status and the incident's title", async () => {
    const lookup = await lookUpIncidents(input([fakeSource("github", [incident("INC-123", { text: "sg-0abc opened to 0.0.0.0/0" })])]), [sg], ctx);
    const plans = planBackports(decideAll([sg], configWith(), masker), { config: configWith(), masker, templates, incidents: planIncidents(lookup, []) });
    const merged = existingWith([db], { key: "INC-1", source: "pagerduty" }, { number: 3, state: "closed", merged: true });
    const report = { drift: { [fingerprintOf(sg)]: { status: "open", pr: 9 } } };
    expect(linkedPullRequests(plans, report, [merged], lookup)).toEqual([
      { pr: 3, key: "INC-1", source: "pagerduty", status: "merged" },
      { pr: 9, key: "INC-123", source: "github", url: "https://example.com/INC-123", title: "Outage INC-123", status: "open" },
    ]);
  });
});
