import { describe, expect, it } from "vitest";
import { parseMarker, planBackports, reconcileBackports, renderBackportBody, renderDriftRecord, settleBackport, type PlanIncident } from "../../../src/core/backport/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { driftItem } from "../../support/drift-item.js";
import { expectGolden } from "../../support/golden.js";
import { configWith, decideAll } from "./support.js";

const templates = bundledTemplates();
const golden = (name: string) => new URL(`../../golden/${name}`, import.meta.url);
const item = driftItem("aws_security_group.web", "ingress", { before: [], after: ["0.0.0.0/0"] });

function settledWith(incident: PlanIncident | undefined) {
  const config = configWith();
  const masker = new Masker(config.mask);
  const [plan] = planBackports(decideAll([item], config, masker), { config, masker, templates, firstSeen: () => "2024-05-01", incidents: { groupOf: () => undefined, forPlan: () => incident } });
  return { config, masker, settled: settleBackport(plan!, new Map(), { config, masker, templates }) };
}

const correlated: PlanIncident = {
  linked: {
    link: { key: "INC-123", source: "jira", url: "https://acme.atlassian.net/browse/INC-123" },
    title: "Checkout down",
    status: "resolved",
    confidence: 0.874,
    evidence: ["INC-123 mentions 0.0.0.0/0 next to ingress, the new value of cidr_blocks (weight 0.80)", "open 02:10–03:40; drift first seen 04:00 (last clean scan 01:00) (weight 0.40)"],
  },
  candidates: [
    { key: "INC-120", title: "Slow search", url: "https://acme.atlassian.net/browse/INC-120", confidence: 0.3, evidence: ["open 03:00–05:00, around the drift (weight 0.30)", "held under the threshold: nothing in it speaks of the change itself"] },
    { key: "INC-99", confidence: 0.1 },
  ],
  failures: ["pagerduty: PagerDuty answered 401: check PAGERDUTY_API_TOKEN"],
};

describe("backport body: the incident section", () => {
  it("says which incident, why (evidence, confidence), the runners-up and a failed source (golden)", () => {
    const { settled, masker, config } = settledWith(correlated);
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expectGolden(body.slice(body.indexOf("#### Incident"), body.indexOf("---\n")), golden("backport-incident-section.md"));
    expect(parseMarker(body)?.incident).toEqual({ key: "INC-123", source: "jira", url: "https://acme.atlassian.net/browse/INC-123" });
  });

  it("says a person pinned the link, without a confidence", () => {
    const { settled, masker, config } = settledWith({ linked: { link: { key: "OPS-7", source: "manual", pinned: true }, evidence: [] }, candidates: [], failures: [] });
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body).toContain("**OPS-7**");
    expect(body).toContain("Linked by a person with `/driftback incident`");
    expect(body).not.toContain("confidence");
    expect(parseMarker(body)?.incident).toEqual({ key: "OPS-7", source: "manual", pinned: true });
  });

  it("says none was found and how to link one, with the failure line when a source failed", () => {
    const { settled, masker, config } = settledWith({ linked: null, candidates: [], failures: ["github: GitHub answered 502"] });
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body).toContain("No incident found for this drift. To link one, comment `/driftback incident <url-or-key>`");
    expect(body).toContain("⚠️ incident lookup failed: github: GitHub answered 502");
    expect(parseMarker(body)).not.toHaveProperty("incident");
  });

  it("says the candidates stay under the threshold when none is linked", () => {
    const { settled, masker, config } = settledWith({ linked: null, candidates: correlated.candidates, failures: [] });
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body).toContain("No incident found for this drift with enough evidence (the candidates below stay under `incidents.threshold`, or say nothing about the change itself).");
    expect(body).toContain("Other candidates: [INC-120](https://acme.atlassian.net/browse/INC-120) (Slow search), confidence 0.30; INC-99, confidence 0.10.");
    // each runner-up with the evidence it had and its weight
    expect(body).toContain("- [INC-120](https://acme.atlassian.net/browse/INC-120) (confidence 0.30)\n  - open 03:00–05:00, around the drift (weight 0.30)\n");
  });

  it.each([
    ["a markdown link in the title", "[click](https://evil.example)", "[click]("],
    ["an image in the title", "![x](https://evil.example/x.png)", "![x]("],
    ["a mention in the title", "@acme/everyone look", "@acme/everyone"],
    ["HTML in the title", "<img src=x onerror=alert(1)>", "<img"],
  ])("never lets %s act in the body", (_name, title, forbidden) => {
    const { settled, masker, config } = settledWith({ ...correlated, linked: { ...correlated.linked!, title } });
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body.slice(body.indexOf("#### Incident"))).not.toContain(forbidden);
  });

  it("links only to http(s) addresses", () => {
    const { settled, masker, config } = settledWith({ ...correlated, linked: { ...correlated.linked!, link: { key: "INC-1", source: "manual", url: "javascript:alert(1)" } } });
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body).toContain("**INC-1**");
    expect(body.slice(0, body.indexOf("<!-- driftback:backport"))).not.toContain("javascript:");
  });
});

describe("drift record: the incident line", () => {
  it.each([
    ["a linked incident with its link", correlated, "| Incident | [INC-123](https://acme.atlassian.net/browse/INC-123) |"],
    ["a pinned incident without a link", { linked: { link: { key: "OPS-7", source: "manual" as const, pinned: true }, evidence: [] }, candidates: [], failures: [] }, "| Incident | OPS-7 |"],
    ["no incident", undefined, "| Incident | none linked |"],
  ])("names %s", (_name, incident, line) => {
    const { settled, masker, config } = settledWith(incident);
    const record = renderDriftRecord({ drift: settled.items[0]!, settled, recordsDir: config.backport.records_dir }, { masker, templates });
    expect(record.contents).toContain(line);
  });
});

describe("reconcile: a new incident link", () => {
  it("is a new commit (the records name the incident) on a branch only driftback wrote, and only a body refresh on one a person pushed to", () => {
    const { settled } = settledWith(correlated);
    const { settled: before } = settledWith(undefined);
    const existing = (onlyDriftback: boolean) => [{ number: 4, state: "open" as const, merged: false, branch: settled.plan.branch, labels: ["drift", "drift:revert"], marker: before.marker, head: { onlyDriftback, baseMoved: false, empty: false } }];
    const context = { scanned: new Set(["prod"]), configured: new Set(["prod"]), drifting: new Set([settled.plan.items[0]!.fingerprint]), reopen: new Set<string>(), maxOpen: 10, labels: [] };
    expect(reconcileBackports([settled.plan], existing(true), [], context).map((op) => op.kind)).toEqual(["update"]);
    expect(reconcileBackports([settled.plan], existing(false), [], context).map((op) => op.kind)).toEqual(["refresh-body"]);
  });
});
