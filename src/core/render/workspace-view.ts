import stripAnsi from "strip-ansi";
import type { PlanModel, ResourceChange } from "../plan/model.js";
import { hasChanges, isDestructive, isNoteworthy } from "../plan/model.js";
import { isNewerFormat, KNOWN_FORMAT_MAJOR } from "../plan/parse.js";
import { relevantDrift } from "../drift/relevance.js";
import { fenceFor } from "./fence.js";
import { actionIcon, actionText, summaryParts } from "./labels.js";
import type { Masker } from "./mask.js";
import type { WorkspaceResult } from "./workspace-result.js";

export type DetailLevel = "full" | "compact" | "names" | "table";

const DESTRUCTIVE_LISTED = 20;
const CHECKS_LISTED = 20;
const ERROR_CHARS: Record<DetailLevel, number> = { full: 20_000, compact: 6_000, names: 3_000, table: 1_500 };

/** What templates see for one workspace; every field is always set (templates run in strict mode). */
export interface WorkspaceView {
  name: string;
  dir: string;
  terraformWorkspace: string | null;
  tool: string | null;
  statusIcon: string;
  notPlanned: string | null;
  error: { stage: string; message: string; timedOut: boolean; fence: string; text: string } | null;
  planned: boolean;
  summaryParts: { count: number; verb: string }[];
  destructive: { icon: string; address: string; actionText: string }[];
  destructiveCount: number;
  destructiveMore: number;
  failedChecks: { address: string; status: string; problems: string[] }[];
  /** The plan's format_version when its major is newer than driftback knows, else null. */
  newerFormat: { formatVersion: string; knownMajor: number } | null;
  resourceSections: string[];
  tableRows: string[];
  driftSections: string[];
  driftCount: number;
  outputSection: string | null;
  omittedCount: number;
}

/** One thing that may get a section of its own, in the order sections are given room. */
export type SectionItem = { kind: "resource"; change: ResourceChange } | { kind: "drift"; change: ResourceChange } | { kind: "outputs"; model: PlanModel };

export function workspaceView(result: WorkspaceResult, masker: Masker, level: DetailLevel): WorkspaceView {
  const model = result.kind === "planned" ? result.model : result.kind === "failed" ? result.model : undefined;
  const destructive = model ? model.resourceChanges.filter(isDestructive) : [];
  return {
    name: result.name,
    dir: result.dir,
    terraformWorkspace: result.terraformWorkspace === "default" ? null : result.terraformWorkspace,
    tool: result.tool ?? null,
    statusIcon: statusIcon(result),
    notPlanned: result.kind === "not-planned" ? result.reason : null,
    error: errorView(result, masker, level),
    planned: result.kind === "planned" && !result.model.errored,
    summaryParts: model ? summaryParts(model.summary) : [],
    destructive: destructive.slice(0, DESTRUCTIVE_LISTED).map((c) => ({ icon: actionIcon(c), address: c.address, actionText: actionText(c) })),
    destructiveCount: destructive.length,
    destructiveMore: Math.max(0, destructive.length - DESTRUCTIVE_LISTED),
    failedChecks: model
      ? model.checks
          .filter((c) => c.status === "fail" || c.status === "error")
          .slice(0, CHECKS_LISTED)
          .map((c) => ({ address: c.address, status: c.status, problems: c.problems.map((p) => masker.scrubText(p)) }))
      : [],
    newerFormat: model && isNewerFormat(model.formatVersion) ? { formatVersion: model.formatVersion, knownMajor: KNOWN_FORMAT_MAJOR } : null,
    resourceSections: [],
    tableRows: [],
    driftSections: [],
    driftCount: 0,
    outputSection: null,
    omittedCount: 0,
  };
}

/** Destructive changes first, then drift that matters, then everything else, then outputs. */
export function sectionItems(result: WorkspaceResult): SectionItem[] {
  const model = result.kind === "planned" ? result.model : result.kind === "failed" ? result.model : undefined;
  if (!model) return [];
  const noteworthy = model.resourceChanges.filter(isNoteworthy);
  const items: SectionItem[] = [
    ...noteworthy.filter(isDestructive).map((change) => ({ kind: "resource" as const, change })),
    ...relevantDrift(model).map((change) => ({ kind: "drift" as const, change })),
    ...noteworthy.filter((c) => !isDestructive(c)).map((change) => ({ kind: "resource" as const, change })),
  ];
  if (model.outputChanges.some((o) => o.action !== "no-op")) items.push({ kind: "outputs", model });
  return items;
}

function statusIcon(result: WorkspaceResult): string {
  if (result.kind === "failed" || (result.kind === "planned" && result.model.errored)) return "❌";
  if (result.kind === "not-planned") return "⏸️";
  if (result.model.resourceChanges.some(isDestructive)) return "⚠️";
  return hasChanges(result.model) ? "📝" : "✅";
}

function errorView(result: WorkspaceResult, masker: Masker, level: DetailLevel): WorkspaceView["error"] {
  if (result.kind === "planned" && result.model.errored) {
    return { stage: "plan", message: "terraform reported an errored plan; what it planned so far is below.", timedOut: false, fence: "```", text: "(no diagnostics in the plan JSON)" };
  }
  if (result.kind !== "failed") return null;
  if (result.model) masker.remember(collectSensitive(result.model));
  const clean = masker.scrubText(stripAnsi(result.output)).trimEnd();
  const limit = ERROR_CHARS[level];
  const text = clean.length > limit ? `… (earlier output cut)\n${clean.slice(clean.length - limit)}` : clean || "(no output)";
  return { stage: result.stage, message: masker.scrubText(result.message), timedOut: result.timedOut, fence: fenceFor(text), text };
}

/** Every clear-text value the plan marks sensitive, so free text can be scrubbed of it. */
export function collectSensitive(model: PlanModel): unknown[] {
  const found: unknown[] = [];
  const walk = (value: unknown, marks: unknown) => {
    if (marks === true) found.push(value);
    else if (marks && typeof marks === "object" && value && typeof value === "object") {
      for (const [key, mark] of Object.entries(marks)) walk((value as Record<string, unknown>)[key], mark);
    }
  };
  for (const change of [...model.resourceChanges, ...model.resourceDrift, ...model.outputChanges]) {
    walk(change.before, change.beforeSensitive);
    walk(change.after, change.afterSensitive);
  }
  return found;
}
