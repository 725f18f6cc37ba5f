import { describe, expect, it } from "vitest";
import { APPLY_MARKER, renderApplyResult, type ApplyResult } from "../../../src/core/backport/apply-view.js";
import { parsePlan } from "../../../src/core/plan/parse.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";

const SECRET = "hunter2-db-password";
const model = parsePlan(
  JSON.stringify({
    format_version: "1.2",
    resource_changes: [
      {
        address: "aws_db_instance.main",
        mode: "managed",
        type: "aws_db_instance",
        name: "main",
        change: { actions: ["update"], before: { password: SECRET, size: 1 }, after: { password: SECRET, size: 2 }, after_unknown: {}, before_sensitive: { password: true }, after_sensitive: { password: true } },
      },
      { address: "aws_s3_bucket.logs", mode: "managed", type: "aws_s3_bucket", name: "logs", change: { actions: ["delete"], before: { bucket: "logs" }, after: null, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
    ],
  }),
);
const render = (result: ApplyResult) => renderApplyResult({ result, tool: "terraform", workspace: "prod", mergeSha: "5a47c3f3c22f54f37a3297f2f1c98d860fba4489", model }, { masker: new Masker(), templates: bundledTemplates() });

describe("renderApplyResult", () => {
  it.each<[string, ApplyResult, RegExp[]]>([
    [
      "applied: what changed and terraform's closing line",
      { kind: "applied", changes: [{ address: "aws_db_instance.main", paths: ["size"] }], output: "aws_db_instance.main: Modifying...\nApply complete! Resources: 0 added, 1 changed, 0 destroyed.\n" },
      [/✅ \*\*Applied\.\*\*/, /merge commit 5a47c3f/, /<code>aws_db_instance\.main<\/code>: <code>size<\/code>/, /<code>terraform<\/code>: Apply complete! Resources: 0 added, 1 changed, 0 destroyed\./],
    ],
    [
      "applied a whole resource created again",
      { kind: "applied", changes: [{ address: "aws_iam_user.ops", paths: [] }], output: "" },
      [/<code>aws_iam_user\.ops<\/code> \(whole resource\)/],
    ],
    [
      "differs: each difference in words",
      {
        kind: "differs",
        differences: [
          { kind: "paths", address: "aws_db_instance.main", missing: ["engine_version"], extra: ["size"] },
          { kind: "action", address: "aws_s3_bucket.logs", action: "delete" },
          { kind: "not-changed", address: "aws_security_group.web" },
        ],
      },
      [/⚠️ \*\*Not applied\.\*\*/, /shown here but no longer changed: <code>engine_version<\/code>/, /changed by the plan but not shown here: <code>size<\/code>/, /<code>aws_s3_bucket\.logs<\/code> will be destroyed: driftback applies only creates and in-place updates/, /<code>aws_security_group\.web<\/code>: shown here, but the plan no longer changes it/],
    ],
    ["differs with nothing left to change says the values may match already", { kind: "differs", differences: [{ kind: "not-changed", address: "aws_security_group.web" }] }, [/may already match the code/]],
    ["no expectation recorded", { kind: "no-expectation" }, [/does not record which changes its plan showed/]],
    ["workspace gone from the config", { kind: "no-workspace" }, [/<code>prod<\/code> is no longer in `.github\/driftback.yml`/]],
    ["plan failed", { kind: "plan-failed", message: "`terraform plan` exited with code 1", output: "Error: state lock\n", timedOut: false }, [/could not plan the merge commit/, /```\nError: state lock\n```/]],
    ["apply failed", { kind: "apply-failed", changes: [], message: "`terraform apply` exited with code 1", output: "Error: boom\n", timedOut: false }, [/❌ \*\*Apply failed\.\*\*/, /Error: boom/]],
  ])("%s", (_name, result, patterns) => {
    const text = render(result);
    expect(text.startsWith(`${APPLY_MARKER}\n`)).toBe(true);
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });

  it("scrubs sensitive values, credentials and terminal escapes from terraform's output", () => {
    const output = `\u001b[31mError:\u001b[0m updating aws_db_instance.main: password "${SECRET}" rejected, key AKIAABCDEFGHIJKLMNOP\u0007\n`;
    const text = render({ kind: "apply-failed", changes: [], message: "`terraform apply` exited with code 1", output, timedOut: false });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("AKIAABCDEFGHIJKLMNOP");
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("\u0007");
    expect(text).toContain('password "***" rejected');
  });

  it("keeps the end of a long failure output, where the error is", () => {
    const output = `${"noise line\n".repeat(2_000)}Error: the real reason\n`;
    const text = render({ kind: "plan-failed", message: "`terraform plan` exited with code 1", output, timedOut: false });
    expect(text).toContain("… (earlier output cut)");
    expect(text).toContain("Error: the real reason");
    expect(text.length).toBeLessThan(6_000);
  });
});
