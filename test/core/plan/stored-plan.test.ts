import { describe, expect, it } from "vitest";
import { plannedVariablesIn } from "../../../src/core/hcl/planned-inputs.js";
import { parsePlan } from "../../../src/core/plan/parse.js";
import { itemsForStorage, planForStorage, replacedValuesIn } from "../../../src/core/plan/stored-plan.js";
import { classifyDrift } from "../../../src/core/drift/items.js";
import { Masker, SENSITIVE_PLACEHOLDER } from "../../../src/core/render/mask.js";
import { describeShared, readSharedPlan, sharedPlanFiles } from "../../support/shared.js";

// issue 15, item 4.3: the scan plan rests gzipped in Redis for an hour between the plan worker and the scan's backport step
const SECRET = "hunter2-db-password";
const plan = {
  format_version: "1.2",
  terraform_version: "1.11.0",
  variables: { db_password: { value: SECRET }, region: { value: "eu-west-1" }, github_token: { value: "plain-but-named-key" }, note: { value: "AKIAABCDEFGHIJKLMNOP" } },
  planned_values: { root_module: { resources: [{ address: "aws_db_instance.db", values: { password: SECRET } }] } },
  prior_state: { values: { root_module: { resources: [{ address: "aws_db_instance.db", values: { password: SECRET } }] } } },
  configuration: { root_module: { variables: { db_password: { sensitive: true }, region: {}, github_token: {}, note: {} } } },
  resource_drift: [{ address: "aws_db_instance.db", type: "aws_db_instance", name: "db", mode: "managed", change: { actions: ["update"], before: { password: "old-" + SECRET, port: 5432 }, after: { password: SECRET, port: 5433 }, before_sensitive: { password: true }, after_sensitive: { password: true } } }],
  resource_changes: [
    { address: "aws_db_instance.db", type: "aws_db_instance", name: "db", mode: "managed", change: { actions: ["update"], before: { password: SECRET, port: 5433, tags: { Owner: "me" } }, after: { password: SECRET, port: 5432, tags: { Owner: "me" } }, after_unknown: {}, before_sensitive: { password: true }, after_sensitive: { password: true } } },
    { address: "aws_iam_access_key.k", type: "aws_iam_access_key", name: "k", mode: "managed", change: { actions: ["create"], before: null, after: { user: "ci", secret: "whole-object-secret", list: ["a", "AKIAABCDEFGHIJKLMNOP"] }, after_unknown: {}, before_sensitive: false, after_sensitive: true } },
  ],
  output_changes: { conn: { actions: ["update"], before: `postgres://u:${SECRET}@h`, after: `postgres://u:${SECRET}@h2`, before_sensitive: true, after_sensitive: true }, port: { actions: ["update"], before: 5433, after: 5432, before_sensitive: false, after_sensitive: false } },
};

describe("the plan kept between replicas (planForStorage)", () => {
  const kept = planForStorage(JSON.stringify(plan), new Masker());

  it("holds no sensitive value, no masked value, and none of prior_state, planned_values, configuration", () => {
    for (const secret of [SECRET, "whole-object-secret", "AKIAABCDEFGHIJKLMNOP", "plain-but-named-key"]) expect(kept).not.toContain(secret);
    const doc = JSON.parse(kept) as Record<string, unknown>;
    expect(Object.keys(doc)).not.toEqual(expect.arrayContaining(["prior_state"]));
    expect(doc).not.toHaveProperty("planned_values");
    expect(doc).not.toHaveProperty("configuration");
  });

  it("keeps what the backport step reads: changes, drift, outputs and the non-sensitive root variables", () => {
    const model = parsePlan(kept);
    expect(model.resourceChanges.map((c) => c.address)).toEqual(["aws_db_instance.db", "aws_iam_access_key.k"]);
    expect(model.resourceChanges[0]!.before).toEqual({ password: SENSITIVE_PLACEHOLDER, port: 5433, tags: { Owner: "me" } });
    expect(model.resourceChanges[0]!.afterSensitive).toEqual({ password: true });
    expect(model.resourceChanges[1]!.after).toBe(SENSITIVE_PLACEHOLDER);
    expect(model.resourceDrift[0]!.after).toEqual({ password: SENSITIVE_PLACEHOLDER, port: 5433 });
    expect(model.outputChanges.find((o) => o.name === "port")?.after).toBe(5432);
    expect(model.outputChanges.find((o) => o.name === "conn")?.after).toBe(SENSITIVE_PLACEHOLDER);
    expect([...plannedVariablesIn(kept)!.keys()]).toEqual(["region"]);
  });

  it("says how many values it replaced, read without parsing the document", () => {
    expect(replacedValuesIn(kept)).toBeGreaterThan(5);
    expect(replacedValuesIn(JSON.stringify(plan))).toBe(0);
    expect(replacedValuesIn(planForStorage(JSON.stringify({ format_version: "1.2", resource_changes: [] }), new Masker()))).toBe(0);
  });

  it("keeps a refresh-only plan refresh-only, and gives back text that is not JSON unchanged (reported unreadable later)", () => {
    const refreshOnly = { format_version: "1.2", resource_drift: [], planned_values: {} };
    expect(parsePlan(planForStorage(JSON.stringify(refreshOnly), new Masker())).refreshOnly).toBe(true);
    expect(planForStorage("not json", new Masker())).toBe("not json");
  });

  it("applies a repository's mask rules too", () => {
    const doc = { format_version: "1.2", resource_changes: [{ address: "x.y", type: "x", name: "y", mode: "managed", change: { actions: ["update"], before: { v: "corp-1234" }, after: { v: "corp-9999" } } }] };
    expect(planForStorage(JSON.stringify(doc), new Masker({ values: ["corp-[0-9]{4}"] }))).not.toContain("corp-");
  });
});

describe("drift items in a plan job's result (itemsForStorage)", () => {
  it("a sensitive drift keeps no value, in before/after or in its resources; others are unchanged", () => {
    const items = classifyDrift(parsePlan(JSON.stringify(plan)), "prod");
    const secret = items.find((i) => i.sensitive);
    expect(secret, JSON.stringify(items.map((i) => [i.address, i.pathText, i.sensitive]))).toBeDefined();
    const kept = itemsForStorage(items);
    expect(JSON.stringify(kept.filter((i) => i.sensitive))).not.toContain(SECRET);
    expect(kept.find((i) => i.sensitive)).toMatchObject({ before: SENSITIVE_PLACEHOLDER, after: SENSITIVE_PLACEHOLDER, address: secret!.address, pathText: secret!.pathText });
    expect(kept.filter((i) => !i.sensitive)).toEqual(items.filter((i) => !i.sensitive));
  });
});

describeShared("every real plan survives being kept (../shared/fixtures/plans)", () => {
  it.each(sharedPlanFiles())("%s", (file) => {
    const text = readSharedPlan(file);
    let original;
    try {
      original = parsePlan(text);
    } catch {
      return; // states and broken files are refused the same way before and after
    }
    const model = parsePlan(planForStorage(text, new Masker()));
    expect(model.resourceChanges.map((c) => [c.address, c.action])).toEqual(original.resourceChanges.map((c) => [c.address, c.action]));
    expect(model.refreshOnly).toBe(original.refreshOnly);
    expect(model.outputChanges.map((c) => c.name)).toEqual(original.outputChanges.map((c) => c.name));
  });
});
