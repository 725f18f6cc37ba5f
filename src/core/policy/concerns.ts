import type { PathStep } from "../plan/model.js";
import { globMatcher } from "./glob.js";

/** Why a drift counts as policy drift, in words a PR body can use. */
export type PolicyConcern =
  | { kind: "resource"; label: string }
  | { kind: "public-access" | "encryption"; label: string; attribute: string };

const POLICY_TYPES = /(iam|security_group|firewall|network_acl|_acl\b|nsg|network_security|rbac|role|policy|permission|access_entry|bucket_public_access)/;

/** A resource type whose every attribute is about who may do what (IAM, security groups, firewalls, RBAC…). */
export function isPolicyResourceType(resourceType: string): boolean {
  return POLICY_TYPES.test(resourceType);
}

/**
 * Resource types whose every attribute is about who may do what (the same families as the drift
 * taxonomy's policy class), each with the name a reviewer knows it by. First match names it.
 */
const POLICY_RESOURCE_KINDS: [RegExp, string][] = [
  [/bucket_public_access|public_access_block/, "public access"],
  [/iam/, "IAM"],
  [/security_group_rule|security_group/, "security group"],
  [/firewall/, "firewall"],
  [/nsg|network_security/, "network security group"],
  [/network_acl|_acl\b/, "network ACL"],
  [/rbac|role/, "role-based access"],
  [/access_entry|permission/, "permission"],
  [/policy/, "access policy"],
];

/**
 * Attributes that decide who can reach a resource or read its data, on resource types that are
 * otherwise plain configuration (a bucket, a database, a disk). Drift here is a security change
 * made outside review, so it is policy drift and reverted by default, like IAM and firewalls.
 * Kept in one place so the default, the docs and the tests agree. Matched against attribute
 * names only (snake_case), never against keys inside free-form maps such as tags.
 */
export const POLICY_ATTRIBUTES = {
  "public-access": [
    "*public*", // publicly_accessible, map_public_ip_on_launch, block_public_acls, public_network_access_enabled
    "acl",
    "*_acl",
    "grant",
    "policy", // inline policy documents: aws_s3_bucket.policy, aws_sqs_queue.policy, aws_kms_key.policy
    "*_policy_document",
    "assume_role_policy",
    "access_policy",
    "access_policies",
    "bucket_policy",
    "resource_policy",
    "inline_policy",
    "authorized_ip_ranges",
    "ip_rules",
    "*allowed_ip*",
  ],
  encryption: [
    "*encrypt*", // encrypted, storage_encrypted, server_side_encryption_configuration, encryption_at_host_enabled
    "*kms*", // kms_key_id, kms_master_key_id, kms_key_name
    "*cmk*",
    "*customer_managed_key*",
    "sse_*",
    "*ssl*", // ssl_enforcement_enabled, require_ssl
    "*tls*", // min_tls_version
    "*https*", // enable_https_traffic_only, https_only
  ],
} as const;

/** Maps whose keys are the user's own words: `tags.public` is a tag, not a setting. */
const FREE_FORM_MAPS = new Set(["tags", "tags_all", "labels", "annotations", "metadata", "env", "environment", "variables", "parameters", "app_settings", "user_data"]);
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]*$/;

const ATTRIBUTE_MATCHERS = (Object.entries(POLICY_ATTRIBUTES) as [keyof typeof POLICY_ATTRIBUTES, readonly string[]][]).map(
  ([kind, globs]) => [kind, globs.map(globMatcher)] as const,
);

/**
 * The policy concern of one drift, if any: its resource type is a policy family, or one of the
 * attribute names on its path is about public access or encryption (then `taxonomyOf` says policy too).
 */
export function policyConcernOf(item: { resourceType: string; path: readonly PathStep[] }): PolicyConcern | undefined {
  if (isPolicyResourceType(item.resourceType)) {
    const kind = POLICY_RESOURCE_KINDS.find(([pattern]) => pattern.test(item.resourceType));
    return { kind: "resource", label: kind?.[1] ?? "access control" };
  }
  return policyAttributeOf(item.path);
}

/** The public-access or encryption attribute on a path, if any (keys inside free-form maps never count). */
export function policyAttributeOf(path: readonly PathStep[]): Extract<PolicyConcern, { attribute: string }> | undefined {
  for (const step of path) {
    if (typeof step !== "string") continue;
    if (FREE_FORM_MAPS.has(step)) return undefined;
    if (!ATTRIBUTE_NAME.test(step)) continue;
    for (const [kind, matchers] of ATTRIBUTE_MATCHERS) {
      if (matchers.some((match) => match(step))) return { kind, label: kind === "encryption" ? "encryption" : "public access", attribute: step };
    }
  }
  return undefined;
}
