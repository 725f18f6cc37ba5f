import type { ParityLinesView } from "../parity/pr-line.js";
import type { Templates } from "../templates.js";
import { diffLines, changedAttributeNames, namedDiffLines } from "./diff.js";
import { fenceFor } from "./fence.js";
import { actionIcon, actionText, driftText, summaryTitle } from "./labels.js";
import type { Masker } from "./mask.js";
import { sectionItems, workspaceView, type DetailLevel, type SectionItem, type WorkspaceView } from "./workspace-view.js";
import type { WorkspaceResult } from "./workspace-result.js";
import { resultConclusion } from "./workspace-result.js";

import { COMMENT_LIMIT } from "./limits.js";

export { COMMENT_LIMIT };
/** GitHub's limit for each of a check run's output.summary and output.text. */
export const CHECK_FIELD_LIMIT = 65_535;
export const PREVIEW_MARKER = "<!-- driftback:preview -->";

const LEVELS: DetailLevel[] = ["full", "compact", "names", "table"];
/** Room kept per workspace for the "N changes not shown" sentence. */
const OMISSION_RESERVE = 400;

const DEGRADED_NOTES: Record<DetailLevel, string | null> = {
  full: null,
  compact: "This plan is large, so long values and deeply nested changes are shortened.",
  names: "This plan is large, so only the names of the changed attributes are shown.",
  table: "This plan is too large for diffs, so only a summary table is shown.",
};

export interface RenderContext {
  masker: Masker;
  templates: Templates;
}

export interface CommentInput {
  results: readonly WorkspaceResult[];
  headSha?: string;
  title?: string;
  maxChars?: number;
  /** Issue 16 §5: the lines saying which group members this pull request makes differ; a short section near the top. */
  parity?: ParityLinesView;
}

/** The sticky pull-request comment: every workspace, as detailed as GitHub's limit allows. */
export function renderComment(input: CommentInput, ctx: RenderContext): string {
  const maxChars = Math.min(input.maxChars ?? COMMENT_LIMIT, COMMENT_LIMIT);
  const shell = {
    marker: PREVIEW_MARKER,
    title: input.title ?? "driftback plan preview",
    shortSha: input.headSha ? input.headSha.slice(0, 7) : null,
  };
  // bounded lines (parityLines caps them), so layout's measure of the outer template leaves them room
  const parity = input.parity ?? null;
  for (const level of LEVELS) {
    const note = DEGRADED_NOTES[level];
    const body = layout(input.results, level, maxChars, ctx, (workspaces) =>
      ctx.templates.comment({ ...shell, parity, degradedNote: note && `${note} The full plan is in each workspace's check run and from \`driftback preview\`.`, workspaces }),
    );
    if (body !== undefined) return body;
  }
  return ctx.templates.tooLarge(shell);
}

export interface CheckOutput {
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  text: string;
}

/** One workspace's check run: the headline in `summary`, as much of the plan as fits in `text`. */
export function renderCheckOutput(result: WorkspaceResult, ctx: RenderContext, commentUrl?: string): CheckOutput {
  // the summary has no sections, only the headline and error output, which shrinks with the level
  const summaries = LEVELS.map((level) => () => ctx.templates.checkSummary({ workspace: workspaceView(result, ctx.masker, level), commentUrl: commentUrl ?? null }));
  const summary = firstThatFits(summaries, CHECK_FIELD_LIMIT) ?? "This workspace's result is too large to summarise; run `driftback preview` on the plan JSON.";
  let text = "";
  for (const level of LEVELS) {
    const rendered = layout([result], level, CHECK_FIELD_LIMIT, ctx, (workspaces) =>
      ctx.templates.checkText({ degradedNote: DEGRADED_NOTES[level], workspace: workspaces[0] }),
    );
    if (rendered !== undefined) {
      text = rendered;
      break;
    }
  }
  return {
    conclusion: resultConclusion(result),
    title: checkTitle(result),
    summary,
    text: text || "This plan is too large to show here; run `driftback preview` on the plan JSON.",
  };
}

function checkTitle(result: WorkspaceResult): string {
  if (result.kind === "not-planned") return "Not planned";
  if (result.kind === "failed") return result.timedOut ? `Plan timed out during ${result.stage}` : `Plan failed during ${result.stage}`;
  if (result.model.errored) return "Plan errored";
  return summaryTitle(result.model.summary);
}

/**
 * Renders at one detail level, giving sections room in priority order. Returns undefined when
 * this level cannot fit, so the caller steps down; only the table level drops rows instead.
 */
function layout(
  results: readonly WorkspaceResult[],
  level: DetailLevel,
  maxChars: number,
  ctx: RenderContext,
  outer: (workspaces: WorkspaceView[]) => string,
): string | undefined {
  const views = results.map((result) => workspaceView(result, ctx.masker, level));
  let remaining = maxChars - outer(views).length - OMISSION_RESERVE * views.length;
  if (remaining < 0) return undefined;
  for (const [index, result] of results.entries()) {
    const view = views[index]!;
    for (const item of sectionItems(result)) {
      if (view.omittedCount > 0) {
        view.omittedCount++; // keep priority order: once one is left out, everything after it is too
        continue;
      }
      const section = renderSection(item, level, ctx);
      const cost = section.length + 1;
      if (cost > remaining) {
        if (level !== "table") return undefined;
        view.omittedCount++;
        continue;
      }
      remaining -= cost;
      place(view, item, level, section);
    }
  }
  const out = outer(views);
  return out.length <= maxChars ? out : undefined;
}

function place(view: WorkspaceView, item: SectionItem, level: DetailLevel, section: string): void {
  if (item.kind === "outputs") view.outputSection = section;
  else if (level === "table") view.tableRows.push(section);
  else if (item.kind === "drift") {
    view.driftSections.push(section);
    view.driftCount++;
  } else view.resourceSections.push(section);
}

function renderSection(item: SectionItem, level: DetailLevel, ctx: RenderContext): string {
  const { masker, templates } = ctx;
  if (item.kind === "outputs") {
    const changed = item.model.outputChanges.filter((o) => o.action !== "no-op");
    const diff = changed
      .flatMap((o) => namedDiffLines(o.name, { ...o, beforeSensitive: o.sensitive || o.beforeSensitive, afterSensitive: o.sensitive || o.afterSensitive }, { masker, compact: level !== "full" }))
      .join("\n");
    return templates.outputs({ count: changed.length, fence: fenceFor(diff), diff });
  }
  const change = item.change;
  const drift = item.kind === "drift";
  const header = {
    icon: drift ? "⚠️" : actionIcon(change),
    address: change.address,
    actionText: drift ? driftText(change) : actionText(change),
  };
  if (level === "table") return templates.resourceRow(header);
  if (level === "names") {
    return templates.resourceNames({ ...header, attributes: changedAttributeNames(change, { normalizeEmpty: drift }) });
  }
  const showDiff = change.action !== "read" && !(change.action === "no-op" && !drift);
  const diff = showDiff
    ? diffLines(change, { masker, compact: level === "compact", normalizeEmpty: drift, replacePaths: change.replacePaths }).join("\n")
    : "";
  return templates.resourceDiff({ ...header, fence: fenceFor(diff), diff });
}

function firstThatFits(candidates: (() => string)[], limit: number): string | undefined {
  for (const candidate of candidates) {
    const text = candidate();
    if (text.length <= limit) return text;
  }
  return undefined;
}
