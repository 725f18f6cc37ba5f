import { describe, expect, it } from "vitest";
import { planBackports, TITLE_LIMIT } from "../../../src/core/backport/index.js";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { driftItem } from "../../support/drift-item.js";
import { configWith, decideAll, plansFor } from "./support.js";

const summary = (plans: ReturnType<typeof plansFor>) => plans.map((p) => ({ key: p.key, branch: p.branch, action: p.action, title: p.title, labels: p.labels, items: p.items.map((i) => `${i.item.address} ${i.item.pathText}`.trim()) }));

describe("planBackports", () => {
  it("opens one codify pull request per drifted resource, listing its attributes in the title", () => {
    const plans = plansFor([driftItem("aws_instance.api", "tags.Owner"), driftItem("aws_instance.api", "instance_type"), driftItem("aws_instance.worker", "ami")]);
    expect(summary(plans)).toEqual([
      { key: "prod/aws_instance.api", branch: "driftback/prod/aws_instance.api", action: "codify", title: "Codify drift: aws_instance.api instance_type, tags.Owner (prod)", labels: ["drift", "drift:codify"], items: ["aws_instance.api instance_type", "aws_instance.api tags.Owner"] },
      { key: "prod/aws_instance.worker", branch: "driftback/prod/aws_instance.worker", action: "codify", title: "Codify drift: aws_instance.worker ami (prod)", labels: ["drift", "drift:codify"], items: ["aws_instance.worker ami"] },
    ]);
  });

  it("reverts a deleted resource and says so in the title", () => {
    const [plan] = plansFor([driftItem("aws_instance.api", "")]);
    expect(plan).toMatchObject({ action: "revert", title: "Revert drift: aws_instance.api (deleted) (prod)", labels: ["drift", "drift:revert"] });
  });

  it("keeps a resource whose drift got both actions in one mixed pull request with both labels", () => {
    const plans = plansFor([driftItem("aws_s3_bucket.logs", "acl"), driftItem("aws_s3_bucket.logs", "tags.Owner")]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ action: "mixed", title: "Codify and revert drift: aws_s3_bucket.logs acl, tags.Owner (prod)", labels: ["drift", "drift:codify", "drift:revert"] });
    expect(plans[0]!.items.map((i) => i.decision.action)).toEqual(["revert", "codify"]);
  });

  it("groups a whole workspace into one pull request per workspace with group_by: workspace", () => {
    const config = configWith({ backport: { group_by: "workspace" } });
    const plans = plansFor([driftItem("aws_instance.api", "ami"), driftItem("aws_instance.web", "ami"), driftItem("aws_instance.db", "ami", { workspace: "staging" })], config);
    expect(plans.map((p) => [p.key, p.branch, p.addresses])).toEqual([
      ["prod/*", "driftback/prod/all", ["aws_instance.api", "aws_instance.web"]],
      ["staging/*", "driftback/staging/all", ["aws_instance.db"]],
    ]);
    expect(plans[0]!.title).toBe("Codify drift: aws_instance.api ami; aws_instance.web ami (prod)");
  });

  it.each([
    ["noise", driftItem("aws_instance.api", "ami", { class: "noise" })],
    ["unapplied code", driftItem("aws_instance.api", "ami", { class: "unapplied" })],
  ])("leaves %s out", (_name, item) => {
    expect(plansFor([item])).toEqual([]);
  });

  it("leaves out drift a rule ignores, keeping the rest of the resource", () => {
    const config = configWith({ backport: { rules: [{ attribute: "tags.LastScanned", action: "ignore" }] } });
    const plans = plansFor([driftItem("aws_instance.api", "tags.LastScanned"), driftItem("aws_instance.api", "ami")], config);
    expect(summary(plans).map((p) => p.items)).toEqual([["aws_instance.api ami"]]);
  });

  it("adds the configured labels after driftback's own", () => {
    const [plan] = plansFor([driftItem("aws_instance.api", "ami")], configWith({ backport: { labels: ["infra", "drift"] } }));
    expect(plan!.labels).toEqual(["drift", "drift:codify", "infra"]);
  });

  it("bounds the title to GitHub's 256 characters, counting what it leaves out", () => {
    const items = Array.from({ length: 60 }, (_, i) => driftItem("aws_instance.api", `tags.Key${i}`));
    const [plan] = plansFor(items);
    expect(plan!.title.length).toBeLessThanOrEqual(TITLE_LIMIT);
    expect(plan!.title).toMatch(/^Codify drift: aws_instance\.api tags\.Key0, tags\.Key1, .* and \d+ more \(prod\)$/);
  });

  it("cuts a title whose single address is longer than the limit", () => {
    const [plan] = plansFor([driftItem(`aws_instance.${"x".repeat(300)}`, "ami")]);
    expect(plan!.title.length).toBe(TITLE_LIMIT);
    expect(plan!.title.endsWith("…")).toBe(true);
  });

  it("orders work by severity and age: the most severe drift and the oldest first-seen day", () => {
    const seen: Record<string, string> = {};
    const items = [driftItem("aws_instance.api", "ami"), driftItem("aws_iam_role.ci", "name"), driftItem("aws_instance.old", "ami")];
    seen[fingerprintOf(items[2]!)] = "2024-01-01";
    const plans = plansFor(items, configWith(), { firstSeen: (f) => seen[f] });
    expect(plans.map((p) => [p.key, p.severity, p.firstSeen ?? null])).toEqual([
      ["prod/aws_iam_role.ci", "critical", null],
      ["prod/aws_instance.api", "high", null],
      ["prod/aws_instance.old", "high", "2024-01-01"],
    ]);
  });

  it("gives the same plans, digests included, for the same input in any order", () => {
    const items = [driftItem("aws_instance.api", "ami"), driftItem("aws_instance.api", "tags.Owner"), driftItem("aws_s3_bucket.logs", "acl")];
    expect(plansFor([...items].reverse())).toEqual(plansFor(items));
  });

  it("changes the digest, not the key or branch, when only what the body shows changes", () => {
    const item = driftItem("aws_instance.api", "ami");
    const [before] = plansFor([item], configWith({ apply: { on_merge: false } }));
    const [after] = plansFor([item], configWith({ apply: { on_merge: true } }));
    expect([after!.key, after!.branch]).toEqual([before!.key, before!.branch]);
    expect(after!.digest).not.toBe(before!.digest);
  });

  it("hashes a secret's live value as `sensitive`, never as a hash of the secret", () => {
    const masker = new Masker();
    const config = configWith();
    const [plan] = planBackports(decideAll([driftItem("aws_db_instance.main", "password", { sensitive: true, after: "hunter2-canary" })], config, masker), { config, masker, templates: bundledTemplates() });
    expect(plan!.items[0]).toMatchObject({ secret: true, valueHash: "sensitive" });
  });
});
