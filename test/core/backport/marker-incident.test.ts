import { describe, expect, it } from "vitest";
import { encodeMarker, parseMarker, type BackportMarker } from "../../../src/core/backport/index.js";

const marker: BackportMarker = {
  version: 1,
  key: "prod/aws_security_group.web",
  workspace: "prod",
  action: "revert",
  items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }],
  digest: "abcdefabcdef",
};

describe("backport marker: the linked incident", () => {
  it.each([
    ["a correlated GitHub incident with its link", { key: "acme/incidents#42", source: "github" as const, url: "https://github.com/acme/incidents/issues/42" }],
    ["a pinned manual link without a URL", { key: "INC-123", source: "manual" as const, pinned: true }],
    ["a pinned PagerDuty incident", { key: "PABC123", source: "pagerduty" as const, url: "https://acme.pagerduty.com/incidents/PABC123", pinned: true }],
  ])("reads back %s", (_name, incident) => {
    const linked: BackportMarker = { ...marker, incident };
    expect(parseMarker(`body\n\n${encodeMarker(linked)}`)).toEqual(linked);
  });

  it("reads a marker written before incidents existed as having no incident", () => {
    expect(parseMarker(encodeMarker(marker))).not.toHaveProperty("incident");
  });

  it("escapes an incident key that tries to close the comment", () => {
    const hostile: BackportMarker = { ...marker, incident: { key: "INC-1 --><script>", source: "manual", pinned: true } };
    const encoded = encodeMarker(hostile);
    expect(encoded.indexOf("-->")).toBe(encoded.length - 3);
    expect(parseMarker(encoded)).toEqual(hostile);
  });

  it.each([
    ["an unknown source", '"incident":{"key":"INC-1","source":"opsgenie"}'],
    ["an empty key", '"incident":{"key":"","source":"manual"}'],
    ["pinned that is not a boolean", '"incident":{"key":"INC-1","source":"manual","pinned":"yes"}'],
  ])("gives undefined for %s", (_name, field) => {
    expect(parseMarker(encodeMarker(marker).replace('{"v":1,', `{"v":1,${field},`))).toBeUndefined();
  });
});
