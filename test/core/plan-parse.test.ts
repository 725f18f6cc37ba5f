import { describe, expect, it } from "vitest";
import { parsePlan, PlanParseError } from "../../src/core/plan/parse.js";

describe("parsePlan rejects what is not a plan, naming where", () => {
  const cases: [string, string, RegExp][] = [
    ["malformed JSON", '{"format_version": "1.2",', /\(document\): not valid JSON \(Expected double-quoted property name at line 1, column 26\)/],
    ["plan text instead of JSON", "Terraform will perform the following actions:", /not valid JSON/],
    ["a JSON array", "[]", /expected a JSON object/],
    ["state JSON (no format_version)", '{"version": 4, "resources": []}', /format_version: missing/],
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
