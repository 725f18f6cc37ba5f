import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePlan, PlanParseError } from "../../src/core/plan/parse.js";
import { describeShared, readSharedPlan, sharedPlanFiles } from "../support/shared.js";

const STATE_FIXTURES = new URL("../fixtures/states/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, STATE_FIXTURES), "utf8");

describe("parsePlan rejects what is not a plan, naming where", () => {
  const cases: [string, string, RegExp][] = [
    ["malformed JSON", '{"format_version": "1.2",', /\(document\): not valid JSON \(Expected double-quoted property name at line 1, column 26\)/],
    ["plan text instead of JSON", "Terraform will perform the following actions:", /not valid JSON/],
    ["a JSON array", "[]", /expected a JSON object/],
    ["a state file (terraform.tfstate)", '{"version": 4, "resources": []}', /^\(document\): this is a state file, not a plan: run `terraform plan -out=tfplan`, then `terraform show -json tfplan`$/],
    ["a JSON object that is neither", '{"version": 4}', /format_version: missing/],
    ["resource_changes not an array", '{"format_version":"1.2","resource_changes":{}}', /resource_changes: expected an array/],
    ["an entry without actions", '{"format_version":"1.2","resource_changes":[{"address":"a.b","change":{}}]}', /resource_changes\[0\]\.change\.actions/],
  ];
  it.each(cases)("%s", (_name, text, message) => {
    expect(() => parsePlan(text)).toThrow(PlanParseError);
    expect(() => parsePlan(text)).toThrow(message);
  });

  it("counts an unknown future action as unknown instead of failing", () => {
    const model = parsePlan({ format_version: "9.0", resource_changes: [{ address: "a.b", change: { actions: ["teleport"] } }] });
    expect(model.resourceChanges[0]!.action).toBe("unknown");
  });
});

/** `terraform show -json` without a plan file prints the state: read as a plan it would be an empty one, a false all-clear. */
describe("parsePlan refuses a state, and still reads plans without resource_changes", () => {
  const advice = "run `terraform plan -out=tfplan`, then `terraform show -json tfplan`";
  it.each([
    ["`show -json` of an applied workspace (terraform 1.11)", "show-json-state-tf1.11.json", `(document): this is a state, not a plan: ${advice}`],
    ["`show -json` where nothing was applied yet (terraform 1.11)", "show-json-no-state-tf1.11.json", "(document): this is an empty state (`show -json` without a plan file, where nothing is applied yet), not a plan: " + advice],
    ["the terraform.tfstate file itself (terraform 1.11)", "terraform-tfstate-tf1.11.json", `(document): this is a state file, not a plan: ${advice}`],
  ])("refuses %s", (_name, file, message) => {
    expect(() => parsePlan(fixture(file))).toThrow(PlanParseError);
    expect(() => parsePlan(fixture(file))).toThrow(message);
  });

  it("refuses a state whose resources are all in modules, and one with only outputs", () => {
    expect(() => parsePlan({ format_version: "1.0", values: { root_module: { child_modules: [{ address: "module.a", resources: [] }] } } })).toThrow(/this is a state, not a plan/);
    expect(() => parsePlan({ format_version: "1.0", terraform_version: "1.11.4", values: { outputs: { o: { value: 1 } }, root_module: {} } })).toThrow(/this is a state, not a plan/);
  });

  it("reads a refresh-only plan in which nothing drifted (terraform 1.11: no resource_changes, no resource_drift) as a plan", () => {
    const model = parsePlan(fixture("refresh-only-no-drift-tf1.11.json"));
    expect(model.resourceChanges).toEqual([]);
    expect(model.outputChanges).toHaveLength(1);
  });

  it("reads the smallest plans the tests write by hand (no planned_values) as plans", () => {
    expect(parsePlan({ format_version: "1.2", resource_changes: [] }).resourceChanges).toEqual([]);
    expect(parsePlan({ format_version: "1.2", resource_drift: [] }).refreshOnly).toBe(true);
    expect(parsePlan({ format_version: "1.2", errored: true }).errored).toBe(true);
  });
});

describeShared("real plans and the states inside them (../shared/fixtures/plans)", () => {
  it.each([
    ["a refresh-only plan", "tofu-eq-drift-refresh-only.json"],
    ["a refresh-only plan with no drift", "tofu-show-conditions-refresh-only.json"],
    ["an errored plan", "tofu-show-plan-error-errored.json"],
    ["a plan of an empty configuration", "tfplanformat-no-resources-tf1.7.5.json"],
    ["a plan with only output changes", "tofu-eq-variables-and-outputs.json"],
  ])("reads %s (no resource_changes key) as a plan", (_name, file) => {
    const raw = JSON.parse(readSharedPlan(file)) as Record<string, unknown>;
    expect("resource_changes" in raw).toBe(false);
    expect(() => parsePlan(raw)).not.toThrow();
  });

  // a plan's prior_state is exactly what `show -json` prints for that state
  const withPriorState = sharedPlanFiles().filter((file) => "format_version" in ((JSON.parse(readSharedPlan(file)) as { prior_state?: object }).prior_state ?? {}));
  it("finds real states in them", () => expect(withPriorState.length).toBeGreaterThanOrEqual(20));
  it.each(withPriorState)("refuses the prior_state of %s as a state", (file) => {
    const state = (JSON.parse(readSharedPlan(file)) as { prior_state: unknown }).prior_state;
    expect(() => parsePlan(state)).toThrow(/^\(document\): this is (a|an empty) state/);
  });
});
