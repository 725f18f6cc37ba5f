import { describe, expect, it } from "vitest";
import { correlate, WEIGHTS, type Correlation, type CorrelationOptions, type CorrelationIncident, type DriftForCorrelation } from "../../../src/core/incidents/index.js";
import type { Incident } from "../../../src/ports.js";
import { at, drift, incident } from "./support.js";

/** Far from the drift window (the day before, for an hour): only tags and break-glass can link it. */
const yesterday = { openedAt: at("10:00", "2024-04-30"), resolvedAt: at("11:00", "2024-04-30") };

function only(drifts: DriftForCorrelation[], incidents: CorrelationIncident[], options?: CorrelationOptions) {
  const [result] = correlate(drifts, incidents, options);
  return result!;
}

/** The best candidate, linked or not (timing alone is never linked, whatever the threshold). */
const top = (result: Correlation) => result.incident ?? result.candidates[0];

describe("correlate: each kind of evidence links the incident with a sentence a person can check", () => {
  const cases: { name: string; drift: DriftForCorrelation; incidents: CorrelationIncident[]; options?: CorrelationOptions; linked: string; sentence: string; kind: string }[] = [
    { name: "a tag incident=KEY on the live resource is exact", drift: drift({ tags: [{ source: "tag", key: "incident", value: "INC-123" }] }), incidents: [incident("INC-123", yesterday)], linked: "INC-123", sentence: "tag incident=INC-123 on the resource", kind: "exact" },
    { name: "a label with another configured key and other case is exact", drift: drift({ tags: [{ source: "label", key: "Ticket", value: "inc-123" }] }), incidents: [incident("INC-123", yesterday)], linked: "INC-123", sentence: "label Ticket=inc-123 on the resource", kind: "exact" },
    { name: "a tag holding the incident's URL is exact", drift: drift({ tags: [{ source: "tag", key: "change", value: "https://incidents.example.com/OPS-9/" }] }), incidents: [incident("OPS-9", yesterday)], linked: "OPS-9", sentence: "tag change=https://incidents.example.com/OPS-9/ on the resource", kind: "exact" },
    { name: "a tag naming two incidents names each", drift: drift({ tags: [{ source: "tag", key: "incident", value: "INC-7, INC-123" }] }), incidents: [incident("INC-123", yesterday)], linked: "INC-123", sentence: "tag incident=INC-7, INC-123 on the resource", kind: "exact" },
    { name: "a GitHub-issue key in a tag is exact", drift: drift({ tags: [{ source: "tag", key: "incident", value: "acme/incidents#42" }] }), incidents: [incident("acme/incidents#4", yesterday), incident("acme/incidents#42", yesterday)], linked: "acme/incidents#42", sentence: "tag incident=acme/incidents#42 on the resource", kind: "exact" },
    { name: "a custom tag key from the options is exact", drift: drift({ tags: [{ source: "tag", key: "jira", value: "OPS-9" }] }), incidents: [incident("OPS-9", yesterday)], options: { tagKeys: ["jira"] }, linked: "OPS-9", sentence: "tag jira=OPS-9 on the resource", kind: "exact" },
    {
      name: "a break-glass declaration for the workspace during the window is exact",
      drift: drift(),
      incidents: [incident("INC-123", yesterday)],
      options: { breakGlass: [{ workspace: "prod", incidentKey: "INC-123", from: at("02:00"), until: at("04:00"), by: "alice" }] },
      linked: "INC-123",
      sentence: "break-glass for INC-123 by @alice until 04:00",
      kind: "exact",
    },
    {
      name: "the text mentions the new value",
      drift: drift(),
      incidents: [incident("INC-123", { text: "Allowed 10.20.30.0/24 so support could reach it." })],
      linked: "INC-123",
      sentence: "INC-123 mentions 10.20.30.0/24, the new value of ingress[0].cidr_blocks",
      kind: "strong",
    },
  ];

  it.each(cases)("$name", ({ drift: d, incidents, options, linked, sentence, kind }) => {
    const result = only([d], incidents, options);
    expect(result.fingerprint).toBe(d.fingerprint);
    expect(result.incident?.key).toBe(linked);
    expect(result.incident?.strongest).toBe(kind);
    expect(result.incident?.evidence.map((e) => e.text)).toContain(sentence);
    expect(result.incident?.evidence.find((e) => e.text === sentence)?.kind).toBe(kind);
  });
});

describe("correlate: the resource's name alone (with timing) keeps an incident a runner-up, with a sentence and a note saying why", () => {
  const held = `no evidence about the change itself (its setting, its new value where it names the setting or the resource, a tag, a break-glass or a change command): at most ${WEIGHTS.contextCeiling} and not linked`;
  const cases: { name: string; drift: DriftForCorrelation; incidents: CorrelationIncident[]; sentence: string }[] = [
    { name: "the text mentions the live id", drift: drift(), incidents: [incident("INC-123", { text: "Opened sg-0abc to the office." })], sentence: "INC-123 mentions sg-0abc" },
    { name: "the title mentions the address", drift: drift(), incidents: [incident("INC-123", { title: "aws_security_group.web blocks checkout" })], sentence: "INC-123 mentions aws_security_group.web" },
    {
      name: "the text mentions the ARN",
      drift: drift({ identities: ["sg-0abc", "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc"] }),
      incidents: [incident("INC-123", { text: "see arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc" })],
      sentence: "INC-123 mentions sg-0abc and arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
    },
    { name: "the text mentions the name, in other case", drift: drift({ identities: ["checkout-web"] }), incidents: [incident("INC-123", { text: "CHECKOUT-WEB could not reach the db" })], sentence: "INC-123 mentions checkout-web" },
  ];
  it.each(cases)("$name", ({ drift: d, incidents, sentence }) => {
    const result = only([d], incidents);
    expect(result.incident).toBeNull();
    const [runnerUp] = result.candidates;
    expect(runnerUp?.key).toBe("INC-123");
    expect(runnerUp?.confidence).toBe(WEIGHTS.contextCeiling);
    expect(runnerUp?.evidence.find((e) => e.text === sentence)).toEqual({ kind: "strong", weight: WEIGHTS.strong, text: sentence });
    expect(runnerUp?.evidence.at(-1)).toEqual({ kind: "note", weight: 0, text: held });
  });

  it("even a threshold of 0 links no incident on the resource's name and timing alone", () => {
    const result = only([drift()], [incident("INC-123", { text: "sg-0abc" })], { threshold: 0 });
    expect(result.incident).toBeNull();
    expect(result.candidates.map((c) => c.key)).toEqual(["INC-123"]);
  });
});

describe("correlate: what is not evidence", () => {
  const cases: { name: string; drift: DriftForCorrelation; incidents: CorrelationIncident[]; options?: CorrelationOptions }[] = [
    { name: "a tag naming INC-1234 does not name INC-123", drift: drift({ tags: [{ source: "tag", key: "incident", value: "INC-1234" }] }), incidents: [incident("INC-123", yesterday)] },
    { name: "a tag naming acme/incidents#42 does not name acme/incidents#4", drift: drift({ tags: [{ source: "tag", key: "incident", value: "acme/incidents#42" }] }), incidents: [incident("acme/incidents#4", yesterday)] },
    { name: "a tag with a key that is not configured", drift: drift({ tags: [{ source: "tag", key: "owner", value: "INC-123" }] }), incidents: [incident("INC-123", yesterday)] },
    { name: "an empty tag value", drift: drift({ tags: [{ source: "tag", key: "incident", value: "" }] }), incidents: [incident("INC-123", { ...yesterday, url: "" })] },
    { name: "a mention of sg-0abc-2 is not a mention of sg-0abc", drift: drift(), incidents: [incident("INC-123", { ...yesterday, text: "sg-0abc-2 was opened" })] },
    {
      name: "a break-glass declaration for another workspace",
      drift: drift(),
      incidents: [incident("INC-123", yesterday)],
      options: { breakGlass: [{ workspace: "staging", incidentKey: "INC-123", from: at("02:00"), until: at("04:00"), by: "alice" }] },
    },
    {
      name: "a break-glass declaration that ended before the last clean scan",
      drift: drift(),
      incidents: [incident("INC-123", yesterday)],
      options: { breakGlass: [{ workspace: "prod", incidentKey: "INC-123", from: at("00:00"), until: at("00:50"), by: "alice" }] },
    },
    { name: "a short value (60s) with no setting of this drift next to it", drift: drift({ newValues: ["60s"] }), incidents: [incident("INC-123", { ...yesterday, text: "set DB_TIMEOUT to 60s" })] },
    { name: "a boolean new value", drift: drift({ newValues: ["true"] }), incidents: [incident("INC-123", { ...yesterday, text: "flag set to true" })] },
    { name: "an incident opened after the drift was first seen", drift: drift(), incidents: [incident("INC-123", { openedAt: at("05:00"), resolvedAt: null })] },
  ];
  it.each(cases)("$name", ({ drift: d, incidents, options }) => {
    const result = only([d], incidents, options);
    expect(result.incident).toBeNull();
    expect(result.candidates).toEqual([]);
  });
});

describe("correlate: sensitive values are never matched nor shown", () => {
  const secret = "hunter2-correct-horse";
  it("a secret new value in an incident text gives no evidence", () => {
    const result = only([drift({ sensitive: true, newValues: [secret], identities: [] })], [incident("INC-123", { ...yesterday, text: `rotated the password to ${secret}` })]);
    expect(result.incident).toBeNull();
    expect(result.candidates).toEqual([]);
  });

  it("with other evidence linking, the secret appears in no sentence", () => {
    const result = only([drift({ sensitive: true, attribute: "master_password", newValues: [secret] })], [incident("INC-123", { text: `rotated master_password on sg-0abc, now ${secret}` })]);
    expect(result.incident?.key).toBe("INC-123");
    const texts = result.incident!.evidence.map((e) => e.text);
    expect(texts.join("\n")).not.toContain(secret);
    expect(texts.filter((t) => t.includes("new value"))).toEqual([]);
  });

  it("incident text and title beyond the key never reach the evidence", () => {
    const text = "customer jane@example.com called about sg-0abc and 10.20.30.0/24";
    const result = only([drift({ tags: [{ source: "tag", key: "incident", value: "INC-123" }] })], [incident("INC-123", { title: "Refund for ACME Corp", text, service: "shop" })], { services: { shop: ["prod"] } });
    const all = result.incident!.evidence.map((e) => e.text).join("\n");
    expect(all).not.toContain("jane@example.com");
    expect(all).not.toContain("ACME");
    expect(all).not.toContain("called");
    expect(result.incident!.title).toBe("Refund for ACME Corp");
  });
});

describe("correlate: timing (weak evidence)", () => {
  const weakOf = (d: DriftForCorrelation, i: CorrelationIncident, options?: CorrelationOptions) => {
    const result = only([d], [i], { threshold: 0, ...options });
    return top(result)?.evidence.filter((e) => e.kind === "weak") ?? [];
  };

  it("an incident open for part of the window counts by the share it covers (skew widens its edges)", () => {
    const [weak] = weakOf(drift(), incident("INC-1"));
    // open 02:10–03:40, widened by 5 minutes: 100 of the window's 180 minutes
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax * (100 / 180), 3);
    expect(weak!.text).toBe("open 02:10–03:40; drift first seen 04:00 (last clean scan 01:00)");
  });

  it("an incident open throughout the window counts fully", () => {
    const [weak] = weakOf(drift(), incident("INC-1", { openedAt: at("00:00"), resolvedAt: at("05:00") }));
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax, 6);
  });

  it("an incident without an end time counts as open until the drift's first sighting", () => {
    const [weak] = weakOf(drift(), incident("INC-1", { resolvedAt: null }));
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax * (115 / 180), 3);
    expect(weak!.text).toBe("open since 02:10; drift first seen 04:00 (last clean scan 01:00)");
  });

  it("an incident without an end time, opened before the last clean scan, covers the whole window", () => {
    const [weak] = weakOf(drift(), incident("INC-1", { openedAt: at("23:00", "2024-04-30"), resolvedAt: null }));
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax, 6);
    expect(weak!.text).toBe("open since 2024-04-30 23:00; drift first seen 04:00 (last clean scan 01:00)");
  });

  it("times on another day than the first sighting carry their date", () => {
    const d = drift({ lastClean: at("22:00", "2024-04-30"), firstSeen: at("01:30") });
    const [weak] = weakOf(d, incident("INC-1", { openedAt: at("23:10", "2024-04-30"), resolvedAt: at("00:40") }));
    expect(weak!.text).toBe("open 2024-04-30 23:10–00:40; drift first seen 01:30 (last clean scan 2024-04-30 22:00)");
  });

  it("without a known clean scan the window starts 24 hours before the first sighting, and says so", () => {
    const [weak] = weakOf(drift({ lastClean: null }), incident("INC-1"));
    expect(weak!.text).toBe("open 02:10–03:40; drift first seen 04:00 (no clean scan known, window from 2024-04-30 04:00)");
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax * (100 / (24 * 60)), 3);
  });

  it("a window given in days (the dashboard keeps days) covers those whole days", () => {
    const [weak] = weakOf(drift({ lastClean: "2024-04-30", firstSeen: "2024-05-01" }), incident("INC-1"));
    expect(weak!.text).toBe("open 02:10–03:40; drift first seen 2024-05-01 (last clean scan 2024-04-30)");
  });

  it("a window of one instant counts an incident open at that instant fully", () => {
    const [weak] = weakOf(drift({ lastClean: at("04:00") }), incident("INC-1", { resolvedAt: null }));
    expect(weak!.weight).toBeCloseTo(WEIGHTS.weakMax, 6);
  });

  it("an incident whose opening time does not parse gives no timing evidence and does not throw", () => {
    expect(weakOf(drift(), incident("INC-1", { openedAt: "yesterday-ish", text: "sg-0abc" }))).toEqual([]);
    const result = only([drift()], [incident("INC-1", { openedAt: "yesterday-ish", text: "sg-0abc" })], { threshold: 0 });
    expect(top(result)?.evidence.map((e) => e.weight)).toEqual([WEIGHTS.strongOutsideWindow]);
  });
});

describe("correlate: clock skew at the window edges", () => {
  const cases: { name: string; incident: Partial<CorrelationIncident>; skewMs?: number; weak: boolean; mentionWeight: number }[] = [
    { name: "opened 3 minutes after the first sighting by its clock: within the default 5 minutes", incident: { openedAt: at("04:03"), resolvedAt: null }, weak: true, mentionWeight: WEIGHTS.strong },
    { name: "opened 6 minutes after the first sighting: outside the default 5 minutes", incident: { openedAt: at("04:06"), resolvedAt: null }, weak: false, mentionWeight: WEIGHTS.strongOutsideWindow },
    { name: "opened 6 minutes after, with 10 minutes of skew allowed", incident: { openedAt: at("04:06"), resolvedAt: null }, skewMs: 10 * 60_000, weak: true, mentionWeight: WEIGHTS.strong },
    { name: "resolved 3 minutes before the last clean scan: within the default 5 minutes", incident: { openedAt: at("00:00"), resolvedAt: at("00:57") }, weak: true, mentionWeight: WEIGHTS.strong },
    { name: "resolved 6 minutes before the last clean scan: outside", incident: { openedAt: at("00:00"), resolvedAt: at("00:54") }, weak: false, mentionWeight: WEIGHTS.strongOutsideWindow },
    { name: "no skew allowed: opened 1 minute after the first sighting is outside", incident: { openedAt: at("04:01"), resolvedAt: null }, skewMs: 0, weak: false, mentionWeight: WEIGHTS.strongOutsideWindow },
  ];
  it.each(cases)("$name", ({ incident: fields, skewMs, weak, mentionWeight }) => {
    const result = only([drift()], [incident("INC-1", { ...fields, text: "sg-0abc" })], { threshold: 0, ...(skewMs !== undefined ? { skewMs } : {}) });
    const evidence = top(result)!.evidence;
    expect(evidence.some((e) => e.kind === "weak")).toBe(weak);
    expect(evidence.find((e) => e.kind === "strong")!.weight).toBe(mentionWeight);
    if (!weak) expect(evidence.find((e) => e.kind === "strong")!.text).toBe("INC-1 mentions sg-0abc, but was not open during the drift window");
  });
});

describe("correlate: the incident's service and the workspace", () => {
  const full = { openedAt: at("00:00"), resolvedAt: at("05:00") };
  const cases: { name: string; service?: string; services: Record<string, string[]>; weights: number[]; sentences: string[] }[] = [
    { name: "a service that runs in the workspace adds a bonus", service: "shop", services: { shop: ["prod", "staging"] }, weights: [WEIGHTS.weakMax, WEIGHTS.serviceBonus], sentences: ["service shop runs in workspace prod"] },
    { name: "service names match whatever their case", service: "Shop", services: { shop: ["prod"] }, weights: [WEIGHTS.weakMax, WEIGHTS.serviceBonus], sentences: ["service Shop runs in workspace prod"] },
    { name: "a service that runs elsewhere halves the timing and says where", service: "billing", services: { billing: ["staging"] }, weights: [WEIGHTS.weakMax * WEIGHTS.serviceElsewhere, 0], sentences: ["service billing runs in staging, not prod"] },
    { name: "a service missing from the map changes nothing", service: "search", services: { shop: ["prod"] }, weights: [WEIGHTS.weakMax], sentences: [] },
    { name: "an incident without a service changes nothing", services: { shop: ["prod"] }, weights: [WEIGHTS.weakMax], sentences: [] },
  ];
  it.each(cases)("$name", ({ service, services, weights, sentences }) => {
    const result = only([drift()], [incident("INC-1", { ...full, ...(service ? { service } : {}) })], { services, threshold: 0 });
    const evidence = top(result)!.evidence;
    expect(evidence.map((e) => e.weight)).toEqual(weights.map((w) => Math.round(w * 1000) / 1000));
    expect(evidence.slice(1).map((e) => e.text)).toEqual(sentences);
  });

  it("timing and service alone stay under the default threshold: they are listed, not linked", () => {
    const result = only([drift()], [incident("INC-1", { ...full, service: "shop" })], { services: { shop: ["prod"] } });
    expect(result.incident).toBeNull();
    expect(result.candidates.map((c) => [c.key, c.confidence])).toEqual([["INC-1", 0.49]]);
  });
});

describe("correlate: confidence, threshold and runners-up", () => {
  const tagged = drift({ tags: [{ source: "tag", key: "incident", value: "INC-1" }] });

  it("pieces of evidence combine by noisy-OR", () => {
    const result = only([drift()], [incident("INC-1", { text: "sg-0abc and 10.20.30.0/24", openedAt: at("00:00"), resolvedAt: at("05:00") })]);
    expect(result.incident!.confidence).toBe(Math.round((1 - 0.3 * 0.3 * 0.6) * 1000) / 1000);
  });

  it("a confidence exactly at the threshold links", () => {
    const result = only([tagged], [incident("INC-1", yesterday)], { threshold: 0.95 });
    expect(result.incident?.key).toBe("INC-1");
    expect(result.incident?.confidence).toBe(0.95);
  });

  it("a confidence just under the threshold is listed, not linked", () => {
    const result = only([tagged], [incident("INC-1", yesterday)], { threshold: 0.951 });
    expect(result.incident).toBeNull();
    expect(result.candidates.map((c) => c.key)).toEqual(["INC-1"]);
  });

  it("runners-up are the next three, best first, each with its confidence", () => {
    const incidents = [
      incident("INC-5", { ...yesterday, text: "sg-0abc" }), // a mention out of the window: 0.25
      incident("INC-1", { text: "sg-0abc and 10.20.30.0/24" }), // two mentions and timing
      incident("INC-2", { text: "sg-0abc" }), // one mention and timing
      incident("INC-4", { openedAt: at("03:00") }), // timing only, 50 of 180 minutes: 0.111, left out
      incident("INC-3", { openedAt: at("00:00"), resolvedAt: at("05:00") }), // timing only, the whole window: 0.4
    ];
    const result = only([drift()], incidents);
    expect(result.incident?.key).toBe("INC-1");
    expect(result.candidates.map((c) => c.key)).toEqual(["INC-2", "INC-3", "INC-5"]);
    const confidences = [result.incident!.confidence, ...result.candidates.map((c) => c.confidence)];
    expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);
    expect(new Set(confidences).size).toBe(4);
  });

  it("of many incidents open in the window, the four best are shown whatever the input order (equal timing: opened closer first, then key)", () => {
    const open = (key: string, opened: string, resolved: string) => incident(key, { openedAt: at(opened), resolvedAt: at(resolved) });
    const incidents = [
      open("INC-A", "01:00", "01:30"), // 40 of 180 minutes with skew
      open("INC-B", "01:00", "03:55"), // 180 (whole window)
      open("INC-C", "02:00", "02:30"), // 40, opened closer to 04:00 than INC-A
      open("INC-D", "01:00", "02:00"), // 70
      open("INC-E", "01:00", "03:00"), // 130
      open("INC-F", "02:00", "02:30"), // 40, same as INC-C: key decides
      incident("INC-G", { openedAt: at("03:50"), resolvedAt: null, text: "sg-0abc opened to 10.20.30.0/24" }), // mentions the change: best
    ];
    const expected = [["INC-G"], ["INC-B", "INC-E", "INC-D"]];
    for (const order of [incidents, [...incidents].reverse(), [...incidents.slice(3), ...incidents.slice(0, 3)]]) {
      const result = only([drift()], order);
      expect([[result.incident?.key], result.candidates.map((c) => c.key)]).toEqual(expected);
    }
    // timing alone links nothing: the three best are listed
    const timingOnly = only([drift({ identities: [], newValues: [] })], incidents, { threshold: 0 });
    expect([timingOnly.incident, timingOnly.candidates.map((c) => c.key)]).toEqual([null, ["INC-B", "INC-E", "INC-D"]]);
    const withoutBest = only([drift({ identities: [], newValues: [] })], incidents.filter((i) => !["INC-B", "INC-E", "INC-D"].includes(i.key)), { threshold: 0 });
    expect([withoutBest.incident, withoutBest.candidates.map((c) => c.key)]).toEqual([null, ["INC-C", "INC-F", "INC-A"]]);
  });

  it("a break-glass declaration naming an incident no source returned still links it, with the key only", () => {
    const result = only([drift()], [], { breakGlass: [{ workspace: "prod", incidentKey: "INC-404", from: at("03:00"), until: at("05:00"), by: "@bob" }] });
    expect(result.incident).toEqual({
      key: "INC-404",
      title: null,
      url: null,
      confidence: 0.95,
      strongest: "exact",
      evidence: [{ kind: "exact", weight: 0.95, text: "break-glass for INC-404 by @bob until 05:00" }],
    });
  });

  it("the same tag in tags and tags_all counts once", () => {
    const d = drift({ tags: [{ source: "tag", key: "incident", value: "INC-1" }, { source: "tag", key: "Incident", value: "INC-1" }] });
    const result = only([d], [incident("INC-1", yesterday)]);
    expect(result.incident!.evidence.filter((e) => e.kind === "exact")).toHaveLength(1);
  });

  it("takes the port's Incident as it is (the neutral shape, source included)", () => {
    const fromSource: Incident = { ...incident("INC-1", { text: "sg-0abc opened to 10.20.30.0/24" }), source: "github" };
    expect(only([drift()], [fromSource]).incident?.key).toBe("INC-1");
  });

  it("each drift gets its own correlation, in input order", () => {
    const results = correlate([drift({ fingerprint: "aaaa" }), drift({ fingerprint: "bbbb", identities: ["sg-0other"], newValues: [] })], [incident("INC-1", { text: "sg-0abc opened to 10.20.30.0/24" })]);
    expect(results.map((r) => [r.fingerprint, r.incident?.key ?? null])).toEqual([["aaaa", "INC-1"], ["bbbb", null]]);
  });
});

describe("correlate: ties are broken deterministically and the evidence says how", () => {
  const both = drift({ tags: [{ source: "tag", key: "incident", value: "INC-2 INC-1" }] });
  const cases: { name: string; drift: DriftForCorrelation; incidents: CorrelationIncident[]; options?: CorrelationOptions; linked: string; note: string }[] = [
    {
      name: "the stronger evidence kind wins an equal confidence",
      // INC-9: the setting (0.6), the value next to it (0.8) and timing: 01:10–03:40 of the 160-minute window, 0.4 x 150/160 = 0.375;
      // 1 - 0.4 x 0.2 x 0.625 = 0.95, the weight of INC-1's tag
      drift: drift({ firstSeen: at("03:40"), tags: [{ source: "tag", key: "incident", value: "INC-1" }] }),
      incidents: [incident("INC-9", { openedAt: at("01:15"), resolvedAt: null, text: "set cidr_blocks to 10.20.30.0/24" }), incident("INC-1", yesterday)],
      linked: "INC-1",
      note: "tied with INC-9 at 0.95: chosen for its stronger evidence (exact over strong)",
    },
    {
      name: "then the incident opened closer to the first sighting",
      drift: both,
      incidents: [incident("INC-1", { openedAt: at("10:00", "2024-04-29"), resolvedAt: at("11:00", "2024-04-29") }), incident("INC-2", yesterday)],
      linked: "INC-2",
      note: "tied with INC-1 at 0.95: chosen as it opened closer to the drift's first sighting",
    },
    { name: "then the key", drift: both, incidents: [incident("INC-2", yesterday), incident("INC-1", yesterday)], linked: "INC-1", note: "tied with INC-2 at 0.95: chosen by key order" },
    {
      name: "then the order the sources listed them (same key from two sources)",
      drift: drift({ tags: [{ source: "tag", key: "incident", value: "INC-1" }] }),
      incidents: [incident("INC-1", { ...yesterday, url: "https://a.example.com/1" }), incident("INC-1", { ...yesterday, url: "https://b.example.com/1" })],
      linked: "INC-1",
      note: "tied with INC-1 at 0.95: chosen by the order the incident sources listed them",
    },
  ];
  it.each(cases)("$name", ({ drift: d, incidents, options, linked, note }) => {
    const result = only([d], incidents, options);
    expect(result.incident?.key).toBe(linked);
    expect(result.incident!.evidence.at(-1)).toEqual({ kind: "note", weight: 0, text: note });
    expect(result.candidates[0]!.confidence).toBe(result.incident!.confidence);
    const reversed = only([d], [...incidents].reverse(), options);
    if (incidents[0]!.key !== incidents[1]!.key) expect(reversed.incident?.key).toBe(linked);
  });

  it("no note when the runner-up has a lower confidence", () => {
    const result = only([drift()], [incident("INC-1", { text: "sg-0abc opened to 10.20.30.0/24" }), incident("INC-2")]);
    expect(result.incident!.evidence.some((e) => e.kind === "note")).toBe(false);
  });
});
