import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PlanModel } from "../../src/core/plan/model.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { Masker } from "../../src/core/render/mask.js";
import { renderCheckOutput, renderComment } from "../../src/core/render/preview.js";
import type { WorkspaceResult } from "../../src/core/render/workspace-result.js";
import { bundledTemplates } from "../../src/templates.js";
import { expectGolden } from "../support/golden.js";
import { expectWellFormedMarkdown } from "../support/markdown.js";
import { generatePlan } from "../support/generate-plan.js";

const templates = bundledTemplates();
const example = readFileSync(new URL("../../examples/plan.json", import.meta.url), "utf8");
const planned = (model: PlanModel, name = "prod"): WorkspaceResult => ({ kind: "planned", name, dir: `infra/${name}`, terraformWorkspace: "default", model });
const ctx = () => ({ masker: new Masker(), templates });

describe("renderComment", () => {
  it("renders the example plan as the golden comment", () => {
    const comment = renderComment({ results: [planned(parsePlan(example))], headSha: "4f2c9e1d00aa" }, ctx());
    expectGolden(comment, new URL("../golden/example-comment.md", import.meta.url));
    expectWellFormedMarkdown(comment);
  });

  it("never shows values the plan marks sensitive, nor secrets matched by mask rules", () => {
    const comment = renderComment({ results: [planned(parsePlan(example))] }, ctx());
    expect(comment).not.toContain("hunter2-super-secret"); // password marked sensitive
    expect(comment).not.toContain("AKIAIOSFODNN7EXAMPLE"); // AWS key matched by a default value rule
    expect(comment).not.toContain("tok-123456789"); // api_token matched by the *token* attribute rule
    expect(comment).toContain("+ value     = (sensitive value)");
  });

  it("applies a repository's extra mask rules", () => {
    const model = parsePlan(example);
    const plain = renderComment({ results: [planned(model)] }, ctx());
    expect(plain).toContain('"platform-team"');
    const masked = renderComment({ results: [planned(model)] }, { masker: new Masker({ attributes: ["owner"], values: ["^/app/"] }), templates });
    expect(masked).not.toContain('"platform-team"');
    expect(masked).not.toContain('"/app/api"');
  });

  it("puts the destructive warning before any diff and lists destroyed resources first", () => {
    const comment = renderComment({ results: [planned(parsePlan(example))] }, ctx());
    const caution = comment.indexOf("[!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(comment.indexOf("```diff"));
    const firstDiff = comment.indexOf("<details><summary>♻️");
    expect(firstDiff).toBeLessThan(comment.indexOf("<details><summary>🔄"));
  });

  it("shows only drift that matters: normalisation noise is left out", () => {
    const comment = renderComment({ results: [planned(parsePlan(example))] }, ctx());
    expect(comment).toContain("<code>aws_security_group.web</code> was changed outside of Terraform");
    expect(comment).not.toContain("aws_s3_bucket.logs"); // tags null -> {} only
  });

  it("renders a failed workspace with its error output, ANSI stripped and secrets scrubbed", () => {
    const failed: WorkspaceResult = {
      kind: "failed",
      name: "prod",
      dir: "infra/prod",
      terraformWorkspace: "default",
      stage: "plan",
      message: "terraform plan exited with code 1",
      output: "\u001b[31m╷\u001b[0m\n│ Error: invalid credentials AKIAIOSFODNN7EXAMPLE\n│ ```inner fence```\n╵",
      timedOut: false,
    };
    const comment = renderComment({ results: [failed, planned(parsePlan(example), "staging")] }, ctx());
    expect(comment).toContain("**Plan failed** during <code>plan</code>");
    expect(comment).toContain("│ Error: invalid credentials ***");
    expect(comment).not.toContain("\u001b[");
    expect(comment).toContain("````text"); // a longer fence than the output's own backticks
    expect(comment).toContain("<code>staging</code>");
    expectWellFormedMarkdown(comment);
  });

  it("says when a workspace was not planned", () => {
    const comment = renderComment({ results: [{ kind: "not-planned", name: "prod", dir: "infra/prod", terraformWorkspace: "default", reason: "Fork pull requests are not planned." }] }, ctx());
    expect(comment).toContain("⏸️ <code>prod</code>");
    expect(comment).toContain("Fork pull requests are not planned.");
  });
});

describe("size budget", () => {
  const big = parsePlan(generatePlan({ resources: 3_000, seed: 7 }));
  // resource counts measured to land on each level of the generated plan
  const levels: [string, number, RegExp | null][] = [
    ["full diffs when they fit", 40, null],
    ["shortened diffs first", 90, /long values and deeply nested changes are shortened/],
    ["attribute names next", 250, /only the names of the changed attributes/],
    ["a summary table last", 600, /only a summary table is shown/],
  ];

  it.each(levels)("steps down to %s", (_name, resources, note) => {
    const model = parsePlan(generatePlan({ resources, seed: 7 }));
    const comment = renderComment({ results: [planned(model)] }, ctx());
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expectWellFormedMarkdown(comment);
    if (note) expect(comment).toMatch(note);
    else expect(comment).not.toContain("[!NOTE]");
  });

  it("keeps every comment within 65,536 characters, destructive changes first, and says what was left out", () => {
    const comment = renderComment({ results: [planned(big)] }, ctx());
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment).toMatch(/\d+ changes are not shown here to stay within GitHub's size limit/);
    const firstRow = comment.split("\n").find((line) => line.startsWith("| 🗑️") || line.startsWith("| ♻️") || line.startsWith("| ➕") || line.startsWith("| 🔄"));
    expect(firstRow).toMatch(/^\| (🗑️|♻️)/);
  });

  it("honours a smaller --max-chars", () => {
    for (const maxChars of [20_000, 5_000, 1_500]) {
      const comment = renderComment({ results: [planned(big)], maxChars }, ctx());
      expect(comment.length).toBeLessThanOrEqual(maxChars);
      expectWellFormedMarkdown(comment);
    }
  });

  it("keeps check-run fields within 65,535 characters", () => {
    const check = renderCheckOutput(planned(big), ctx());
    expect(check.summary.length).toBeLessThanOrEqual(65_535);
    expect(check.text.length).toBeLessThanOrEqual(65_535);
    expect(check.conclusion).toBe("success");
    expect(check.title).toMatch(/to add/);
    expectWellFormedMarkdown(check.text);
  });
});
