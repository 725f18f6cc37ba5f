import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backportKey, branchFor, encodeMarker, parseMarker, type BackportMarker } from "../../../src/core/backport/index.js";
import { Masker } from "../../../src/core/render/mask.js";

const masker = new Masker();
const resource = (address: string) => ({ kind: "resource" as const, address });

/** git check-ref-format's rules for one branch name, as far as they concern what driftback makes. */
function isValidRef(name: string): boolean {
  return !/[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|\/\.|\.lock(?:\/|$)|^[/.-]|[/.]$/.test(name) && name.split("/").every((part) => part.length > 0 && !part.startsWith("."));
}

describe("branchFor", () => {
  it.each([
    ["a plain resource keeps its address", "prod", "aws_instance.api", "driftback/prod/aws_instance.api"],
    ["a module path is kept", "prod", "module.network.aws_subnet.private", "driftback/prod/module.network.aws_subnet.private"],
    ["a count index becomes part of the slug with a hash", "prod", "aws_instance.web[0]", /^driftback\/prod\/aws_instance\.web-0-[0-9a-f]{8}$/],
    ["a for_each key with quotes and slashes is slugged with a hash", "prod", 'module.net["eu-west/1"].aws_subnet.a', /^driftback\/prod\/module\.net-eu-west-1\.aws_subnet\.a-[0-9a-f]{8}$/],
    ["uppercase is lowered with a hash", "prod", "aws_instance.API", /^driftback\/prod\/aws_instance\.api-[0-9a-f]{8}$/],
    ["a name ending in .lock never ends the branch", "prod", "aws_instance.lock", /^driftback\/prod\/aws_instance\.lock-[0-9a-f]{8}$/],
    ["a workspace with uppercase is slugged with a hash", "Prod", "aws_instance.api", /^driftback\/prod-[0-9a-f]{8}\/aws_instance\.api$/],
    ["a workspace with `..` loses it", "a..b", "aws_instance.api", /^driftback\/a\.b-[0-9a-f]{8}\/aws_instance\.api$/],
    ["a workspace-wide group is `all`", "prod", undefined, "driftback/prod/all"],
  ])("%s", (_name, workspace, address, expected) => {
    const branch = branchFor(workspace, address ? resource(address) : { kind: "workspace" }, masker);
    if (typeof expected === "string") expect(branch).toBe(expected);
    else expect(branch).toMatch(expected);
    expect(isValidRef(branch)).toBe(true);
  });

  it("bounds a very long address and keeps it unique with a hash", () => {
    const long = `module.${"a".repeat(80)}.aws_instance.${"b".repeat(80)}`;
    const branch = branchFor("prod", resource(long), masker);
    expect(branch.length).toBeLessThanOrEqual("driftback/prod/".length + 60);
    expect(branch).toMatch(/-[0-9a-f]{8}$/);
    expect(branchFor("prod", resource(`${long}x`), masker)).not.toBe(branch);
  });

  it("gives addresses that differ only in case or punctuation different branches", () => {
    const addresses = ["aws_instance.web[0]", "aws_instance.web-0", 'aws_instance.web["0"]', "aws_instance.Web[0]", "aws_instance.web[1]"];
    const branches = addresses.map((a) => branchFor("prod", resource(a), masker));
    expect(new Set(branches).size).toBe(addresses.length);
  });

  it("never puts an address that looks like a credential into a branch", () => {
    const branch = branchFor("prod", resource('aws_iam_access_key.k["AKIAABCDEFGHIJKLMNOP"]'), masker);
    expect(branch).not.toMatch(/akia/i);
    expect(branch).toMatch(/^driftback\/prod\/resource-[0-9a-f]{8}$/);
  });

  it("always makes a valid git ref, whatever the address", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,50}$/), (address, workspace) => {
        const branch = branchFor(workspace, resource(address), masker);
        expect(isValidRef(branch), branch).toBe(true);
        expect(branch.length).toBeLessThanOrEqual(120);
      }),
    );
  });

  it("keys a pull request by workspace and group, not by action", () => {
    expect(backportKey("prod", resource("aws_instance.api"))).toBe("prod/aws_instance.api");
    expect(backportKey("prod", { kind: "workspace" })).toBe("prod/*");
  });
});

const marker: BackportMarker = {
  version: 1,
  key: "prod/aws_instance.api",
  workspace: "prod",
  action: "mixed",
  items: [
    { fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "codify", settled: "codify" },
    { fingerprint: "fedcba9876543210", valueHash: "sensitive", action: "codify", settled: "revert" },
  ],
  digest: "abcdefabcdef",
};

describe("backport marker", () => {
  it("reads back what it wrote, from anywhere in a body", () => {
    expect(parseMarker(`# Title\n\ntext\n\n${encodeMarker(marker)}\n`)).toEqual(marker);
    expect(parseMarker(encodeMarker({ ...marker, override: "revert" }))).toEqual({ ...marker, override: "revert" });
  });

  it("is an HTML comment no key can close early", () => {
    const hostile = { ...marker, key: 'prod/aws_instance.x["--><script>alert(1)</script>"]' };
    const encoded = encodeMarker(hostile);
    expect(encoded.indexOf("-->")).toBe(encoded.length - 3);
    expect(encoded).not.toContain("<script>");
    expect(parseMarker(encoded)).toEqual(hostile);
  });

  it("carries fingerprints and hashes, never a value", () => {
    const encoded = encodeMarker(marker);
    expect(Object.keys(JSON.parse(encoded.slice("<!-- driftback:backport ".length, -" -->".length))).sort()).toEqual(["action", "digest", "items", "key", "v", "workspace"]);
  });

  it.each([
    ["no body", undefined],
    ["an empty body", ""],
    ["a body without a marker", "just text"],
    ["a marker cut short", "<!-- driftback:backport {\"v\":1,"],
    ["broken JSON", "<!-- driftback:backport {v:1} -->"],
    ["another version", encodeMarker(marker).replace('"v":1', '"v":2')],
    ["a hand-edited fingerprint", encodeMarker(marker).replace("0123456789abcdef", "not-a-fingerprint")],
    ["a value where a hash belongs", encodeMarker(marker).replace('"0123456789ab"', '"t3.large"')],
    ["an unknown action", encodeMarker(marker).replace('"mixed"', '"merge"')],
    ["no drift at all", encodeMarker(marker).replace(/"items":\[.*?\]\],/, '"items":[],')],
    ["JSON null", "<!-- driftback:backport null -->"],
  ])("gives undefined for %s", (_name, body) => {
    expect(parseMarker(body)).toBeUndefined();
  });

  it("skips a broken marker and reads a good one after it", () => {
    expect(parseMarker(`<!-- driftback:backport {oops} -->\n${encodeMarker(marker)}`)).toEqual(marker);
  });

  it("never throws, whatever the body", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        expect(() => parseMarker(`${before}<!-- driftback:backport ${after} -->`)).not.toThrow();
      }),
    );
  });
});
