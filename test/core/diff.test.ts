import { describe, expect, it } from "vitest";
import type { ValueChange } from "../../src/core/plan/model.js";
import { diffLines } from "../../src/core/render/diff.js";
import { Masker } from "../../src/core/render/mask.js";
import { fenceFor } from "../../src/core/render/fence.js";

const change = (before: any, after: any, extra: Partial<ValueChange> = {}): ValueChange => ({
  before,
  after,
  afterUnknown: {},
  beforeSensitive: {},
  afterSensitive: {},
  ...extra,
});
const lines = (c: ValueChange, options: { compact?: boolean; normalizeEmpty?: boolean } = {}) => diffLines(c, { masker: new Masker(), ...options });

describe("diffLines", () => {
  const cases: { name: string; change: ValueChange; expected: string[]; options?: { compact?: boolean; normalizeEmpty?: boolean } }[] = [
    {
      name: "an updated string, unchanged attributes left out, keys aligned",
      change: change({ id: "i-1", instance_type: "t3.small", ami: "a" }, { id: "i-1", instance_type: "t3.large", ami: "b" }),
      expected: ['~ instance_type = "t3.small" -> "t3.large"', '~ ami           = "a" -> "b"'],
    },
    {
      name: "one key inside a map",
      change: change({ tags: { Owner: "a", Name: "x" } }, { tags: { Owner: "b", Name: "x", "cost/center": "1" } }),
      expected: ["~ tags = {", '~     Owner         = "a" -> "b"', '+     "cost/center" = "1"', "  }"],
    },
    {
      name: "a value known only after apply",
      change: change({ arn: "arn:1" }, { arn: null }, { afterUnknown: { arn: true } }),
      expected: ['~ arn = "arn:1" -> (known after apply)'],
    },
    {
      name: "an attribute removed",
      change: change({ description: "old" }, { description: null }),
      expected: ['- description = "old" -> null'],
    },
    {
      name: "a primitive list as removed and added elements",
      change: change({ cidrs: ["10.0.0.0/8", "0.0.0.0/0"] }, { cidrs: ["10.0.0.0/8", "192.168.0.0/16"] }),
      expected: ["~ cidrs = [", '-     "0.0.0.0/0",', '+     "192.168.0.0/16",', "  ]"],
    },
    {
      name: "a sensitive attribute whose value changed",
      change: change({ password: "old-secret" }, { password: "new-secret" }, { beforeSensitive: { password: true }, afterSensitive: { password: true } }),
      expected: ["~ password = (sensitive value)"],
    },
    {
      name: "an attribute masked by name although the provider did not mark it",
      change: change({ db_password: "a" }, { db_password: "b" }),
      expected: ["~ db_password = (sensitive value)"],
    },
    {
      name: "null -> [] is noise when normalising",
      change: change({ zones: null, name: "a" }, { zones: [], name: "b" }),
      options: { normalizeEmpty: true },
      expected: ['~ name = "a" -> "b"'],
    },
    {
      name: "a long string shortened in compact mode",
      change: change({ policy: "a".repeat(200) }, { policy: "b".repeat(200) }),
      options: { compact: true },
      expected: [`~ policy = "${"a".repeat(120)}"… (80 more characters) -> "${"b".repeat(120)}"… (80 more characters)`],
    },
  ];

  it.each(cases)("shows $name", ({ change: c, expected, options }) => {
    expect(lines(c, options)).toEqual(expected);
  });

  it("marks the attribute that forces replacement", () => {
    const out = diffLines(change({ ami: "a" }, { ami: "b" }), { masker: new Masker(), replacePaths: [["ami"]] });
    expect(out).toEqual(['~ ami = "a" -> "b" # forces replacement']);
  });

  it("hides a whole object marked sensitive on create", () => {
    const out = lines(change(null, { settings: { key: "v" } }, { afterSensitive: { settings: true } }));
    expect(out).toEqual(["+ settings = (sensitive value)"]);
  });
});

describe("fenceFor", () => {
  it.each([["plain", "```"], ["has ``` inside", "````"], ["has ````` inside", "``````"]])("%s -> %s", (text, fence) => {
    expect(fenceFor(text)).toBe(fence);
  });
});
