import { describe, expect, it } from "vitest";
import { classifyDrift } from "../../src/core/drift/items.js";
import { parsePlan } from "../../src/core/plan/parse.js";
import { driftSummary } from "../../src/core/render/terminal/drift-text.js";
import { publicItem } from "../../src/core/drift/report.js";
import { Masker } from "../../src/core/render/mask.js";

/**
 * A bucket deleted in the console: the refresh finds it gone (resource_drift: delete) and the plan re-creates it
 * (resource_changes: create). One deletion, not a deletion plus unapplied code.
 */
function planWithDeletedResource(extra: object[] = []): string {
  const bucket = { address: "aws_s3_bucket.logs", mode: "managed", type: "aws_s3_bucket", name: "logs", provider_name: "registry.terraform.io/hashicorp/aws" };
  const recorded = { bucket: "acme-logs", tags: { Team: "infra" } };
  return JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.9.5",
    resource_drift: [{ ...bucket, change: { actions: ["delete"], before: recorded, after: null } }],
    resource_changes: [{ ...bucket, change: { actions: ["create"], before: null, after: recorded, after_unknown: { arn: true } } }, ...extra],
  });
}

describe("classifyDrift: a resource deleted outside Terraform", () => {
  it("is one deleted item: its planned re-create is not also counted as unapplied", () => {
    const items = classifyDrift(parsePlan(planWithDeletedResource()), "prod");
    expect(items.map((i) => [i.class, i.address])).toEqual([["deleted", "aws_s3_bucket.logs"]]);
    const masker = new Masker();
    expect(driftSummary(items.map((i) => publicItem(i, masker)))).toMatchObject({ real: 1, unapplied: 0, noise: 0 });
  });

  it("still counts a create of another resource as unapplied code", () => {
    const queue = { address: "aws_sqs_queue.jobs", mode: "managed", type: "aws_sqs_queue", name: "jobs", provider_name: "registry.terraform.io/hashicorp/aws", change: { actions: ["create"], before: null, after: { name: "jobs" } } };
    const items = classifyDrift(parsePlan(planWithDeletedResource([queue])), "prod");
    expect(items.map((i) => [i.class, i.address])).toEqual([
      ["deleted", "aws_s3_bucket.logs"],
      ["unapplied", "aws_sqs_queue.jobs"],
    ]);
  });
});
