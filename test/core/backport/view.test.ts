import { describe, expect, it } from "vitest";
import {
  parseMarker,
  planBackports,
  renderBackportBody,
  renderBackportClosed,
  renderDriftRecord,
  renderHumanPush,
  settleBackport,
  type BackportPlan,
  type CodifyOutcome,
  type Operation,
} from "../../../src/core/backport/index.js";
import type { Config } from "../../../src/config/schema.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import type { ResourceChange } from "../../../src/core/plan/model.js";
import { Masker } from "../../../src/core/render/mask.js";
import { COMMENT_LIMIT } from "../../../src/core/render/preview.js";
import { bundledTemplates } from "../../../src/templates.js";
import { driftItem } from "../../support/drift-item.js";
import { expectGolden } from "../../support/golden.js";
import { configWith, decideAll } from "./support.js";

const templates = bundledTemplates();
const golden = (name: string) => new URL(`../../golden/${name}`, import.meta.url);

function change(address: string, before: Record<string, unknown>, after: Record<string, unknown>, fields: Partial<ResourceChange> = {}): ResourceChange {
  const [type, name] = address.split(".").slice(-2);
  return { address, mode: "managed", type: type!, name: name!, action: "update", rawActions: ["update"], before: before as never, after: after as never, afterUnknown: {}, beforeSensitive: {}, afterSensitive: {}, replacePaths: [], ...fields };
}

function build(items: DriftItem[], config: Config, outcomes: (plan: BackportPlan) => [string, CodifyOutcome][] = (p) => p.items.map((i) => [i.fingerprint, { status: "codified", file: "main.tf" }]), masker = new Masker(config.mask)) {
  const seen: Record<string, string> = {};
  const plans = planBackports(decideAll(items, config, masker), { config, masker, templates, firstSeen: (f) => (seen[f] ??= "2024-05-01") });
  return plans.map((plan) => ({ plan, masker, settled: settleBackport(plan, new Map(outcomes(plan)), { config, masker, templates }) }));
}

describe("backport body", () => {
  it("for a codify pull request: what drifted, why, the edited files, verified (golden)", () => {
    const config = configWith();
    const [{ settled, masker }] = build([driftItem("aws_instance.api", "instance_type", { before: "t3.micro", after: "t3.large" }), driftItem("aws_instance.api", "tags.Owner", { before: "team-a", after: "team-b" })], config) as [ReturnType<typeof build>[number]];
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expectGolden(body, golden("backport-codify-body.md"));
    expect(parseMarker(body)).toEqual(settled.marker);
  });

  it("for a revert pull request: the plan excerpt and who applies (golden)", () => {
    const config = configWith({ apply: { on_merge: true } });
    const [{ settled, masker }] = build([driftItem("aws_s3_bucket.logs", "acl", { before: "private", after: "public-read" })], config) as [ReturnType<typeof build>[number]];
    const revertChanges = [change("aws_s3_bucket.logs", { acl: "public-read", bucket: "logs" }, { acl: "private", bucket: "logs" }), change("aws_instance.unrelated", { ami: "a" }, { ami: "b" })];
    const body = renderBackportBody({ settled, revertChanges, config }, { masker, templates });
    expectGolden(body, golden("backport-revert-body.md"));
    expect(body).toContain('~ acl = "public-read" -> "private"');
    expect(body).not.toContain("aws_instance.unrelated");
  });

  it.each([
    [false, "your pipeline applies on merge (`apply.on_merge` is false)"],
    [true, "driftback applies it: after the merge it plans the merge commit"],
  ])("says who applies a revert when apply.on_merge is %s", (onMerge, sentence) => {
    const config = configWith({ apply: { on_merge: onMerge } });
    const [{ settled, masker }] = build([driftItem("aws_instance.gone", "")], config) as [ReturnType<typeof build>[number]];
    expect(renderBackportBody({ settled, revertChanges: [], config }, { masker, templates })).toContain(sentence);
  });

  it("turns a refused codify into a revert that says why and shows the engine's snippet", () => {
    const config = configWith();
    const [{ settled, masker }] = build([driftItem("aws_instance.api", "ami", { after: "ami-2" })], config, (p) => [[p.items[0]!.fingerprint, { status: "refused", reason: "`ami` is set by `var.ami` in the resource block; driftback only rewrites literal values.", snippet: 'ami = "ami-2"' }]]) as [ReturnType<typeof build>[number]];
    expect(settled).toMatchObject({ action: "revert", title: "Revert drift: aws_instance.api ami (prod)", labels: ["drift", "drift:revert"] });
    expect(settled.marker.items).toEqual([expect.objectContaining({ action: "codify", settled: "revert" })]);
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(body).toContain("driftback would not codify it: <code>ami</code> is set by <code>var.ami</code>");
    expect(body).toContain('```hcl\nami = "ami-2"\n```');
    expect(body).toContain("Merging restores the declared value");
    expect(body).not.toContain("#### Verification");
  });

  it("turns a codify the verification plan still changes into a revert showing what it still changed", () => {
    const config = configWith();
    const [{ settled, masker }] = build([driftItem("aws_instance.api", "ami", { after: "AMI-2" })], config, (p) => [[p.items[0]!.fingerprint, { status: "still-changes" }]]) as [ReturnType<typeof build>[number]];
    const body = renderBackportBody({ settled, revertChanges: [], verificationChanges: [change("aws_instance.api", { ami: "ami-2" }, { ami: "AMI-2" })], config }, { masker, templates });
    expect(body).toContain("the verification plan still changed it");
    expect(body).toContain('~ ami = "ami-2" -> "AMI-2"');
  });

  it("describes a mixed pull request: both sections, both switch commands, and which codify fell back", () => {
    const config = configWith();
    const items = [driftItem("aws_s3_bucket.logs", "acl"), driftItem("aws_s3_bucket.logs", "tags.Owner"), driftItem("aws_s3_bucket.logs", "website[0].index_document")];
    const [{ settled, masker }] = build(items, config, (p) =>
      p.items.filter((i) => i.decision.action === "codify").map((i) => [i.fingerprint, i.item.pathText === "tags.Owner" ? { status: "codified", file: "s3.tf" } : { status: "refused", reason: "it is set by `local.site`.", snippet: "index_document = \"b.html\"" }]),
    ) as [ReturnType<typeof build>[number]];
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates });
    expect(settled.labels).toEqual(["drift", "drift:codify", "drift:revert"]);
    expect(body).toContain("### 🔁 Codify and revert drift in <code>prod</code>");
    expect(body).toContain("<code>aws_s3_bucket.logs website[0].index_document</code> (reverted instead, see below)");
    expect(body).toContain("<code>aws_s3_bucket.logs</code> <code>tags.Owner</code> in <code>s3.tf</code>");
    expect(body).toContain("Comment `/driftback revert` or `/driftback codify` to switch");
    expect(body).toContain("#### What merging does");
  });

  it("says a codify was not verified when backport.verify is false", () => {
    const config = configWith({ backport: { verify: false } });
    const [{ settled, masker }] = build([driftItem("aws_instance.api", "ami")], config) as [ReturnType<typeof build>[number]];
    expect(renderBackportBody({ settled, revertChanges: [], config }, { masker, templates })).toContain("⚠️ Not verified: `backport.verify` is false");
  });

  it("stays within GitHub's limit for a workspace of thousands of drifts, keeping a readable marker", () => {
    const config = configWith({ backport: { group_by: "workspace" } });
    const items = Array.from({ length: 3000 }, (_, i) => driftItem(`aws_s3_bucket.b${i}`, "acl", { before: "private", after: `public-read-${"x".repeat(40)}` }));
    const [{ settled, masker }] = build(items, config) as [ReturnType<typeof build>[number]];
    const changes = items.map((i) => change(i.address, { acl: i.after }, { acl: "private" }));
    const body = renderBackportBody({ settled, revertChanges: changes, config }, { masker, templates });
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(settled.plan.items).toHaveLength(400);
    expect(body).toContain("2600 more drifted attributes wait for a later pull request: one carries at most 400.");
    expect(parseMarker(body)?.items).toHaveLength(400);
  });

  it("gives way under a tighter limit: first the excerpt, then rows, never the marker", () => {
    const config = configWith({ backport: { group_by: "workspace" } });
    const items = Array.from({ length: 100 }, (_, i) => driftItem(`aws_s3_bucket.b${i}`, "acl", { before: "private", after: "public-read" }));
    const [{ settled, masker }] = build(items, config) as [ReturnType<typeof build>[number]];
    const changes = items.map((i) => change(i.address, { acl: i.after }, { acl: "private" }));
    const full = renderBackportBody({ settled, revertChanges: changes, config }, { masker, templates });
    expect(full).toContain("**Plan excerpt**");
    const tight = renderBackportBody({ settled, revertChanges: changes, config }, { masker, templates, maxChars: 12_000 });
    expect(tight.length).toBeLessThanOrEqual(12_000);
    expect(tight).toContain("The plan excerpt is left out to stay within GitHub's size limit.");
    expect(tight).toMatch(/… and \d+ more, left out to stay within GitHub's size limit/);
    expect(parseMarker(tight)).toEqual(settled.marker);
  });
});

describe("drift record", () => {
  it("holds resource, values, first seen, decision, branch and incident (golden)", () => {
    const config = configWith();
    const [{ settled, masker }] = build([driftItem("aws_instance.api", "tags", { before: { Owner: "a" }, after: { Owner: "b", Team: "x" } })], config) as [ReturnType<typeof build>[number]];
    const record = renderDriftRecord({ drift: settled.items[0]!, settled, recordsDir: config.backport.records_dir, pr: 12 }, { masker, templates });
    expect(record.path).toBe(`.driftback/drift/prod/${settled.items[0]!.fingerprint}.md`);
    expectGolden(record.contents, golden("drift-record.md"));
  });

  it("never copies a deleted resource's recorded object (its nested attributes may be sensitive)", () => {
    const config = configWith();
    const [{ settled, masker }] = build([driftItem("aws_db_instance.main", "", { before: { password: "nested-canary-pw" }, after: null })], config) as [ReturnType<typeof build>[number]];
    const record = renderDriftRecord({ drift: settled.items[0]!, settled, recordsDir: "ops/drift" }, { masker, templates });
    expect(record.path.startsWith("ops/drift/prod/")).toBe(true);
    expect(record.contents).not.toContain("nested-canary-pw");
    expect(record.contents).toContain("deleted outside Terraform");
  });
});

describe("comments", () => {
  const plan = build([driftItem("aws_instance.api", "ami", { after: "ami-3" })], configWith())[0]!.plan;

  it.each<[Extract<Operation, { kind: "close" }>, RegExp]>([
    [{ kind: "close", key: "k", pr: 5, branch: "driftback/prod/aws_instance.api", reason: "resolved", deleteBranch: true }, /Resolved outside this pull request[\s\S]*branch <code>driftback\/prod\/aws_instance.api<\/code> is deleted/],
    [{ kind: "close", key: "k", pr: 5, branch: "b", reason: "superseded", deleteBranch: true, by: { key: "prod/*", pr: 9 } }, /handled by #9/],
    [{ kind: "close", key: "k", pr: 5, branch: "b", reason: "ignored-by-rule", deleteBranch: false }, /`backport.rules` entry now says `ignore`[\s\S]*has commits by someone else/],
    [{ kind: "close", key: "k", pr: 5, branch: "b", reason: "workspace-removed", deleteBranch: true }, /no longer in `.github\/driftback.yml`/],
    [{ kind: "close", key: "k", pr: 9, branch: "b", reason: "duplicate", deleteBranch: true, by: { key: "k", pr: 5 } }, /#5 covers the same drift/],
  ])("closing for $reason says why", (operation, expected) => {
    expect(renderBackportClosed(operation, templates)).toMatch(expected);
  });

  it("tells a person who pushed what changed, without touching their branch", () => {
    const comment = renderHumanPush({ kind: "comment-human-push", key: plan.key, plan, pr: 5, changes: { added: [], removed: ["0123456789abcdef"], changed: [plan.items[0]!.fingerprint], switched: [], unknown: false } }, { masker: new Masker(), templates });
    expect(comment).toContain("<code>aws_instance.api</code> <code>ami</code> is now <code>ami-3</code>");
    expect(comment).toContain("1 drifted attribute is no longer drifting");
    expect(comment).toContain("will not rewrite it");
  });
});

describe("a sensitive value never appears in a title, branch, body, record or comment", () => {
  const canaries = ["canary-S3cr3t-old", "canary-S3cr3t-new", "canary-env-pa55", "AKIACANARY0000000000", "canary-conn-str1ng"];
  const config = configWith({});
  const masked: Config = { ...config, mask: { attributes: ["*connection_string*"], values: [] } };
  const items = [
    driftItem("aws_db_instance.main", "password", { before: canaries[0], after: canaries[1], sensitive: true }),
    driftItem("aws_lambda_function.f", "environment[0].variables.DB_PASSWORD", { before: "x", after: canaries[2] }),
    driftItem("aws_lambda_function.f", "environment[0].variables.KEY_ID", { before: "x", after: canaries[3] }),
    driftItem("azurerm_app_service.a", "connection_string", { before: "x", after: canaries[4] }),
  ];

  it.each([
    ["codify everything (a rule), the engine refusing with the value in its snippet", [{ attribute: "*", action: "codify" as const }], "refused"],
    ["the defaults (secrets are reverted)", [], "codified"],
  ])("%s", (_name, rules, outcome) => {
    const cfg: Config = { ...masked, backport: { ...masked.backport, rules } };
    const built = build(items, cfg, (p) =>
      p.items.map((i) => [i.fingerprint, outcome === "refused" ? { status: "refused", reason: `it holds ${String(i.item.after)}.`, snippet: `value = "${String(i.item.after)}"` } : { status: "codified", file: "main.tf" }]),
    );
    const revertChanges = items.map((i) => change(i.address, { password: canaries[1], connection_string: canaries[4] }, { password: canaries[0], connection_string: "x" }, { beforeSensitive: { password: true }, afterSensitive: { password: true } }));
    const texts: string[] = [];
    for (const { plan, settled, masker } of built) {
      texts.push(plan.title, plan.branch, settled.title, JSON.stringify(settled.marker));
      texts.push(renderBackportBody({ settled, revertChanges, verificationChanges: revertChanges, config: cfg }, { masker, templates }));
      for (const drift of settled.items) texts.push(renderDriftRecord({ drift, settled, recordsDir: ".driftback/drift" }, { masker, templates }).contents);
      texts.push(renderHumanPush({ kind: "comment-human-push", key: plan.key, plan, pr: 1, changes: { added: plan.items.map((i) => i.fingerprint), removed: [], changed: plan.items.map((i) => i.fingerprint), switched: [], unknown: false } }, { masker, templates }));
    }
    expect(built.length).toBeGreaterThan(0);
    const all = texts.join("\n");
    for (const canary of canaries) expect(all, canary).not.toContain(canary);
    expect(all).toContain("(sensitive value)");
  });
});
