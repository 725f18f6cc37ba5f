import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/core/plan/model.js";
import { correlate, driftForCorrelation, DEFAULT_THRESHOLD, type BreakGlassDeclaration, type CorrelationIncident, type IncidentCandidate } from "../../../src/core/incidents/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { driftItem } from "../../support/drift-item.js";

/** The committed table: incident texts as responders write them, the drift each must link, and distractors. */
interface Table {
  window: { lastClean: string; firstSeen: string };
  services: Record<string, string[]>;
  cases: {
    name: string;
    drift: { workspace: string; address: string; attribute: string; before: JsonValue; after: JsonValue; live?: { [key: string]: JsonValue } };
    breakGlass?: BreakGlassDeclaration[];
    incidents: (Omit<CorrelationIncident, "url" | "status">)[];
    links: string;
    distractors: { key: string; why: string; runnerUp: boolean }[];
  }[];
}

const table = JSON.parse(readFileSync(new URL("../../fixtures/incidents/responder-texts.json", import.meta.url), "utf8")) as Table;
const masker = new Masker();

function correlateCase(c: Table["cases"][number]) {
  const item = driftItem(c.drift.address, c.drift.attribute, { workspace: c.drift.workspace, before: c.drift.before, after: c.drift.after, liveResource: c.drift.live ?? null });
  const drift = driftForCorrelation(item, table.window, masker);
  const incidents: CorrelationIncident[] = c.incidents.map((i) => ({ ...i, url: `https://incidents.example.com/${i.key}`, status: i.resolvedAt === null ? "open" : "resolved" }));
  const [result] = correlate([drift], incidents, { services: table.services, ...(c.breakGlass ? { breakGlass: c.breakGlass } : {}) });
  return result!;
}

/** Every fact of a candidate carries its weight and a sentence; none repeats the incident's own words beyond its key. */
function expectExplained(candidate: IncidentCandidate, incident: Table["cases"][number]["incidents"][number] | undefined) {
  expect(candidate.evidence.length).toBeGreaterThan(0);
  for (const fact of candidate.evidence) {
    expect(fact.weight).toBeGreaterThanOrEqual(0);
    expect(fact.weight).toBeLessThanOrEqual(1);
    expect(fact.text.length).toBeGreaterThan(0);
    if (incident) expect(fact.text).not.toContain(incident.text);
  }
}

describe("the responder-texts table", () => {
  it("holds at least 20 incident texts, each with the drift it links and at least one distractor", () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(20);
    for (const c of table.cases) {
      expect(c.incidents.map((i) => i.key)).toContain(c.links);
      expect(c.distractors.length).toBeGreaterThan(0);
    }
  });
});

describe("correlate links the incident a responder wrote, not its distractors", () => {
  it.each(table.cases)("$name", (c) => {
    const result = correlateCase(c);
    expect(result.incident?.key, `evidence: ${JSON.stringify([result.incident, ...result.candidates], null, 1)}`).toBe(c.links);
    expect(result.incident!.confidence).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expectExplained(result.incident!, c.incidents.find((i) => i.key === c.links));
    const runnersUp = new Map(result.candidates.map((candidate) => [candidate.key, candidate]));
    for (const distractor of c.distractors) {
      expect(result.incident!.key, distractor.why).not.toBe(distractor.key);
      if (!distractor.runnerUp) continue;
      const runnerUp = runnersUp.get(distractor.key);
      expect(runnerUp, `${distractor.key} is a runner-up: ${distractor.why}`).toBeDefined();
      expect(runnerUp!.confidence).toBeLessThan(result.incident!.confidence);
      expectExplained(runnerUp!, c.incidents.find((i) => i.key === distractor.key));
    }
  });
});
