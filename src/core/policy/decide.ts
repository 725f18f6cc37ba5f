import type { BackportRule, Config } from "../../config/schema.js";
import type { DriftItem, DriftTaxonomy } from "../drift/items.js";
import { isSecretItem } from "../drift/report.js";
import { severityOf, type Severity } from "../drift/track.js";
import type { Masker } from "../render/mask.js";
import { policyConcernOf, type PolicyConcern } from "./concerns.js";
import { globMatcher } from "./glob.js";

export type BackportAction = "codify" | "revert" | "ignore";
/** What a person can switch a backport pull request to (`/driftback codify`, `/driftback revert`). */
export type SwitchAction = Exclude<BackportAction, "ignore">;
type Tier = Config["workspaces"][number]["tier"];

/** Which action a drift gets and why, in a sentence fit for the pull request body. */
export interface Decision {
  action: BackportAction;
  /** command: a person switched it on its pull request; rule: `backport.rules`; default: the built-in defaults. */
  source: "command" | "rule" | "default";
  /** 0-based index into `backport.rules`, when `source` is rule. */
  ruleIndex?: number;
  /** e.g. "rule 2 of `backport.rules` (`attribute: tags.*`) says codify". Never holds a value. */
  why: string;
  /** The taxonomy the decision saw: policy also when an attribute is about public access or encryption. */
  taxonomy: DriftTaxonomy;
  severity: Severity;
}

export interface CompiledRule {
  index: number;
  action: BackportAction;
  /** `attribute: tags.*, taxonomy: policy`, for the why sentence. */
  summary: string;
  matches: (facts: RuleFacts) => boolean;
}

/** What rules match on, worked out once per item. */
export interface RuleFacts {
  workspace: string;
  resourceType: string;
  address: string;
  pathText: string;
  taxonomy: DriftTaxonomy;
  severity: Severity;
}

export interface PolicyContext {
  rules: readonly CompiledRule[];
  /** The tier of the item's workspace (severity comes from it). */
  tier: Tier;
  masker: Masker;
  /** Set when a person switched this drift's pull request with a slash command: wins over rules and defaults. */
  override?: SwitchAction;
}

/** Compiles `backport.rules` once per scan: each named matcher must match (globs as `globMatcher` reads them). */
export function compileRules(rules: readonly BackportRule[]): CompiledRule[] {
  return rules.map((rule, index) => {
    const tests: ((facts: RuleFacts) => boolean)[] = [];
    const parts: string[] = [];
    const glob = (name: "workspace" | "type" | "address" | "attribute", pattern: string | undefined, pick: (facts: RuleFacts) => string) => {
      if (pattern === undefined) return;
      const match = globMatcher(pattern);
      tests.push((facts) => match(pick(facts)));
      parts.push(`${name}: ${pattern}`);
    };
    const oneOf = <T extends string>(name: "taxonomy" | "severity", wanted: T | readonly T[] | undefined, pick: (facts: RuleFacts) => T) => {
      if (wanted === undefined) return;
      const list: readonly T[] = typeof wanted === "string" ? [wanted] : wanted;
      tests.push((facts) => list.includes(pick(facts)));
      parts.push(`${name}: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`);
    };
    glob("workspace", rule.workspace, (f) => f.workspace);
    glob("type", rule.type, (f) => f.resourceType);
    glob("address", rule.address, (f) => f.address);
    glob("attribute", rule.attribute, (f) => f.pathText);
    oneOf("taxonomy", rule.taxonomy, (f) => f.taxonomy);
    oneOf("severity", rule.severity, (f) => f.severity);
    return { index, action: rule.action, summary: parts.join(", "), matches: (facts) => tests.every((test) => test(facts)) };
  });
}

/**
 * The action for one drift: a person's switch on its pull request, else the first matching rule,
 * else the defaults: a resource deleted outside Terraform is reverted (apply recreates it), a
 * sensitive value is reverted (never written into code), policy drift is reverted (a security
 * change made outside review), and configuration drift is codified. Pure.
 */
export function decideAction(item: DriftItem, context: PolicyContext): Decision {
  const concern = policyConcernOf(item);
  const taxonomy: DriftTaxonomy = concern ? "policy" : item.taxonomy;
  const severity = severityOf(context.tier, taxonomy);
  const decided = (action: BackportAction, source: Decision["source"], why: string, ruleIndex?: number): Decision => ({
    action,
    source,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    why,
    taxonomy,
    severity,
  });

  if (context.override) return decided(context.override, "command", `switched to ${context.override} with \`/driftback ${context.override}\``);
  const facts: RuleFacts = { workspace: item.workspace, resourceType: item.resourceType, address: item.address, pathText: item.pathText, taxonomy, severity };
  const rule = context.rules.find((r) => r.matches(facts));
  if (rule) return decided(rule.action, "rule", `rule ${rule.index + 1} of \`backport.rules\` (\`${rule.summary}\`) says ${rule.action}`, rule.index);
  if (item.class === "deleted") return decided("revert", "default", `\`${item.address}\` was deleted outside Terraform: reverted by default, so apply recreates it`);
  if (isSecretItem(item, context.masker)) return decided("revert", "default", "the value is sensitive and driftback never writes a secret into code: reverted by default");
  if (concern) return decided("revert", "default", `policy drift (${concernText(concern)}) is reverted by default`);
  return decided("codify", "default", "configuration drift is codified by default");
}

function concernText(concern: PolicyConcern): string {
  return concern.kind === "resource" ? concern.label : `${concern.label}: \`${concern.attribute}\``;
}
