import { describe, expect, it } from "vitest";
import { isNewerFormat, MAX_PLAN_DEPTH, parsePlan, PlanParseError } from "../../src/core/plan/parse.js";

const plan = (fields: Record<string, unknown>) => JSON.stringify({ format_version: "1.2", resource_changes: [], ...fields });
const nested = (depth: number) => "[".repeat(depth) + "1" + "]".repeat(depth);
const change = (after: string) => `{"address":"a.b","mode":"managed","type":"a","name":"b","change":{"actions":["update"],"before":{},"after":{"v":${after}}}}`;

describe("format_version", () => {
  it.each(["0.1", "0.2", "1.0", "1.2", "1.10", "1.2.3"])("accepts %s as a format driftback knows", (version) => {
    const model = parsePlan(plan({ format_version: version }));
    expect(model.formatVersion).toBe(version);
    expect(isNewerFormat(model.formatVersion)).toBe(false);
  });

  it.each(["2.0", "99.0", "10.1"])("reads %s but flags it as newer than driftback knows", (version) => {
    expect(isNewerFormat(parsePlan(plan({ format_version: version })).formatVersion)).toBe(true);
  });

  const bad: [string, unknown, RegExp][] = [
    ["a number", 1.2, /^format_version: must be a string such as "1\.2", found a number$/],
    ["null", null, /^format_version: must be a string such as "1\.2", found null$/],
    ["an object", { major: 1 }, /found an object/],
    ["an empty string", "", /^format_version: is not a version such as "1\.2"/],
    ["words", "latest", /^format_version: is not a version such as "1\.2"/],
    ["a version with a v", "v1.2", /^format_version: is not a version/],
  ];
  it.each(bad)("rejects %s with a PlanParseError naming the field", (_name, version, message) => {
    expect(() => parsePlan(plan({ format_version: version }))).toThrow(PlanParseError);
    expect(() => parsePlan(plan({ format_version: version }))).toThrow(message);
  });

  it("does not echo a garbage format_version (it could be anything, a secret included)", () => {
    expect(() => parsePlan(plan({ format_version: "hunter2-secret" }))).toThrow(/^(?!.*hunter2).*$/s);
  });
});

describe("deeply nested documents", () => {
  it("refuses a value nested 5,000 levels deep before anything walks it, naming the entry", () => {
    const text = `{"format_version":"1.2","resource_changes":[${change("1")},${change(nested(5000))}]}`;
    expect(() => parsePlan(text)).toThrow(/^resource_changes\[1\]: nested more than 128 levels deep/);
  });

  it("refuses a deep top-level field by its name", () => {
    expect(() => parsePlan(`{"format_version":"1.2","variables":{"v":{"value":${nested(200)}}}}`)).toThrow(/^variables: nested more than/);
  });

  it("accepts a document exactly at the limit", () => {
    // resource_changes (1) -> entry (2) -> change (3) -> after (4) -> v (5) -> arrays
    const text = `{"format_version":"1.2","resource_changes":[${change(nested(MAX_PLAN_DEPTH - 5))}]}`;
    expect(parsePlan(text).resourceChanges).toHaveLength(1);
    const deeper = `{"format_version":"1.2","resource_changes":[${change(nested(MAX_PLAN_DEPTH - 4))}]}`;
    expect(() => parsePlan(deeper)).toThrow(/nested more than/);
  });
});

describe("text that is not JSON", () => {
  const cases: [string, string, RegExp][] = [
    ["an empty file", "", /the file is empty/],
    ["whitespace only", "  \n\t\n", /the file is empty/],
    ["a binary plan file (zip)", "PK\u0003\u0004\u0014\u0000\u0008", /this is a binary plan file; give the output of `terraform show -json <planfile>` instead/],
    ["binary bytes", "\u0000\u0001\u0002ELF", /this is a binary file/],
    ["human plan output", "Terraform used the selected providers to generate the following execution plan.", /human-readable plan output/],
    ["a missing comma on line 2", '{\n  "format_version": "1.2"\n  "x": 1\n}', /^\(document\): not valid JSON \(Expected ',' or '}' after property value at line 3, column 3\)$/],
    ["a bad token", '{\n  "format_version": "1.2",\n  "x": nope\n}', /^\(document\): not valid JSON \(Unexpected token 'o'\)$/],
  ];
  it.each(cases)("says what %s is", (_name, text, message) => {
    expect(() => parsePlan(text)).toThrow(message);
  });

  it("never echoes the text itself: a tfvars file passed by mistake keeps its secret", () => {
    const tfvars = 'db_password = "hunter2-super-secret"\nregion = "eu-west-1"\n';
    let message = "";
    try {
      parsePlan(tfvars);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^\(document\): not valid JSON/);
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("db_password");
  });
});

describe("messages written by people", () => {
  it("lose terminal escape sequences, control characters and bidirectional overrides", () => {
    const model = parsePlan({
      format_version: "1.2",
      checks: [{ address: { to_display: "check.\u001b[31mhealth\u001b[0m" }, status: "fail", instances: [{ problems: [{ message: "\u001b]0;owned\u0007Endpoint down\u202e" }] }] }],
      condition_results: [{ address: "null_resource.x\u001b[1m", result: false, error_message: "bad\u0008\u0008 value\nsecond line" }],
    });
    expect(model.checks).toEqual([
      { address: "check.health", status: "fail", problems: ["Endpoint down"] },
      { address: "null_resource.x", status: "fail", problems: ["bad value\nsecond line"] },
    ]);
  });
});
