/** A synthetic but well-formed `show -json` document: updates, creates, deletes and replaces. */
export function generatePlan({ resources, seed = 1 }: { resources: number; seed?: number }): string {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const actions = [["update"], ["create"], ["delete"], ["delete", "create"], ["no-op"]];
  const changes = Array.from({ length: resources }, (_, i) => {
    const action = actions[Math.floor(random() * actions.length)]!;
    const before = { ami: `ami-${i}`, instance_type: "t3.small", tags: { Name: `web-${i}`, Owner: "alice" }, user_data: "x".repeat(300), policy: `{"Statement":[{"Effect":"Allow","Resource":"arn:aws:s3:::bucket-${i}/*"}]}`.repeat(6), ebs: [{ size: 20, type: "gp3" }] };
    const after = { ...before, instance_type: random() > 0.5 ? "t3.large" : "t3.small", tags: { Name: `web-${i}`, Owner: "bob", Team: "infra" }, policy: before.policy.replace("Allow", "Deny"), ebs: [{ size: 40, type: "gp3" }] };
    return {
      address: `module.fleet.aws_instance.web[${i}]`,
      module_address: "module.fleet",
      mode: "managed",
      type: "aws_instance",
      name: "web",
      index: i,
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions: action,
        before: action[0] === "create" ? null : before,
        after: action[0] === "delete" && action.length === 1 ? null : after,
        after_unknown: action[0] === "create" ? { id: true, arn: true } : {},
        before_sensitive: {},
        after_sensitive: {},
        ...(action.length === 2 ? { replace_paths: [["ami"]] } : {}),
      },
    };
  });
  return JSON.stringify({ format_version: "1.2", terraform_version: "1.9.5", resource_changes: changes, output_changes: {}, errored: false });
}

/**
 * A drift-heavy `show -json`: every resource changed outside Terraform (instance type, a tag, one
 * nested block) and planned back, with `relevant_attributes: null` as real terraform gives for
 * most drift. The shape of a large fleet that drifted.
 */
export function generateDriftPlan({ resources }: { resources: number }): string {
  const drift: unknown[] = [];
  const changes: unknown[] = [];
  for (let i = 0; i < resources; i++) {
    const recorded = { ami: `ami-${i}`, instance_type: "t3.small", tags: { Name: `web-${i}`, Owner: "alice" }, tags_all: { Name: `web-${i}`, Owner: "alice", env: "prod" }, user_data: "x".repeat(600), policy: `{"Statement":[{"Effect":"Allow","Resource":"arn:aws:s3:::bucket-${i}/*"}]}`.repeat(8), ebs: [{ size: 20, type: "gp3" }, { size: 10, type: "gp2" }], id: `i-${i}`, arn: `arn:aws:ec2:::instance/i-${i}` };
    const live = { ...recorded, instance_type: "t3.large", tags: { ...recorded.tags, Owner: "bob" }, tags_all: { ...recorded.tags_all, Owner: "bob" }, ebs: [{ size: 40, type: "gp3" }, { size: 10, type: "gp2" }] };
    const base = { address: `module.fleet.aws_instance.web[${i}]`, module_address: "module.fleet", mode: "managed", type: "aws_instance", name: "web", index: i, provider_name: "registry.terraform.io/hashicorp/aws" };
    const marks = { after_unknown: {}, before_sensitive: {}, after_sensitive: {} };
    drift.push({ ...base, change: { actions: ["update"], before: recorded, after: live, ...marks } });
    changes.push({ ...base, change: { actions: ["update"], before: live, after: { ...recorded, tags_all: live.tags_all }, ...marks } });
  }
  return JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", resource_drift: drift, resource_changes: changes, relevant_attributes: null, output_changes: {}, errored: false });
}
