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
const json = (encoded: string) => JSON.parse(encoded.slice("<!-- driftback:backport ".length, -" -->".length)) as Record<string, unknown>;

describe("backport marker: ignoredBy and expect", () => {
  it("reads back a person's /driftback ignore and the changes a revert expects", () => {
    const extended: BackportMarker = { ...marker, ignoredBy: "carol", expect: [{ address: "aws_security_group.web", paths: ["description", "ingress"] }, { address: "aws_instance.gone", paths: [] }] };
    expect(parseMarker(`body\n\n${encodeMarker(extended)}`)).toEqual(extended);
  });

  it("stays the same compact marker without them, so older bodies and newer code agree", () => {
    expect(Object.keys(json(encodeMarker(marker))).sort()).toEqual(["action", "digest", "items", "key", "v", "workspace"]);
    expect(parseMarker(encodeMarker(marker))).toEqual(marker);
    expect(parseMarker(encodeMarker(marker))).not.toHaveProperty("expect");
  });

  it("escapes an address that tries to close the comment", () => {
    const hostile: BackportMarker = { ...marker, expect: [{ address: 'aws_instance.x["--><img src=x>"]', paths: ["tags[\"<b>\"]"] }] };
    const encoded = encodeMarker(hostile);
    expect(encoded.indexOf("-->")).toBe(encoded.length - 3);
    expect(encoded).not.toContain("<img");
    expect(parseMarker(encoded)).toEqual(hostile);
  });

  it.each([
    ["an empty ignoredBy", '"ignoredBy":""'],
    ["an ignoredBy that is not a string", '"ignoredBy":7'],
    ["an expect entry without paths", '"expect":[["aws_instance.x"]]'],
    ["an expect path that is not a string", '"expect":[["aws_instance.x",[1]]]'],
    ["an expect that is not a list", '"expect":{"aws_instance.x":[]}'],
  ])("gives undefined for %s", (_name, field) => {
    expect(parseMarker(encodeMarker(marker).replace('{"v":1,', `{"v":1,${field},`))).toBeUndefined();
  });
});
