import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyDrift, changedPaths, taxonomyOf } from "../../src/core/drift/items.js";
import { relevantDrift } from "../../src/core/drift/relevance.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { describeShared, readSharedPlan } from "../support/shared.js";

/** Plans the real terraform 1.11 produced with the sandbox provider (test/fixtures/real-plans/README.md). */
const realPlan = (file: string) => parsePlan(readFileSync(new URL(`../fixtures/real-plans/${file}`, import.meta.url), "utf8"));

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

describe("classifyDrift on plans the real terraform produced (relevant_attributes: null)", () => {
  const items = classifyDrift(realPlan("codify-drift.json"), "ws");
  const find = (address: string, pathText: string) => items.find((i) => i.address === address && i.pathText === pathText);

  it("calls every out-of-band change actionable and managed, though relevant_attributes names none of them", () => {
    expect(realPlan("codify-drift.json").relevantAttributes).toBeUndefined();
    const drift = items.filter((i) => i.class !== "unapplied");
    expect(drift.length).toBeGreaterThan(10);
    // the only exceptions: tags_all's echo of the tags drift
    expect(drift.filter((i) => i.class !== "actionable" || !i.managed).map((i) => `${i.address} ${i.pathText} ${i.class}`)).toEqual(["sandbox_instance.tagged tags_all.team noise", "sandbox_instance.tagged tags_all.owner noise"]);
  });

  it.each([
    ["an optional attribute the code never set (planned \"2Gi\" -> null)", "sandbox_deployment.optional", "memory", null, "2Gi"],
    ["a provider default flipped in the console (planned true -> false)", "sandbox_instance.monitor", "monitoring", false, true],
  ])("manages %s", (_name, address, pathText, before, after) => {
    expect(find(address, pathText)).toMatchObject({ class: "actionable", managed: true, before, after });
  });

  it("pairs a set element that moved by content: one item for the changed rule, not one per attribute of two rules", () => {
    const admin = items.filter((i) => i.address === "sandbox_security_group.admin");
    expect(admin.map((i) => [i.pathText, i.before, i.after, i.class])).toEqual([["ingress[0].cidr_blocks", ["10.0.1.0/24"], ["0.0.0.0/0"], "actionable"]]);
    expect(admin[0]!.liveResource).toMatchObject({ ingress: [{ from_port: 22 }, { from_port: 443 }] });
    expect(admin[0]!.recordedResource).toMatchObject({ ingress: [{ from_port: 443 }, { from_port: 22 }] });
  });

  it("counts a tag drifted in tags once: its tags_all echo (default_tags merged in) is noise", () => {
    expect(find("sandbox_instance.tagged", "tags.owner")).toMatchObject({ class: "actionable", managed: true, after: "alice" });
    expect(find("sandbox_instance.tagged", "tags_all.owner")).toMatchObject({ class: "noise", after: "alice" });
    expect(items.filter((i) => i.address === "sandbox_instance.tagged" && i.class === "actionable").map((i) => i.pathText).sort()).toEqual(["tags.owner", "tags.team"]);
  });

  it("keeps a default tag edited in the console (tags_all alone drifted) as real drift", () => {
    const recorded = { tags: { Name: "web" }, tags_all: { Name: "web", managed_by: "terraform" } };
    const live = { tags: { Name: "web" }, tags_all: { Name: "web", managed_by: "console" } };
    const resource = { address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", provider_name: "aws" };
    const plan = parsePlan(
      JSON.stringify({
        format_version: "1.2",
        resource_drift: [{ ...resource, change: { actions: ["update"], before: recorded, after: live } }],
        resource_changes: [{ ...resource, change: { actions: ["update"], before: live, after: recorded, after_unknown: {} } }],
      }),
    );
    expect(classifyDrift(plan, "ws").map((i) => [i.pathText, i.class])).toEqual([["tags_all.managed_by", "actionable"]]);
  });

  it("has no unapplied items: every planned change is explained by drift", () => {
    expect(items.filter((i) => i.class === "unapplied").map((i) => `${i.address} ${i.pathText}`)).toEqual([]);
  });

  it("in a refresh-only plan keeps the drift actionable but has no evidence that an absent attribute is managed", () => {
    const refresh = classifyDrift(realPlan("codify-refresh-only.json"), "ws");
    expect(refresh.length).toBe(items.length);
    expect(refresh.filter((i) => i.class !== "actionable").map((i) => `${i.pathText} ${i.class}`)).toEqual(["tags_all.team noise", "tags_all.owner noise"]);
    expect(refresh.find((i) => i.pathText === "memory")).toMatchObject({ managed: false });
  });

  it("marks the changed db password sensitive", () => {
    const password = classifyDrift(realPlan("refusals-drift.json"), "ws").find((i) => i.pathText === "password");
    expect(password).toMatchObject({ address: "sandbox_db.orders", sensitive: true, class: "actionable" });
  });
});

describe("relevantDrift on a real plan whose relevant_attributes names none of the drift", () => {
  it("still shows every drifted resource that the plan sets back", () => {
    const model = realPlan("refusals-drift.json");
    expect(model.relevantAttributes).toEqual([{ resource: "sandbox_db.orders", attribute: ["endpoint"] }]);
    expect(relevantDrift(model).map((d) => d.address).sort()).toEqual(["sandbox_db.orders", "sandbox_deployment.counted[0]", "sandbox_deployment.interp"]);
  });

  it("still hides drift that is only null -> [] / {} normalisation", () => {
    const model = realPlan("refusals-drift.json");
    const quiet = { ...model, resourceDrift: model.resourceDrift.map((d) => ({ ...d, after: d.before })) };
    expect(relevantDrift(quiet)).toEqual([]);
  });
});

describe("taxonomyOf", () => {
  it.each([
    ["a security group rule", "aws_security_group_rule", ["cidr_blocks"], "policy"],
    ["public access on a plain resource type", "aws_db_instance", ["publicly_accessible"], "policy"],
    ["encryption on a plain resource type", "aws_ebs_volume", ["encrypted"], "policy"],
    ["a bucket ACL", "aws_s3_bucket", ["acl"], "policy"],
    ["a tag named like a setting (tags are the user's own words)", "aws_s3_bucket", ["tags", "public"], "configuration"],
    ["an ordinary attribute", "aws_instance", ["instance_type"], "configuration"],
    ["a whole resource", "aws_instance", [], "resource"],
  ])("calls %s %s", (_name, type, path, expected) => {
    expect(taxonomyOf(type, path)).toBe(expected);
  });
});
