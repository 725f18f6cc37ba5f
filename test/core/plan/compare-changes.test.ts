import { describe, expect, it } from "vitest";
import { differencesFromBase, outputDifferences } from "../../../src/core/plan/compare-changes.js";
import type { ChangeAction, JsonValue, Marks, OutputChange, ResourceChange } from "../../../src/core/plan/model.js";

const change = (address: string, action: ChangeAction, before: JsonValue, after: JsonValue, afterUnknown: Marks = {}): ResourceChange => ({
  address,
  mode: "managed",
  type: address.split(".")[0]!,
  name: address.split(".")[1]!,
  action,
  rawActions: [action],
  before,
  after,
  afterUnknown,
  beforeSensitive: {},
  afterSensitive: {},
  replacePaths: [],
});
const output = (name: string, action: ChangeAction, after: JsonValue): OutputChange => ({ name, action, before: null, after, afterUnknown: false, beforeSensitive: false, afterSensitive: false, sensitive: false });

describe("differencesFromBase: what an edit changes beyond the plan of the same commit", () => {
  it("finds nothing when the plans agree, whatever was already planned", () => {
    const base = [change("x.a", "update", { size: "s" }, { size: "m" }), change("x.b", "create", null, { size: "s" }), change("x.c", "no-op", { n: 1 }, { n: 1 })];
    expect(differencesFromBase(base, base)).toEqual([]);
  });

  it.each([
    ["a resource that now changes", [], [change("x.a", "update", { size: "s" }, { size: "m" })], [{ address: "x.a", kind: "new", paths: ["size"] }]],
    ["a planned change that is gone", [change("x.a", "update", { size: "s" }, { size: "m" })], [], [{ address: "x.a", kind: "gone", paths: ["size"] }]],
    ["an update that becomes a replacement", [change("x.a", "update", { size: "s" }, { size: "m" })], [change("x.a", "delete-create", { size: "s" }, { size: "m" })], [{ address: "x.a", kind: "action", paths: [""] }]],
    ["an attribute set to another value", [change("x.a", "update", { size: "s" }, { size: "m" })], [change("x.a", "update", { size: "s" }, { size: "l" })], [{ address: "x.a", kind: "attribute", paths: ["size"] }]],
    ["a pending create that would create something else", [change("x.b", "create", null, { size: "s" })], [change("x.b", "create", null, { size: "l" })], [{ address: "x.b", kind: "attribute", paths: ["size"] }]],
    ["a pending replacement with another value", [change("x.b", "delete-create", { size: "s" }, { size: "m" })], [change("x.b", "delete-create", { size: "s" }, { size: "l" })], [{ address: "x.b", kind: "attribute", paths: ["size"] }]],
    ["a value that becomes known only after apply", [change("x.a", "update", { size: "s", id: "1" }, { size: "m", id: "1" })], [change("x.a", "update", { size: "s", id: "1" }, { size: "m", id: null }, { id: true })], [{ address: "x.a", kind: "attribute", paths: ["id"] }]],
  ])("reports %s", (_name, base, edited, expected) => {
    expect(differencesFromBase(base as ResourceChange[], edited as ResourceChange[])).toEqual(expected);
  });

  it("leaves out the codified attributes: gone is what the edit is for, and still changing is reported elsewhere", () => {
    const base = [change("x.a", "update", { size: "l", tags: { a: "1" } }, { size: "s", tags: { a: "1" } })];
    const edited: ResourceChange[] = [];
    expect(differencesFromBase(base, edited, (address, path) => address === "x.a" && path[0] === "size")).toEqual([]);
    expect(differencesFromBase(base, [change("x.a", "update", { size: "l", tags: { a: "1" } }, { size: "s", tags: { a: "1" } })], (address, path) => address === "x.a" && path[0] === "size")).toEqual([]);
  });
});

describe("outputDifferences", () => {
  it("reports an output that now changes, changes to another value, or no longer changes", () => {
    expect(outputDifferences([output("a", "update", 1)], [output("a", "update", 1)])).toEqual([]);
    expect(outputDifferences([], [output("a", "update", 2)])).toEqual([{ address: "output.a", kind: "new", paths: [] }]);
    expect(outputDifferences([output("a", "update", 1)], [output("a", "update", 2)])).toEqual([{ address: "output.a", kind: "attribute", paths: [] }]);
    expect(outputDifferences([output("a", "update", 1)], [output("a", "no-op", 1)])).toEqual([{ address: "output.a", kind: "gone", paths: [] }]);
  });
});
