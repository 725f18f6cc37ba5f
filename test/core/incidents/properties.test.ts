import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { confidenceOf, correlate, type BreakGlassDeclaration, type CorrelationIncident, type Correlation, type DriftForCorrelation } from "../../../src/core/incidents/index.js";
import { drift, incident } from "./support.js";

const BASE = Date.parse("2024-05-01T00:00:00Z");
const iso = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const services = { shop: ["prod"], billing: ["staging"] };
const words = ["checkout", "sg-0abc", "aws_security_group.web", "10.20.30.0/24", "rollback", "INC-1", "latency", "db", "sg-0abc-2"];

interface IncidentShape {
  opened: number;
  length: number | null;
  service: string | undefined;
  text: string;
}
interface DriftShape {
  firstSeen: number;
  cleanBefore: number | null;
  workspace: string;
  tagged: boolean;
  sensitive: boolean;
}

const arbIncident: fc.Arbitrary<IncidentShape> = fc.record({
  opened: fc.integer({ min: -2000, max: 2000 }),
  length: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null }),
  service: fc.option(fc.constantFrom("shop", "billing", "search"), { nil: undefined }),
  text: fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((list) => list.join(" ")),
});
const arbDrift: fc.Arbitrary<DriftShape> = fc.record({
  firstSeen: fc.integer({ min: -600, max: 600 }),
  cleanBefore: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null }),
  workspace: fc.constantFrom("prod", "staging"),
  tagged: fc.boolean(),
  sensitive: fc.boolean(),
});

function build(i: IncidentShape, d: DriftShape): { incidents: CorrelationIncident[]; drifts: DriftForCorrelation[] } {
  const one = incident("INC-1", {
    openedAt: iso(i.opened),
    resolvedAt: i.length === null ? null : iso(i.opened + i.length),
    text: i.text,
    ...(i.service ? { service: i.service } : {}),
  });
  const theDrift = drift({
    workspace: d.workspace,
    firstSeen: iso(d.firstSeen),
    lastClean: d.cleanBefore === null ? null : iso(d.firstSeen - d.cleanBefore),
    sensitive: d.sensitive,
    tags: d.tagged ? [{ source: "tag", key: "incident", value: "INC-1" }] : [],
  });
  return { incidents: [one], drifts: [theDrift] };
}

const confidenceFor = (result: Correlation, key: string) => [result.incident, ...result.candidates].find((c) => c?.key === key)?.confidence ?? 0;

describe("confidence properties", () => {
  it("confidenceOf is always within [0, 1], whatever the weights", () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (weights) => {
        const confidence = confidenceOf(weights);
        expect(confidence).toBeGreaterThanOrEqual(0);
        expect(confidence).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("one more weight never lowers confidenceOf", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true })), fc.double({ min: 0, max: 1, noNaN: true }), (weights, extra) => {
        expect(confidenceOf([...weights, extra])).toBeGreaterThanOrEqual(confidenceOf(weights));
      }),
    );
  });

  it("every confidence and evidence weight correlate returns is within [0, 1]", () => {
    fc.assert(
      fc.property(arbIncident, arbDrift, (i, d) => {
        const { incidents, drifts } = build(i, d);
        for (const result of correlate(drifts, incidents, { services, threshold: 0 })) {
          for (const candidate of [result.incident, ...result.candidates]) {
            if (!candidate) continue;
            expect(candidate.confidence).toBeGreaterThanOrEqual(0);
            expect(candidate.confidence).toBeLessThanOrEqual(1);
            for (const e of candidate.evidence) expect(e.weight >= 0 && e.weight <= 1).toBe(true);
          }
        }
      }),
    );
  });

  const additions: { name: string; counts?: (d: DriftShape) => boolean; add: (x: { incidents: CorrelationIncident[]; drifts: DriftForCorrelation[]; breakGlass: BreakGlassDeclaration[] }) => void }[] = [
    { name: "a tag naming the incident", add: ({ drifts }) => drifts[0]!.tags.push({ source: "label", key: "ticket", value: "INC-1" }) },
    { name: "a mention of the resource in its text", add: ({ incidents }) => void (incidents[0]!.text += " sg-0abc") },
    { name: "a mention of the new value in its title", counts: (d) => !d.sensitive, add: ({ incidents }) => void (incidents[0]!.title += " 10.20.30.0/24") },
    {
      name: "a break-glass declaration covering the drift",
      add: ({ drifts, breakGlass }) => void breakGlass.push({ workspace: drifts[0]!.workspace, incidentKey: "INC-1", from: drifts[0]!.firstSeen, until: drifts[0]!.firstSeen, by: "alice" }),
    },
  ];
  it.each(additions)("adding $name never lowers the incident's confidence", ({ add, counts }) => {
    fc.assert(
      fc.property(arbIncident, arbDrift, (i, d) => {
        const before = build(i, d);
        const after = { ...build(i, d), breakGlass: [] as BreakGlassDeclaration[] };
        add(after);
        const was = confidenceFor(correlate(before.drifts, before.incidents, { services, threshold: 0 })[0]!, "INC-1");
        const now = confidenceFor(correlate(after.drifts, after.incidents, { services, threshold: 0, breakGlass: after.breakGlass })[0]!, "INC-1");
        expect(now).toBeGreaterThanOrEqual(was);
        // a sensitive value is never matched: its mention adds nothing
        if (counts?.(d) ?? true) expect(now).toBeGreaterThan(0);
        else expect(now).toBe(was);
      }),
    );
  });
});
