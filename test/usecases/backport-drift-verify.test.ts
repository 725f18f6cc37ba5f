import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { PlanRequest } from "../../src/ports.js";
import { API_RECORDED, apiDrift, configOf, goneDrift, MAIN_TF, MAIN_TF_TEXT, newGitHub, scanOnce, sgDrift, verifyPlanJson } from "../support/backport-world.js";

const API = "driftback/prod/aws_instance.api";
const prOf = (github: ReturnType<typeof newGitHub>, branch: string) => github.openPrs().find((pr) => pr.branch === branch);
/** The provider normalises the instance type: after the edit, the plan still sets it. */
const normalising = verifyPlanJson([{ address: "aws_instance.api", before: { ...API_RECORDED, instance_type: "t3.large" }, after: { ...API_RECORDED, instance_type: "t3.LARGE" } }]);

describe("backportDrift: verified codify (issue 8 §2)", () => {
  it("falls back to a revert pull request showing what the verification plan still changed", async () => {
    const github = newGitHub();
    const { report, items } = await scanOnce(github, [apiDrift()], { verifyPlan: normalising });
    const pr = prOf(github, API)!;
    expect(pr.labels).toEqual(["drift", "drift:revert"]);
    expect(pr.title).toBe("Revert drift: aws_instance.api instance_type (prod)");
    expect(pr.body).toContain("after the edit, the verification plan still changed it");
    expect(pr.body).toContain("<details><summary>What the verification plan still changed</summary>");
    expect(pr.body).toContain("t3.LARGE");
    expect(pr.body).not.toContain("✅ Verified");
    // no code change: only the drift record
    expect(github.filesOf(API).get(MAIN_TF)).toBe(MAIN_TF_TEXT);
    expect(parseMarker(pr.body)!.items[0]).toMatchObject({ action: "codify", settled: "revert" });
    expect(report.drift[fingerprintOf(items[0]!)]).toMatchObject({ status: "open", action: "revert" });
  });

  it("keeps the fallback when only the body is refreshed later, without planning again", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift()], { verifyPlan: normalising });
    const fingerprint = fingerprintOf((await scanOnce(github, [apiDrift()], { verifyPlan: normalising })).items[0]!);
    // a first-seen day is new to the body: only the body changes
    const { plans, report } = await scanOnce(github, [apiDrift()], { firstSeen: new Map([[fingerprint, "2026-11-01"]]) });
    expect(report.operations.map((o) => o.kind)).toEqual(["refresh-body"]);
    expect(plans).toHaveLength(0);
    const pr = prOf(github, API)!;
    expect(pr.body).toContain("2026-11-01");
    expect(pr.body).toContain("after the edit, the verification plan still changed it");
    expect(pr.labels).toEqual(["drift", "drift:revert"]);
  });

  it("runs one verification plan per workspace covering every new codify edit, within the shared plan limit", async () => {
    const github = newGitHub();
    const limit = pLimit(1);
    let limited = 0;
    const planLimit = Object.assign(<T>(fn: () => Promise<T>) => {
      limited++;
      return limit(fn);
    }, limit) as typeof limit;
    const config = configOf({ backport: { rules: [{ type: "aws_security_group", action: "codify" }] } });
    const { plans } = await scanOnce(github, [apiDrift(), sgDrift(), goneDrift()], { config, planLimit });
    expect(plans).toHaveLength(1);
    expect(limited).toBe(1);
    // the whole workspace is planned (no -target): a sibling instance or a consumer of the value must show up too
    expect(plans[0]!.args.filter((a) => a.startsWith("-target="))).toEqual([]);
    expect(github.openPrs().filter((pr) => pr.labels.includes("drift:codify"))).toHaveLength(2);
    // each pull request carries only its own edit
    expect(github.filesOf(API).get(MAIN_TF)).toContain('description = "web servers"');
    expect(github.filesOf("driftback/prod/aws_security_group.web").get(MAIN_TF)).toContain('instance_type = "t3.small"');
  });

  it("leaves the drift failed with the plan's reason when the verification plan fails, opens the rest, and retries on the next scan", async () => {
    const github = newGitHub();
    const failed = await scanOnce(github, [apiDrift(), sgDrift()], { failPlan: "Error: Invalid provider configuration\n" });
    const api = fingerprintOf(failed.items.find((i) => i.address === "aws_instance.api")!);
    expect(failed.report.drift[api]).toEqual({ status: "failed", reason: expect.stringContaining("the verification plan of prod failed") });
    expect((failed.report.drift[api] as { reason: string }).reason).toContain("Error: Invalid provider configuration");
    expect(prOf(github, API)).toBeUndefined();
    expect(github.refs.has(API)).toBe(false); // nothing written for it
    expect(prOf(github, "driftback/prod/aws_security_group.web")).toBeDefined();

    const retried = await scanOnce(github, [apiDrift(), sgDrift()]);
    expect(retried.report.drift[api]).toMatchObject({ status: "open", action: "codify" });
    expect(prOf(github, API)!.body).toContain("✅ Verified");
  });

  it("names the variable a failed verification plan had no value for, and where to give it", async () => {
    const github = newGitHub();
    // terraform 1.11's words (the sentence under the error wraps; the boxes are its -no-color-less frame)
    const output = [
      "╷",
      "│ Error: No value for required variable",
      "│ ",
      '│   on variables.tf line 6:',
      '│    6: variable "db_password" {',
      "│ ",
      '│ The root module input variable "db_password" is not set, and has no default',
      "│ value. Use a -var or -var-file command line argument to provide a value for",
      "│ this variable.",
      "╵",
      "",
    ].join("\n");
    const failed = await scanOnce(github, [apiDrift()], { failPlan: output });
    const api = fingerprintOf(failed.items.find((i) => i.address === "aws_instance.api")!);
    expect((failed.report.drift[api] as { reason: string }).reason).toMatch(
      /the verification plan of prod failed: .*: Error: No value for required variable `db_password`: plan with the var file that sets it \(the workspace's `var_files` in \.github\/driftback\.yml, or `--var-file`\)$/,
    );
  });

  it("says so when the verification plan times out", async () => {
    const github = newGitHub();
    const terraform = { plan: async (_request: PlanRequest) => ({ ok: false as const, stage: "plan" as const, message: "`terraform plan` ran past the configured plan.timeout and was stopped", output: "", timedOut: true, cancelled: false }) };
    const { report, items } = await scanOnce(github, [apiDrift()], { terraform });
    expect(report.drift[fingerprintOf(items[0]!)]).toEqual({ status: "failed", reason: "the verification plan of prod failed: `terraform plan` ran past the configured plan.timeout and was stopped" });
    expect(github.writes).toBe(0);
  });

  it("skips verification with backport.verify false, and the body says it was not verified", async () => {
    const github = newGitHub();
    const { plans } = await scanOnce(github, [apiDrift()], { config: configOf({ backport: { verify: false } }), verifyPlan: normalising });
    expect(plans).toHaveLength(0);
    const pr = prOf(github, API)!;
    expect(pr.labels).toEqual(["drift", "drift:codify"]);
    expect(pr.body).toContain("⚠️ Not verified: `backport.verify` is false in the config");
  });

  it("leaves drift records out of codify pull requests with backport.records false, never out of revert ones", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDrift(), sgDrift()], { config: configOf({ backport: { records: false } }) });
    const paths = (branch: string) => [...github.filesOf(branch).keys()].filter((p) => !github.filesOf("main").has(p) || github.filesOf("main").get(p) !== github.filesOf(branch).get(p));
    expect(paths(API)).toEqual([MAIN_TF]);
    expect(paths("driftback/prod/aws_security_group.web")).toEqual([expect.stringMatching(/^\.driftback\/drift\/prod\/[0-9a-f]{16}\.md$/)]);
  });

  it("keeps a CRLF file's line endings in the committed edit", async () => {
    const github = newGitHub({ [MAIN_TF]: MAIN_TF_TEXT.replaceAll("\n", "\r\n") });
    await scanOnce(github, [apiDrift()]);
    const code = github.filesOf(API).get(MAIN_TF)!;
    expect(code).toContain('instance_type = "t3.large"\r\n');
    expect(code.replaceAll("\r\n", "")).not.toContain("\n");
  });

  it("reverts what the codify engine refuses, in the same pull request, with the engine's reason and suggested snippet", async () => {
    const github = newGitHub();
    const ghost = { address: "aws_instance.ghost", recorded: { ...API_RECORDED, id: "i-7" }, live: { ...API_RECORDED, id: "i-7", instance_type: "t3.nano" } };
    const { report, items, plans } = await scanOnce(github, [ghost]);
    expect(plans).toHaveLength(0); // nothing was edited, so nothing needs verifying
    const pr = prOf(github, "driftback/prod/aws_instance.ghost")!;
    expect(pr.labels).toEqual(["drift", "drift:revert"]);
    expect(pr.body).toContain('driftback would not codify it: no <code>resource &quot;aws_instance&quot; &quot;ghost&quot;</code> block in <code>infra/prod</code>.');
    expect(pr.body).toContain('instance_type = "t3.nano"');
    expect(report.drift[fingerprintOf(items[0]!)]).toMatchObject({ status: "open", action: "revert" });
  });

  it("says driftback applies a merged revert when apply.on_merge is true", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()], { config: configOf({ apply: { on_merge: true } }) });
    const pr = prOf(github, "driftback/prod/aws_security_group.web")!;
    expect(pr.body).toContain("driftback applies it: after the merge it plans the merge commit");
    expect(pr.body).not.toContain("your pipeline applies on merge");
  });

  it("fails the codify drift with a reason, not an exception, when the scratch directory for the verification copy cannot be made", async () => {
    const github = newGitHub();
    const { report, items } = await scanOnce(github, [apiDrift(), sgDrift()], { scratchDir: "/nonexistent/driftback-scratch" });
    const api = report.drift[fingerprintOf(items.find((i) => i.address === "aws_instance.api")!)];
    expect(api).toEqual({ status: "failed", reason: "could not make a scratch directory for the verification plan: ENOENT" });
    expect(prOf(github, "driftback/prod/aws_security_group.web")).toBeDefined();
  });
});
