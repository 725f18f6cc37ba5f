import { describe, expect, it } from "vitest";
import { classifyDrift, changedPaths } from "../../src/core/drift/items.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { describeShared, readSharedPlan } from "../support/shared.js";

describe("changedPaths", () => {
  it.each([
    ["a changed map key", { tags: { Owner: "a", Team: "x" } }, { tags: { Owner: "b", Team: "x" } }, ["tags.Owner"]],
    ["a nested block attribute", { ingress: [{ a: 1 }, { a: 2 }] }, { ingress: [{ a: 1 }, { a: 3 }] }, ["ingress[1].a"]],
    ["a resized block list as one item", { ingress: [{ a: 1 }] }, { ingress: [{ a: 1 }, { a: 2 }] }, ["ingress"]],
    ["a primitive list as one item", { cidrs: ["a"] }, { cidrs: ["b"] }, ["cidrs"]],
  ])("%s", (_name, before, after, expected) => {
    const paths = changedPaths(before as any, after as any).map((p) => p.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").replace(/^\./, "").replace(/\.\[/g, "["));
    expect(paths).toEqual(expected);
  });
});

describeShared("classifyDrift on real plans", () => {
  const classify = (file: string) => classifyDrift(parsePlan(readSharedPlan(file)), "ws");

  it("finds the one actionable item in tofu-eq-drift-simple", () => {
    const actionable = classify("tofu-eq-drift-simple.json").filter((i) => i.class === "actionable");
    expect(actionable.map((i) => [i.address, i.pathText, i.before, i.after])).toEqual([["tfcoremock_simple_resource.drift", "string", "Hello, world!", "Hello, drift!"]]);
  });

  it("calls the six null -> [] / {} entries of the azurerm plan noise", () => {
    const items = classify("tfplan2md-azurerm-drift6-tf1.14.2.json");
    const drift = items.filter((i) => i.class !== "unapplied");
    expect(drift.length).toBeGreaterThanOrEqual(6);
    expect(drift.every((i) => i.class === "noise")).toBe(true);
    expect(items.some((i) => i.class === "unapplied")).toBe(true);
  });

  it("reports resources deleted outside Terraform", () => {
    const deleted = classify("tfsummarize-github-drift-deleted-modules-tf1.1.4.json").filter((i) => i.class === "deleted");
    expect(deleted).toHaveLength(3);
    expect(deleted.every((i) => i.taxonomy !== "configuration")).toBe(true);
  });
});
