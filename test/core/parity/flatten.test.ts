import { describe, expect, it } from "vitest";
import { expectedMatcher } from "../../../src/core/parity/expected.js";
import { differingKeys, flattenValue, sameMemberValue, sensitiveValue } from "../../../src/core/parity/flatten.js";

describe("flattenValue", () => {
  it("follows objects key by key, keeps lists and scalars whole, names paths as driftback prints them", () => {
    const flat = flattenValue({ env: { DB_TIMEOUT: "60s", LOG_LEVEL: "info" }, ports: [80, 443], replicas: 2, "odd key": { x: null } });
    expect([...flat.entries()]).toEqual([
      ["env.DB_TIMEOUT", { value: "60s" }],
      ["env.LOG_LEVEL", { value: "info" }],
      ['["odd key"].x', { value: null }],
      ["ports", { value: [80, 443] }],
      ["replicas", { value: 2 }],
    ]);
  });

  it("a marked node (or a list holding one) is one sensitive leaf, its value nowhere in the result", () => {
    const flat = flattenValue({ password: "hunter2", env: { TOKEN: "s3cr3t", MODE: "x" }, keys: ["k1", "k2"] }, { password: true, env: { TOKEN: true }, keys: [false, true] });
    expect(flat.get("password")).toMatchObject({ sensitive: true });
    expect(flat.get("env.TOKEN")).toMatchObject({ sensitive: true });
    expect(flat.get("keys")).toMatchObject({ sensitive: true });
    expect(flat.get("env.MODE")).toEqual({ value: "x" });
    expect(JSON.stringify([...flat])).not.toMatch(/hunter2|s3cr3t|k2/);
  });

  it("an empty object is a leaf, and the prefix names a module input", () => {
    expect([...flattenValue({}, undefined, ["tags"]).entries()]).toEqual([["tags", { value: {} }]]);
  });
});

describe("differingKeys", () => {
  const members = ["staging", "prod-us", "prod-eu"];
  const of = (entries: Record<string, unknown>) => new Map(Object.entries(entries).map(([k, v]) => [k, { value: v as never }]));

  it("lists only keys where readable members disagree, with every member's side", () => {
    const per = new Map([
      ["staging", of({ replicas: 2, timeout: "10s" })],
      ["prod-us", of({ replicas: 2, timeout: "10s" })],
      ["prod-eu", of({ replicas: 6, timeout: "10s", extra: true })],
    ]);
    expect(differingKeys(members, per)).toEqual([
      { key: "replicas", values: { staging: { value: 2 }, "prod-us": { value: 2 }, "prod-eu": { value: 6 } } },
      { key: "extra", values: { staging: { absent: true }, "prod-us": { absent: true }, "prod-eu": { value: true } } },
    ]);
  });

  it("an unreadable member neither makes nor hides a difference", () => {
    const per = new Map<string, ReturnType<typeof of> | { unknown: string }>([
      ["staging", of({ replicas: 2 })],
      ["prod-us", { unknown: "the plan failed" }],
      ["prod-eu", of({ replicas: 2 })],
    ]);
    expect(differingKeys(members, per)).toEqual([]);
    per.set("prod-eu", of({ replicas: 3 }));
    expect(differingKeys(members, per)[0]!.values["prod-us"]).toEqual({ unknown: "the plan failed" });
  });

  it("one readable member is nothing to compare", () => {
    expect(differingKeys(members, new Map([["staging", of({ a: 1 })]]))).toEqual([]);
  });

  it("sensitive values compare by hash: equal secrets are equal, different ones differ", () => {
    expect(sameMemberValue(sensitiveValue("a"), sensitiveValue("a"))).toBe(true);
    expect(sameMemberValue(sensitiveValue("a"), sensitiveValue("b"))).toBe(false);
    expect(sameMemberValue(sensitiveValue("a"), { value: "a" })).toBe(false);
  });
});

describe("expectedMatcher", () => {
  it("every field a glob names must match; a glob with no field matches nothing", () => {
    const expected = expectedMatcher([{ attribute: "tags.Environment" }, { address: "module.shop", attribute: "region" }, {}]);
    expect(expected("aws_instance.web", "tags.Environment")).toBe(true);
    expect(expected("module.shop", "region")).toBe(true);
    expect(expected("module.other", "region")).toBe(false);
    expect(expected("aws_instance.web", "replicas")).toBe(false);
  });
});
