import { createHash } from "node:crypto";
import type { Config } from "../../config/schema.js";
import type { DriftItem } from "../drift/items.js";
import { isSecretItem } from "../drift/report.js";
import { fingerprintOf, valueHashOf, type Severity } from "../drift/track.js";
import type { Decision, SwitchAction } from "../policy/decide.js";
import type { Masker } from "../render/mask.js";
import type { Templates } from "../templates.js";
import { backportKey, branchFor, type BackportGroup } from "./branch.js";
import type { IncidentLink } from "./marker.js";
import type { BackportTitleView } from "./view-types.js";

/** A drift and the action policy gave it. */
export interface DecidedDrift {
  item: DriftItem;
  decision: Decision;
}

/** One drift inside a backport pull request. */
export interface PlannedDrift {
  item: DriftItem;
  decision: Decision & { action: SwitchAction };
  fingerprint: string;
  /** The live value's hash as the dashboard keeps it; "sensitive" for secrets (never a hash of a secret). */
  valueHash: string;
  /** A secret: sensitive in the plan, or matched by a mask rule. Its values are never shown. */
  secret: boolean;
  /** Day the dashboard first saw this drift (YYYY-MM-DD), when it knows. */
  firstSeen?: string;
}

/** codify and revert in one pull request when the drift of one group got both actions. */
export type PlanAction = SwitchAction | "mixed";

/** One backport pull request this scan wants to exist. */
export interface BackportPlan {
  /** Stable identity, independent of the action (see backportKey). */
  key: string;
  workspace: string;
  group: BackportGroup;
  branch: string;
  /** What policy decided for its drift; codify refusals and verification may turn codify into revert later. */
  action: PlanAction;
  items: PlannedDrift[];
  /** Drift of this group beyond MAX_DRIFT_PER_PULL_REQUEST: it waits for a later pull request of the same key. */
  overflow: PlannedDrift[];
  /** Distinct resource addresses, sorted: the `-target`s of a verification or apply. */
  addresses: string[];
  title: string;
  labels: string[];
  /** The most severe drift's severity, and the oldest first-seen day: the order pull requests get opened in. */
  severity: Severity;
  firstSeen?: string;
  /** A hash of what the body shows that needs no new commit: when it changes, only the body is refreshed. */
  digest: string;
  /** The incident section (issue 9); undefined when nothing about incidents is known. */
  incident?: PlanIncident;
  /** Set by reconcile: this drift came back after that merged pull request and a scan that found it gone (recurrence.ts); its drift records say so. */
  returnedAfter?: number;
}

/** What a pull request says about the incident behind its drift. */
export interface PlanIncident {
  /** The linked incident: pinned by a person, the best correlation, or the marker's own while the lookup failed. */
  linked: {
    link: IncidentLink;
    title?: string;
    status?: "open" | "resolved";
    /** Correlation's confidence in [0, 1]; absent for a pinned or kept link. */
    confidence?: number;
    /** Correlation's evidence sentences, strongest first, each ending with its weight (`(weight 0.60)`); notes without. */
    evidence: string[];
    /** Kept from the marker because this scan could not look incidents up. */
    kept?: boolean;
  } | null;
  /** Runners-up, best first. */
  candidates: { key: string; title?: string; url?: string; confidence: number; /** Its evidence, as for the linked one. */ evidence?: string[] }[];
  /** One reason per incident source that could not be read this scan (never a token). */
  failures: string[];
}

/** Incident correlation as planning needs it (computed before planning: `group_by: incident` groups by it). */
export interface PlanIncidents {
  /** `group_by: incident`: the incident a drift is linked to (undefined: it groups by resource). */
  groupOf(fingerprint: string): string | undefined;
  /** The incident section of a planned pull request, from its key and drift. */
  forPlan(key: string, items: readonly PlannedDrift[]): PlanIncident | undefined;
}

export interface PlanOptions {
  config: Pick<Config, "backport" | "apply">;
  masker: Masker;
  templates: Pick<Templates, "backportTitle">;
  /** First-seen day per fingerprint, from the dashboard state. */
  firstSeen?: (fingerprint: string) => string | undefined;
  incidents?: PlanIncidents;
}

/**
 * Most drift one pull request carries: its body (65,536 characters) must hold a row and a marker
 * entry for each, and nobody reviews more at once. The rest of a group waits for a later one.
 */
export const MAX_DRIFT_PER_PULL_REQUEST = 400;
/** GitHub's limit for a pull-request title. */
export const TITLE_LIMIT = 256;
/** Bump when a template change should refresh the bodies of open backport pull requests. */
const BODY_REVISION = 3; // 3: the verification names every workspace planned, lifted edits say where and why, runners-up show their evidence
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * Groups real drift (actionable or deleted) whose action is codify or revert into the pull
 * requests it should have: one per drifted resource (or per workspace with `group_by: workspace`).
 * A group whose drift got both actions is one pull request doing both (action `mixed`, both
 * labels): its branch stays the same whatever the actions, so a person's switch or a codify that
 * falls back to revert never moves drift between pull requests. Ignored and noise drift is left out.
 * Sorted by key; pure.
 */
export function planBackports(decided: readonly DecidedDrift[], options: PlanOptions): BackportPlan[] {
  const groups = new Map<string, { workspace: string; group: BackportGroup; items: PlannedDrift[] }>();
  for (const { item, decision } of decided) {
    if (item.class !== "actionable" && item.class !== "deleted") continue;
    if (decision.action === "ignore") continue;
    const fingerprint = fingerprintOf(item);
    const group = groupOf(item, fingerprint, options);
    const key = backportKey(item.workspace, group);
    const entry = groups.get(key) ?? { workspace: item.workspace, group, items: [] };
    groups.set(key, entry);
    const secret = isSecretItem(item, options.masker);
    const firstSeen = options.firstSeen?.(fingerprint);
    entry.items.push({ item, decision: { ...decision, action: decision.action }, fingerprint, valueHash: valueHashOf({ after: item.after, sensitive: secret }), secret, ...(firstSeen ? { firstSeen } : {}) });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { workspace, group, items }]) => {
      const all = items.sort((a, b) => compare(a.item.address, b.item.address) || compare(a.item.pathText, b.item.pathText));
      const sorted = all.slice(0, MAX_DRIFT_PER_PULL_REQUEST);
      const action = actionOf(sorted.map((i) => i.decision.action));
      const title = titleFor(action, workspace, sorted, options);
      const firstSeen = sorted.map((i) => i.firstSeen).filter((d): d is string => d !== undefined).sort()[0];
      const incident = options.incidents?.forPlan(key, sorted);
      return {
        key,
        workspace,
        group,
        branch: branchFor(workspace, group, options.masker),
        action,
        items: sorted,
        overflow: all.slice(MAX_DRIFT_PER_PULL_REQUEST),
        addresses: [...new Set(sorted.map((i) => i.item.address))].sort(compare),
        title,
        labels: labelsFor(action, options.config.backport.labels),
        severity: sorted.reduce<Severity>((worst, i) => (SEVERITY_RANK[i.decision.severity] > SEVERITY_RANK[worst] ? i.decision.severity : worst), "low"),
        ...(firstSeen ? { firstSeen } : {}),
        digest: digestOf(title, sorted, options.config, incident),
        ...(incident ? { incident } : {}),
      };
    });
}

function groupOf(item: DriftItem, fingerprint: string, options: PlanOptions): BackportGroup {
  const by = options.config.backport.group_by;
  if (by === "workspace") return { kind: "workspace" };
  const incident = by === "incident" ? options.incidents?.groupOf(fingerprint) : undefined;
  return incident !== undefined ? { kind: "incident", incident } : { kind: "resource", address: item.address };
}

/** The pull request's action from its drift's actions. */
export function actionOf(actions: readonly SwitchAction[]): PlanAction {
  const kinds = new Set(actions);
  return kinds.size > 1 ? "mixed" : (kinds.values().next().value ?? "codify");
}

/** `drift`, `drift:codify` and/or `drift:revert`, then the configured labels. */
export function labelsFor(action: PlanAction, extra: readonly string[]): string[] {
  const own = action === "mixed" ? ["drift", "drift:codify", "drift:revert"] : ["drift", `drift:${action}`];
  return [...new Set([...own, ...extra])];
}

/** The labels driftback owns: a stale one is removed, any other label is a person's and stays. */
export const ACTION_LABELS: readonly string[] = ["drift:codify", "drift:revert"];

/** The title, listing as many resources and attributes as fit GitHub's 256 characters. */
export function titleFor(action: PlanAction, workspace: string, items: readonly PlannedDrift[], options: Pick<PlanOptions, "masker" | "templates">): string {
  const shown = (text: string) => options.masker.scrubText(text);
  const render = (count: number) => {
    const resources: BackportTitleView["resources"] = [];
    for (const { item } of items.slice(0, count)) {
      const address = shown(item.address);
      let resource = resources.at(-1);
      if (resource?.address !== address) resources.push((resource = { address, attributes: [], deleted: false }));
      if (item.class === "deleted") resource.deleted = true;
      else resource.attributes.push(shown(item.pathText));
    }
    return options.templates.backportTitle({ codify: action === "codify", revert: action === "revert", mixed: action === "mixed", workspace: shown(workspace), resources, more: items.length - count }).trim();
  };
  const all = render(items.length);
  if (all.length <= TITLE_LIMIT) return all;
  // the longest prefix of the drift that fits: the title grows with each drift listed
  let [fits, tooLong] = [0, items.length];
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (render(middle).length <= TITLE_LIMIT) fits = middle;
    else tooLong = middle;
  }
  if (fits > 0) return render(fits);
  const one = render(1);
  return `${one.slice(0, TITLE_LIMIT - 1)}…`;
}

function digestOf(title: string, items: readonly PlannedDrift[], config: PlanOptions["config"], incident: PlanIncident | undefined): string {
  // the linked incident (its title and status too) and whether a lookup failed, not the evidence wording: a change refreshes the body
  const link = incident?.linked?.link;
  const shown = {
    revision: BODY_REVISION,
    title,
    items: items.map((i) => [i.fingerprint, i.valueHash, i.decision.action, i.decision.why, i.firstSeen ?? null]),
    applyOnMerge: config.apply.on_merge,
    verify: config.backport.verify,
    records: config.backport.records,
    incident: link ? [link.key, link.source, link.url ?? null, link.pinned === true, incident?.linked?.title ?? null, incident?.linked?.status ?? null] : null,
    lookupFailed: (incident?.failures.length ?? 0) > 0,
  };
  return createHash("sha256").update(JSON.stringify(shown)).digest("hex").slice(0, 12);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
