import { describe, expect, it } from "vitest";
import type { BackportRule } from "../../../src/config/schema.js";
import { compileRules, decideAction, globMatcher, policyConcernOf } from "../../../src/core/policy/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { driftItem } from "../../support/drift-item.js";

const masker = new Masker();
const decide = (item: ReturnType<typeof driftItem>, rules: BackportRule[] = [], tier: "dev" | "staging" | "prod" | "shared" = "prod") =>
  decideAction(item, { rules: compileRules(rules), tier, masker });

describe("decideAction defaults (no rule matches)", () => {
  const cases: { name: string; item: ReturnType<typeof driftItem>; action: string; why: RegExp; taxonomy: string }[] = [
    { name: "configuration drift is codified", item: driftItem("aws_instance.api", "instance_type"), action: "codify", why: /^configuration drift is codified by default$/, taxonomy: "configuration" },
    { name: "a tag is codified", item: driftItem("aws_s3_bucket.logs", "tags.Owner"), action: "codify", why: /configuration drift/, taxonomy: "configuration" },
    { name: "a tag named like a policy word is still configuration", item: driftItem("aws_s3_bucket.logs", "tags.public"), action: "codify", why: /configuration drift/, taxonomy: "configuration" },
    { name: "an env var named PUBLIC_URL is configuration", item: driftItem("k8s_deployment.web", "env.PUBLIC_URL"), action: "codify", why: /configuration drift/, taxonomy: "configuration" },
    { name: "a security group rule is reverted", item: driftItem("aws_security_group.web", "ingress[0].cidr_blocks"), action: "revert", why: /^policy drift \(security group\) is reverted by default$/, taxonomy: "policy" },
    { name: "an IAM policy is reverted", item: driftItem("aws_iam_role_policy.ci", "policy"), action: "revert", why: /policy drift \(IAM\)/, taxonomy: "policy" },
    { name: "a firewall rule is reverted", item: driftItem("google_compute_firewall.ssh", "source_ranges"), action: "revert", why: /policy drift \(firewall\)/, taxonomy: "policy" },
    { name: "a bucket ACL is reverted as public access", item: driftItem("aws_s3_bucket.logs", "acl"), action: "revert", why: /^policy drift \(public access: `acl`\) is reverted by default$/, taxonomy: "policy" },
    { name: "a database made publicly accessible is reverted", item: driftItem("aws_db_instance.main", "publicly_accessible"), action: "revert", why: /public access: `publicly_accessible`/, taxonomy: "policy" },
    { name: "an inline bucket policy document is reverted", item: driftItem("aws_s3_bucket.site", "policy"), action: "revert", why: /public access: `policy`/, taxonomy: "policy" },
    { name: "a KMS key switched is reverted as encryption", item: driftItem("aws_ebs_volume.data", "kms_key_id"), action: "revert", why: /^policy drift \(encryption: `kms_key_id`\) is reverted by default$/, taxonomy: "policy" },
    {
      name: "a nested encryption setting is reverted",
      item: driftItem("aws_s3_bucket.logs", "server_side_encryption_configuration[0].rule[0].apply_server_side_encryption_by_default[0].sse_algorithm"),
      action: "revert",
      why: /encryption: `server_side_encryption_configuration`/,
      taxonomy: "policy",
    },
    { name: "a resource deleted outside Terraform is reverted", item: driftItem("aws_instance.api", ""), action: "revert", why: /^`aws_instance.api` was deleted outside Terraform: reverted by default, so apply recreates it$/, taxonomy: "resource" },
    { name: "a sensitive value is reverted", item: driftItem("aws_db_instance.main", "password", { sensitive: true }), action: "revert", why: /never writes a secret into code/, taxonomy: "configuration" },
    { name: "a value matched by a mask rule is reverted", item: driftItem("aws_lambda_function.f", "environment[0].variables.KEY", { after: "AKIAABCDEFGHIJKLMNOP" }), action: "revert", why: /sensitive/, taxonomy: "configuration" },
  ];

  it.each(cases)("$name", ({ item, action, why, taxonomy }) => {
    const decision = decide(item);
    expect(decision.action).toBe(action);
    expect(decision.source).toBe("default");
    expect(decision.ruleIndex).toBeUndefined();
    expect(decision.why).toMatch(why);
    expect(decision.taxonomy).toBe(taxonomy);
  });
});

describe("decideAction with rules", () => {
  const rules: BackportRule[] = [
    { workspace: "staging", action: "ignore" },
    { attribute: "tags.*", action: "codify" },
    { taxonomy: "policy", type: "aws_security_group", action: "codify" },
    { severity: ["critical"], action: "revert" },
    { address: "module.net[\"eu\"].*", action: "revert" },
    { type: "aws_instance", taxonomy: "resource", action: "codify" },
  ];

  const cases: { name: string; item: ReturnType<typeof driftItem>; action: string; ruleIndex: number; why: string }[] = [
    { name: "a workspace glob matches before anything else", item: driftItem("aws_s3_bucket.logs", "acl", { workspace: "staging" }), action: "ignore", ruleIndex: 0, why: "rule 1 of `backport.rules` (`workspace: staging`) says ignore" },
    { name: "an attribute glob crosses the dot", item: driftItem("aws_s3_bucket.logs", "tags.Owner"), action: "codify", ruleIndex: 1, why: "rule 2 of `backport.rules` (`attribute: tags.*`) says codify" },
    { name: "a rule overrides the policy default", item: driftItem("aws_security_group.web", "description"), action: "codify", ruleIndex: 2, why: "rule 3 of `backport.rules` (`type: aws_security_group, taxonomy: policy`) says codify" },
    { name: "severity counts attribute-level policy one step worse (prod: high -> critical)", item: driftItem("aws_s3_bucket.logs", "acl"), action: "revert", ruleIndex: 3, why: "rule 4 of `backport.rules` (`severity: critical`) says revert" },
    { name: "an address glob reads brackets and quotes literally", item: driftItem("module.net[\"eu\"].aws_subnet.a", "cidr_block"), action: "revert", ruleIndex: 4, why: "rule 5 of `backport.rules` (`address: module.net[\"eu\"].*`) says revert" },
    { name: "a rule can codify a deleted resource (removing its block)", item: driftItem("aws_instance.api", ""), action: "codify", ruleIndex: 5, why: "rule 6 of `backport.rules` (`type: aws_instance, taxonomy: resource`) says codify" },
  ];

  it.each(cases)("$name", ({ item, action, ruleIndex, why }) => {
    const decision = decide(item, rules);
    expect(decision).toMatchObject({ action, source: "rule", ruleIndex, why });
  });

  it("falls back to the defaults when no rule matches", () => {
    expect(decide(driftItem("aws_instance.api", "instance_type", { workspace: "dev" }), rules, "dev")).toMatchObject({ action: "codify", source: "default" });
  });

  it("takes the first matching rule, not the most specific one", () => {
    const decision = decide(driftItem("aws_instance.api", "tags.Owner"), [
      { attribute: "*", action: "revert" },
      { type: "aws_instance", attribute: "tags.Owner", action: "codify" },
    ]);
    expect(decision).toMatchObject({ action: "revert", ruleIndex: 0 });
  });

  it("lets a person's slash-command switch win over rules and defaults", () => {
    const decision = decideAction(driftItem("aws_security_group.web", "ingress"), { rules: compileRules([{ taxonomy: "policy", action: "revert" }]), tier: "prod", masker, override: "codify" });
    expect(decision).toMatchObject({ action: "codify", source: "command", why: "switched to codify with `/driftback codify`" });
  });

  it.each([
    ["dev", "configuration", "low"],
    ["prod", "configuration", "high"],
    ["dev", "policy", "medium"],
    ["shared", "policy", "critical"],
  ] as const)("derives severity from tier %s and %s taxonomy as %s", (tier, taxonomy, severity) => {
    const item = taxonomy === "policy" ? driftItem("aws_iam_role.ci", "name") : driftItem("aws_instance.api", "ami");
    expect(decide(item, [], tier).severity).toBe(severity);
  });

  it("never puts a value into the why sentence", () => {
    const canary = "canary-value-7f3a";
    for (const rules of [[], [{ attribute: "*", action: "codify" as const }]]) {
      const decision = decide(driftItem("aws_instance.api", "user_data", { before: canary, after: canary }), rules);
      expect(decision.why).not.toContain(canary);
    }
  });
});

describe("globMatcher", () => {
  it.each([
    ["tags.*", "tags.Owner", true],
    ["tags.*", "tags", false],
    ["*", "", false],
    ["", "", true],
    ["aws_instance.web[0]", "aws_instance.web[0]", true],
    ["aws_instance.web[0]", "aws_instance.web0", false],
    ['tags["kubernetes.io/role"]', 'tags["kubernetes.io/role"]', true],
    ["tags.*", 'tags["kubernetes.io/role"]', false],
    ["tags*", 'tags["kubernetes.io/role"]', true],
    ["module.*", "module.a.module.b.aws_x.y", true],
    ["prod-*", "prod-eu", true],
  ])("%s matches %s: %s", (glob, text, expected) => {
    expect(globMatcher(glob)(text)).toBe(expected);
  });
});

describe("policyConcernOf", () => {
  it.each([
    ["aws_s3_bucket_public_access_block.b", "block_public_acls", "resource", "public access"],
    ["aws_network_acl.main", "egress", "resource", "network ACL"],
    ["azurerm_storage_account.s", "min_tls_version", "encryption", "encryption"],
    ["azurerm_storage_account.s", "public_network_access_enabled", "public-access", "public access"],
  ])("%s %s is a %s concern (%s)", (address, path, kind, label) => {
    expect(policyConcernOf(driftItem(address, path))).toMatchObject({ kind, label });
  });

  it.each([
    ["aws_instance.api", "instance_type"],
    ["aws_s3_bucket.logs", "tags.Encrypted"],
    ["aws_s3_bucket.logs", "versioning[0].enabled"],
  ])("%s %s is no policy concern", (address, path) => {
    expect(policyConcernOf(driftItem(address, path))).toBeUndefined();
  });
});
