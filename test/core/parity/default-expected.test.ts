import { describe, expect, it } from "vitest";
import { DEFAULT_EXPECTED } from "../../../src/core/parity/default-expected.js";
import { expectedMatcher } from "../../../src/core/parity/expected.js";

const expected = expectedMatcher(DEFAULT_EXPECTED);

describe("DEFAULT_EXPECTED", () => {
  it.each([
    "name",
    "bucket_name",
    "bucket",
    "logging.target_bucket",
    "tags.Name",
    "id",
    "vpc_id",
    "security_group_ids",
    "arn",
    "role_arn",
    "endpoint",
    "primary_endpoint",
    "hostname",
    "env.DB_HOST",
    "env.API_URL",
    "db_url",
    "origin.domain",
    "region",
    "availability_zone",
    "availability_zones",
    "vpc_cidr",
    "cidr_block",
    "ingress[0].cidr_blocks",
    "tags.Environment",
    "tags_all.Environment",
    "tags.env",
    "tags_all.stage",
    "environment",
  ])("expects %s to differ between environments", (attribute) => {
    expect(expected("aws_s3_bucket.this", attribute)).toBe(true);
  });

  it.each(["replicas", "pool_size", "timeout", "env.DB_TIMEOUT", "image", "instance_type", "valid", "namespace_quota", "tags.Owner", "tags.CostCenter", "env.LOG_LEVEL", "versioning.enabled", "engine_version"])(
    "does not expect %s to differ",
    (attribute) => {
      expect(expected("aws_s3_bucket.this", attribute)).toBe(false);
    },
  );

  it("expects the declared differences of a module input by the input's name", () => {
    for (const input of ["region", "name", "vpc_cidr", "environment"]) expect(expected("module.shop", input), input).toBe(true);
    expect(expected("module.shop", "replicas")).toBe(false);
  });

  it("names attributes only, so any resource's matches", () => {
    expect(DEFAULT_EXPECTED.every((glob) => glob.address === undefined && glob.attribute !== undefined)).toBe(true);
  });
});
