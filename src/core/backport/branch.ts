import { createHash } from "node:crypto";
import type { Masker } from "../render/mask.js";

export const BRANCH_PREFIX = "driftback/";
/** The group name of a workspace-wide pull request; never a resource slug (those always hold a dot). */
export const WORKSPACE_GROUP = "all";
const SLUG_MAX = 60;
const WORKSPACE_SLUG_MAX = 40;

/** Branch folder of pull requests grouped by incident (`backport.group_by: incident`). */
export const INCIDENT_FOLDER = "incident";

/** What a backport pull request groups: one resource, a whole workspace, or the drift of one workspace linked to one incident. */
export type BackportGroup = { kind: "resource"; address: string } | { kind: "workspace" } | { kind: "incident"; incident: string };

/**
 * The stable identity of a backport pull request: `prod/aws_instance.api` or `prod/*`. It is
 * independent of the action, so a switch between codify and revert keeps the same pull request.
 */
export function backportKey(workspace: string, group: BackportGroup): string {
  // no resource address starts with `incident:` (addresses start with a type, `module.` or `data.`)
  return `${workspace}/${group.kind === "resource" ? group.address : group.kind === "incident" ? `incident:${group.incident}` : "*"}`;
}

/**
 * `driftback/<workspace>/<resource-slug>`, or `driftback/incident/<incident-slug>/<workspace>`: lowercase `[a-z0-9._-]`, module path and instance
 * keys kept. A slug that had to change anything (case, brackets, quotes), would end in `.lock`
 * or runs long gets a short hash of the exact name, so two resources never share a branch.
 * An address that looks like a credential (a mask rule matches it) is replaced by its hash.
 */
export function branchFor(workspace: string, group: BackportGroup, masker: Masker): string {
  // one pull request per incident and workspace: a pull request's marker, verification and scan scope are one workspace's
  if (group.kind === "incident") {
    const incident = masker.isMaskedValue(group.incident) ? `incident-${hash(group.incident)}` : group.incident;
    return `${BRANCH_PREFIX}${INCIDENT_FOLDER}/${slug(incident, SLUG_MAX)}/${workspaceSlug(workspace)}`;
  }
  const name = group.kind === "workspace" ? WORKSPACE_GROUP : masker.isMaskedValue(group.address) ? `resource-${hash(group.address)}` : group.address;
  return `${BRANCH_PREFIX}${workspaceSlug(workspace)}/${slug(name, SLUG_MAX)}`;
}

/** The branch folder of one workspace's backport pull requests. */
export function workspaceSlug(workspace: string): string {
  return slug(workspace, WORKSPACE_SLUG_MAX);
}

function slug(text: string, max: number): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/-?\.-?/g, ".")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-._]+|[-.]+$/g, "");
  const exact = cleaned === text && !cleaned.endsWith(".lock") && cleaned !== "";
  if (exact && cleaned.length <= max) return cleaned;
  const suffix = hash(text);
  const head = cleaned.slice(0, max - suffix.length - 1).replace(/[-.]+$/, "");
  return head ? `${head}-${suffix}` : suffix;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}
