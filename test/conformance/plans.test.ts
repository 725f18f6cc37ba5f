import { expect, it } from "vitest";
import { parsePlan } from "../../src/core/plan/parse.js";
import { Masker } from "../../src/core/render/mask.js";
import { COMMENT_LIMIT, renderCheckOutput, renderComment, CHECK_FIELD_LIMIT } from "../../src/core/render/preview.js";
import { bundledTemplates } from "../../src/templates.js";
import { describeShared, readSharedPlan, sharedPlanFiles } from "../support/shared.js";
import { expectWellFormedMarkdown, sensitiveLiterals } from "../support/markdown.js";

const templates = bundledTemplates();

describeShared("every real plan in ../shared/fixtures/plans", () => {
  const files = sharedPlanFiles();

  it("finds the fixture plans", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)("%s parses into a plan model", (file) => {
    const raw = JSON.parse(readSharedPlan(file));
    const model = parsePlan(raw);
    expect(model.formatVersion).toBe(raw.format_version);
    expect(model.resourceChanges).toHaveLength(raw.resource_changes?.length ?? 0);
    expect(model.resourceDrift).toHaveLength(raw.resource_drift?.length ?? 0);
    expect(model.refreshOnly).toBe(!("resource_changes" in raw) && "resource_drift" in raw);
    expect(model.resourceChanges.every((c) => c.action !== "unknown")).toBe(true);
  });

  it.each(files)("%s renders within GitHub's limits with no sensitive value", (file) => {
    const raw = JSON.parse(readSharedPlan(file));
    const result = { kind: "planned" as const, name: "conformance", dir: ".", terraformWorkspace: "default", model: parsePlan(raw) };
    const secrets = sensitiveLiterals(raw);
    for (const maxChars of [COMMENT_LIMIT, 4_000]) {
      const comment = renderComment({ results: [result], maxChars }, { masker: new Masker(), templates });
      expect(comment.length).toBeLessThanOrEqual(maxChars);
      expectWellFormedMarkdown(comment);
      for (const secret of secrets) expect(comment, `sensitive ${secret} leaked`).not.toContain(secret);
    }
    const check = renderCheckOutput(result, { masker: new Masker(), templates });
    expect(check.summary.length).toBeLessThanOrEqual(CHECK_FIELD_LIMIT);
    expect(check.text.length).toBeLessThanOrEqual(CHECK_FIELD_LIMIT);
    for (const secret of secrets) expect(check.text + check.summary).not.toContain(secret);
  });
});

describeShared("action coverage of the real plans", () => {
  it("covers every action and marker the model names", () => {
    const models = sharedPlanFiles().map((f) => parsePlan(readSharedPlan(f)));
    const changes = models.flatMap((m) => m.resourceChanges);
    const actions = new Set(changes.map((c) => c.action));
    for (const action of ["create", "update", "delete", "delete-create", "create-delete", "read", "no-op"]) expect(actions).toContain(action);
    expect(changes.some((c) => c.importing)).toBe(true);
    expect(changes.some((c) => c.previousAddress && c.previousAddress !== c.address)).toBe(true);
    expect(changes.some((c) => c.actionReason === "replace_because_tainted")).toBe(true);
    expect(models.some((m) => m.errored)).toBe(true);
    expect(models.some((m) => m.refreshOnly)).toBe(true);
    expect(models.some((m) => m.checks.some((c) => c.status === "fail"))).toBe(true);
  });
});
