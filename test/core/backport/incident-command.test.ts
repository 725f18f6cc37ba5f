import { describe, expect, it } from "vitest";
import { incidentLinkFor, markerWithIncident, parseIncidentCommand } from "../../../src/core/backport/incident-command.js";
import { MARKER_VERSION, type BackportMarker } from "../../../src/core/backport/marker.js";

const configured = { github: { repo: "acme/incidents", label: "incident" }, jira: { site: "acme.atlassian.net", jql: "project = INC" }, pagerduty: { service_ids: [] }, incident_io: {} };

describe("parseIncidentCommand", () => {
  it.each([
    ["a key", "/driftback incident INC-123", { target: "INC-123" }],
    ["a URL with trailing spaces, among other lines", "This was the outage.\n/driftback incident https://acme.atlassian.net/browse/INC-9   \nthanks", { target: "https://acme.atlassian.net/browse/INC-9" }],
    ["no target", "/driftback incident", undefined],
    ["two targets", "/driftback incident INC-1 INC-2", undefined],
    ["the command quoted mid-sentence", "run /driftback incident INC-1 please", undefined],
    ["no body", null, undefined],
  ])("reads %s", (_name, comment, expected) => {
    expect(parseIncidentCommand(comment)).toEqual(expected);
  });
});

describe("incidentLinkFor", () => {
  it.each([
    ["an issue of the configured GitHub incident repository", "https://github.com/acme/incidents/issues/42", { key: "acme/incidents#42", source: "github", url: "https://github.com/acme/incidents/issues/42", pinned: true }],
    ["an issue of the configured Jira site", "https://acme.atlassian.net/browse/INC-123", { key: "INC-123", source: "jira", url: "https://acme.atlassian.net/browse/INC-123", pinned: true }],
    ["a PagerDuty incident", "https://acme.pagerduty.com/incidents/PT4KHLK", { key: "PT4KHLK", source: "pagerduty", url: "https://acme.pagerduty.com/incidents/PT4KHLK", pinned: true }],
    ["an incident.io incident", "https://app.incident.io/acme/incidents/123", { key: "INC-123", source: "incident_io", url: "https://app.incident.io/acme/incidents/123", pinned: true }],
    ["an issue of another GitHub repository (manual)", "https://github.com/acme/other/issues/42", { key: "https://github.com/acme/other/issues/42", source: "manual", url: "https://github.com/acme/other/issues/42", pinned: true }],
    ["a plain key (manual)", "INC-77", { key: "INC-77", source: "manual", pinned: true }],
  ])("links %s", (_name, target, link) => {
    expect(incidentLinkFor(target, configured)).toEqual({ ok: true, link });
  });

  it("links a configured-looking URL as manual when that source is not configured", () => {
    expect(incidentLinkFor("https://acme.atlassian.net/browse/INC-123", {})).toEqual({ ok: true, link: { key: "https://acme.atlassian.net/browse/INC-123", source: "manual", url: "https://acme.atlassian.net/browse/INC-123", pinned: true } });
  });

  it.each([
    ["a javascript: URL", "javascript:alert(1)", "https://"],
    ["a URL with a password", "https://user:secret@example.com/INC-1", "user name or password"],
    ["a key with angle brackets", "INC-1<script>", "angle brackets"],
    ["a key that is far too long", "I".repeat(301), "at most 300"],
  ])("refuses %s with a reason", (_name, target, reason) => {
    const result = incidentLinkFor(target, configured);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
    expect(!result.ok && result.reason).not.toContain("secret");
  });
});

describe("markerWithIncident", () => {
  const marker: BackportMarker = { version: MARKER_VERSION, key: "prod/x.y", workspace: "prod", action: "revert", items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }], digest: "abcdefabcdef" };

  it("pins the link, replacing a correlated one", () => {
    const next = markerWithIncident({ ...marker, incident: { key: "INC-1", source: "github" } }, { key: "INC-2", source: "manual", pinned: true });
    expect(next.incident).toEqual({ key: "INC-2", source: "manual", pinned: true });
  });

  it("returns the same marker when it already pins that link, so nothing is written", () => {
    const pinned = { ...marker, incident: { key: "INC-2", source: "manual" as const, pinned: true } };
    expect(markerWithIncident(pinned, { key: "INC-2", source: "manual", pinned: true })).toBe(pinned);
  });

  it("pins a link the correlation had found but not pinned", () => {
    const found = { ...marker, incident: { key: "INC-2", source: "manual" as const } };
    expect(markerWithIncident(found, { key: "INC-2", source: "manual", pinned: true })).not.toBe(found);
  });
});
