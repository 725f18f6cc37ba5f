import type { ExpectedGlob } from "./types.js";

/**
 * Attribute words that differ between environments by design: each is expected as a whole attribute or input
 * name (`name`), as the last word of one (`bucket_name`, `env.DB_HOST`) and as a nested key (`endpoint.url`).
 * Whole words only: `*id` would also take `valid`, `*name*` would take `namespace_quota`.
 */
const DIFFERING_WORDS = [
  // names and ids
  "name",
  "names",
  "name_prefix",
  "identifier",
  "id",
  "ids",
  "arn",
  "arns",
  // globally unique names (an S3 bucket, a storage account): never the same in two environments
  "bucket",
  "bucket_prefix",
  // where a service is reached
  "endpoint",
  "endpoints",
  "host",
  "hosts",
  "hostname",
  "fqdn",
  "domain",
  "url",
  "urls",
  "uri",
  // where it runs
  "region",
  "regions",
  "zone",
  "zones",
] as const;

/** The environment a module instance is told it is in (a module input such as `environment = "prod"`). */
const ENVIRONMENT_INPUTS = ["environment", "env", "stage"] as const;

/** Tag keys that name the environment or the resource: they differ on every resource by design. */
const ENVIRONMENT_TAG_KEYS = ["Name", "Environment", "environment", "Env", "env", "Stage", "stage"] as const;

/** `word`, `*_word` and `*.word`, in lower case and in the upper case of environment variables (`env.DB_HOST`). */
function wordGlobs(word: string): ExpectedGlob[] {
  return [word, word.toUpperCase()].flatMap((w) => [w, `*_${w}`, `*.${w}`]).map((attribute) => ({ attribute }));
}

/** What differs between environments by design, matched by `expectedMatcher` unless a group sets `expected_only`. */
export const DEFAULT_EXPECTED: ExpectedGlob[] = [
  ...DIFFERING_WORDS.flatMap(wordGlobs),
  // a CIDR is one wherever it sits: vpc_cidr, cidr_block, ingress[0].cidr_blocks
  { attribute: "*cidr*" },
  { attribute: "*CIDR*" },
  ...ENVIRONMENT_INPUTS.map((attribute) => ({ attribute })),
  ...["tags", "tags_all"].flatMap((map) => ENVIRONMENT_TAG_KEYS.map((key) => ({ attribute: `${map}.${key}` }))),
];
