import { createHash } from "node:crypto";
import picomatch from "picomatch";
import type { Config } from "../../config/schema.js";
import type { DriftItem, DriftTaxonomy } from "./items.js";

export type Severity = "low" | "medium" | "high" | "critical";
type Tier = Config["workspaces"][number]["tier"];
type IgnoreRule = Config["drift"]["ignore"][number];

const TIER_SEVERITY: Record<Tier, Severity> = { dev: "low", staging: "medium", prod: "high", shared: "high" };
const ESCALATE: Record<Severity, Severity> = { low: "medium", medium: "high", high: "critical", critical: "critical" };

/** One step up the severity ladder (critical stays critical). */
export function raisedSeverity(severity: Severity): Severity {
  return ESCALATE[severity];
}

/** Severity from the workspace's tier; policy drift (IAM, firewalls) is one step worse. */
export function severityOf(tier: Tier, taxonomy: DriftTaxonomy): Severity {
  const base = TIER_SEVERITY[tier];
  return taxonomy === "policy" ? ESCALATE[base] : base;
}

/** Stable identity of one drift: workspace, address and attribute path. The value is tracked apart. */
export function fingerprintOf(item: Pick<DriftItem, "workspace" | "address" | "pathText">): string {
  return sha256(`${item.workspace}\u0000${item.address}\u0000${item.pathText}`).slice(0, 16);
}

/**
 * A hash of the live value, so a changed value shows as a new state of the same drift. Sensitive
 * values get no hash: a hash of a short secret in a public issue could be brute-forced.
 */
export function valueHashOf(item: Pick<DriftItem, "after" | "sensitive">): string {
  return item.sensitive ? "sensitive" : sha256(JSON.stringify(item.after ?? null)).slice(0, 12);
}

/** Drops items matched by a config ignore rule (every field a rule names must match). */
export function withoutIgnored<T extends Pick<DriftItem, "resourceType" | "address" | "pathText">>(items: readonly T[], rules: readonly IgnoreRule[]): T[] {
  if (rules.length === 0) return [...items];
  const compiled = rules.map((rule) => ({
    type: rule.type ? picomatch(rule.type) : undefined,
    address: rule.address ? picomatch(rule.address, { dot: true }) : undefined,
    attribute: rule.attribute ? picomatch(rule.attribute, { dot: true }) : undefined,
  }));
  // picomatch treats "/" as a separator and "." as a plain character: path text is matched as is
  return items.filter(
    (item) =>
      !compiled.some(
        (rule) =>
          (!rule.type || rule.type(item.resourceType)) &&
          (!rule.address || rule.address(item.address.replaceAll("/", "_"))) &&
          (!rule.attribute || rule.attribute(item.pathText.replaceAll("/", "_"))),
      ),
  );
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
