import type { Config } from "../../config/schema.js";
import type { JsonValue, ResourceChange } from "../plan/model.js";
import { cellText } from "../render/cell.js";
import { diffLines } from "../render/diff.js";
import { fenceFor } from "../render/fence.js";
import { actionIcon, actionText } from "../render/labels.js";
import { SENSITIVE_PLACEHOLDER, type Masker } from "../render/mask.js";
import { COMMENT_LIMIT } from "../render/preview.js";
import type { ParitySiblings } from "../parity/siblings.js";
import type { Templates } from "../templates.js";
import { incidentRecordView, incidentSectionView } from "./incident-view.js";
import { encodeMarker } from "./marker.js";
import type { CloseReason, Operation } from "./reconcile.js";
import { MAX_DRIFT_PER_PULL_REQUEST } from "./plan.js";
import { recordedItems, recordPath, type SettledBackport, type SettledDrift } from "./settle.js";
import type { BackportBodyView, BackportClosedView, BackportHumanPushView, DriftRecordView } from "./view-types.js";

export type { BackportBodyView, BackportClosedView, BackportHumanPushView, BackportTitleView, DriftRecordView } from "./view-types.js";

type DriftRow = BackportBodyView["rows"][number];

/** What a body shows besides the settled pull request. */
export interface BackportBodyInput {
  settled: SettledBackport;
  /** The scan plan's resource_changes for the reverted resources: the diff apply will make. */
  revertChanges: readonly ResourceChange[];
  /** The verification plan's resource_changes for resources whose codify it rejected. */
  verificationChanges?: readonly ResourceChange[];
  /** Every workspace the verification planned (the drifted one first). */
  verifiedIn?: readonly string[];
  config: Pick<Config, "backport" | "apply" | "binary">;
}

export interface BodyContext {
  masker: Masker;
  templates: Pick<Templates, "backportBody" | "resourceDiff">;
  maxChars?: number;
  /** Verification was turned off by the caller (a dry run without --verify), not by the config. */
  unverifiedBy?: "dry-run";
  /** The scan's parity: codified drift in one member of a parity group names what the other members keep. */
  parity?: ParitySiblings;
}

type ExcerptLevel = "full" | "compact" | "none";
/** Drift named under each reason; the table above lists them all. */
const SUBJECTS_SHOWN = 10;

/**
 * The pull request body: what drifted (recorded → live, masked when secret), since when, why this
 * action, the verification result, fallbacks with the engine's suggested snippet, the plan excerpt
 * and who applies for reverts, the incident line, how to switch, and the hidden marker. Within
 * GitHub's 65,536 characters: the excerpt is shortened, then dropped, then table rows give way.
 */
export function renderBackportBody(input: BackportBodyInput, ctx: BodyContext): string {
  const { settled, config } = input;
  const { masker } = ctx;
  const limit = Math.min(ctx.maxChars ?? COMMENT_LIMIT, COMMENT_LIMIT);
  rememberSecrets(settled.items, masker);
  const marker = encodeMarker(settled.marker);
  const rows = settled.items.map((i) => driftRow(i, masker));
  const reverted = settled.items.filter((i) => i.action === "revert");
  const revertAddresses = unique(reverted.map((i) => i.item.address));
  const codified = settled.items.filter((i) => i.action === "codify");
  const stillChanging = unique(settled.items.filter((i) => i.outcome?.status === "still-changes").map((i) => i.item.address));
  const fallbacks = settled.items.flatMap((i) => fallbackOf(i, masker));
  const reasons = reasonsOf(settled.items, masker);
  const records = recordedItems(settled, config).map((i) => recordPath(config.backport.records_dir, settled.plan.workspace, i.fingerprint));
  const incident = incidentSectionView(settled.plan.incident, masker);
  const parity = ctx.parity ? parityNotes(codified, ctx.parity, masker) : [];
  const render = (level: ExcerptLevel, shown: number) => {
    const view: BackportBodyView = {
      workspace: show(settled.plan.workspace, masker),
      tool: config.binary,
      codify: settled.action === "codify",
      revert: settled.action === "revert",
      mixed: settled.action === "mixed",
      since: settled.plan.firstSeen ?? null,
      rows: rows.slice(0, shown),
      hiddenRows: rows.length - Math.min(shown, rows.length),
      reasons,
      codified: codified.slice(0, shown).map((i) => codifiedRow(i, masker)),
      verification:
        codified.length === 0
          ? null
          : {
              verified: config.backport.verify,
              disabled: !config.backport.verify && !ctx.unverifiedBy,
              dryRun: !config.backport.verify && ctx.unverifiedBy === "dry-run",
              tool: config.binary,
              ...listed(unique(codified.map((i) => show(i.item.address, masker)))),
              workspaces: (input.verifiedIn ?? [settled.plan.workspace]).map((w) => show(w, masker)),
            },
      fallbacks: fallbacks.slice(0, shown),
      reverted: reverted.length === 0 ? null : { ...listed(revertAddresses.map((a) => show(a, masker))), applyOnMerge: config.apply.on_merge, ...excerptOf(input.revertChanges, revertAddresses, level, ctx) },
      stillChanging: excerptOf(input.verificationChanges ?? [], stillChanging, level, ctx).excerpt,
      overflow: settled.plan.overflow.length,
      maxPerPullRequest: MAX_DRIFT_PER_PULL_REQUEST,
      records: records.slice(0, shown),
      hiddenRecords: records.length - Math.min(shown, records.length),
      incident,
      parity,
      marker,
    };
    return scrubBeforeMarker(ctx.templates.backportBody(view), marker, masker);
  };
  const all = Math.max(rows.length, records.length);
  for (const level of ["full", "compact"] as const) {
    const body = render(level, all);
    if (body.length <= limit) return body;
  }
  // without the excerpt, then with fewer rows; a body that still does not fit is cut, keeping the marker
  let body = "";
  for (let shown = all; ; shown = Math.floor(shown / 2)) {
    body = render("none", shown);
    if (body.length <= limit || shown === 0) break;
  }
  return body.length <= limit ? body : `${body.slice(0, Math.max(0, limit - marker.length - 2))}\n\n${marker}`;
}

export interface RecordInput {
  drift: SettledDrift;
  settled: SettledBackport;
  /** `backport.records_dir`. */
  recordsDir: string;
  /** The pull request's number once it has one (a record written before it opens has none). */
  pr?: number;
}

/** The drift record file for one drift: deterministic, so an unchanged drift never makes a new commit. */
export function renderDriftRecord(input: RecordInput, ctx: { masker: Masker; templates: Pick<Templates, "driftRecord"> }): { path: string; contents: string } {
  const { drift, settled } = input;
  rememberSecrets([drift], ctx.masker);
  // a deleted resource's recorded object is never copied: nested attributes of it may be sensitive
  const deleted = drift.item.class === "deleted";
  const recorded = deleted ? "" : valueText(drift.item.before, drift.secret);
  const live = deleted ? "" : valueText(drift.item.after, drift.secret);
  const fallback = fallbackOf(drift, ctx.masker)[0];
  const view: DriftRecordView = {
    workspace: settled.plan.workspace,
    address: show(drift.item.address, ctx.masker),
    path: pathText(drift, ctx.masker),
    deleted,
    secret: drift.secret,
    recordedFence: fenceFor(recorded),
    recorded,
    liveFence: fenceFor(live),
    live,
    taxonomy: drift.decision.taxonomy,
    severity: drift.decision.severity,
    firstSeen: drift.firstSeen ?? null,
    action: drift.action,
    why: show(drift.decision.why, ctx.masker),
    fallback: fallback ? { refused: fallback.refused, reason: fallback.reason } : null,
    branch: settled.plan.branch,
    pr: input.pr ?? null,
    incident: incidentRecordView(settled.plan.incident, ctx.masker),
    fingerprint: drift.fingerprint,
    returnedAfter: settled.plan.returnedAfter ?? null,
  };
  return { path: recordPath(input.recordsDir, settled.plan.workspace, drift.fingerprint), contents: ctx.masker.scrubText(ctx.templates.driftRecord(view)) };
}

/** The comment that goes with closing a backport pull request. */
export function renderBackportClosed(operation: Extract<Operation, { kind: "close" }>, templates: Pick<Templates, "backportClosed">): string {
  const is = (reason: CloseReason) => operation.reason === reason;
  const view: BackportClosedView = {
    resolved: is("resolved"),
    superseded: is("superseded"),
    ignoredByRule: is("ignored-by-rule"),
    workspaceRemoved: is("workspace-removed"),
    duplicate: is("duplicate"),
    by: operation.by ? { pr: operation.by.pr ?? null, key: operation.by.key } : null,
    branch: operation.branch,
    deleteBranch: operation.deleteBranch,
  };
  return templates.backportClosed(view).trim();
}

/** The comment on a pull request a person pushed to, when its drift changed: what changed, since driftback will not rewrite the branch. */
export function renderHumanPush(operation: Extract<Operation, { kind: "comment-human-push" }>, ctx: { masker: Masker; templates: Pick<Templates, "backportHumanPush"> }): string {
  const { plan, changes } = operation;
  const { masker } = ctx;
  rememberSecrets(plan.items, masker);
  const pick = (fingerprints: readonly string[]) => plan.items.filter((i) => fingerprints.includes(i.fingerprint));
  const valueRow = (i: SettledDrift | (typeof plan.items)[number]) => ({ address: show(i.item.address, ctx.masker), path: pathText(i, masker), live: cell(i.item.after, i.secret), deleted: i.item.class === "deleted" });
  const view: BackportHumanPushView = {
    changed: pick(changes.changed).map(valueRow),
    added: pick(changes.added).map(valueRow),
    switched: pick(changes.switched).map((i) => ({ address: show(i.item.address, ctx.masker), path: pathText(i, masker), action: i.decision.action })),
    resolved: changes.removed.length,
    branch: plan.branch,
  };
  return ctx.masker.scrubText(ctx.templates.backportHumanPush(view)).trim();
}

function driftRow(i: SettledDrift, masker: Masker): DriftRow {
  return {
    address: show(i.item.address, masker),
    path: pathText(i, masker),
    deleted: i.item.class === "deleted",
    recorded: cell(i.item.before, i.secret),
    live: cell(i.item.after, i.secret),
    since: i.firstSeen ?? "",
    action: i.action,
  };
}

/** Reasons, each once, with the drift it applies to. */
function reasonsOf(items: readonly SettledDrift[], masker: Masker): BackportBodyView["reasons"] {
  const byWhy = new Map<string, { name: string; fellBack: boolean }[]>();
  for (const i of items) {
    const subject = { name: `${show(i.item.address, masker)}${i.item.pathText ? ` ${pathText(i, masker)}` : ""}`, fellBack: i.action !== i.decision.action };
    byWhy.set(i.decision.why, [...(byWhy.get(i.decision.why) ?? []), subject]);
  }
  return [...byWhy].map(([why, subjects]) => ({ why: show(why, masker), subjects: subjects.slice(0, SUBJECTS_SHOWN), moreSubjects: Math.max(0, subjects.length - SUBJECTS_SHOWN) }));
}

function codifiedRow(i: SettledDrift, masker: Masker): BackportBodyView["codified"][number] {
  const outcome = i.outcome?.status === "codified" ? i.outcome : undefined;
  const file = outcome?.file ?? "";
  return {
    address: show(i.item.address, masker),
    path: pathText(i, masker),
    file: show(file, masker),
    otherFiles: (outcome?.files ?? []).filter((f) => f !== file).map((f) => show(f, masker)),
    via: outcome?.via && (outcome.files?.length ?? 1) > 1 ? show(outcome.via, masker) : "",
  };
}

function fallbackOf(i: SettledDrift, masker: Masker): BackportBodyView["fallbacks"] {
  const outcome = i.outcome;
  if (!outcome || outcome.status === "codified") return [];
  const snippet = outcome.status === "refused" ? (i.secret ? "" : masker.scrubText(outcome.snippet)) : "";
  return [
    {
      address: show(i.item.address, masker),
      path: pathText(i, masker),
      refused: outcome.status === "refused",
      reason: outcome.status === "refused" || outcome.reason ? masker.scrubText(outcome.reason ?? "") : "",
      snippetFence: fenceFor(snippet),
      snippet,
    },
  ];
}

function excerptOf(changes: readonly ResourceChange[], addresses: readonly string[], level: ExcerptLevel, ctx: BodyContext): { excerpt: string[]; excerptOmitted: boolean } {
  const wanted = new Set(addresses);
  const relevant = changes.filter((c) => wanted.has(c.address));
  if (level === "none") return { excerpt: [], excerptOmitted: relevant.length > 0 };
  const excerpt = relevant.map((change) => {
    const diff = diffLines(change, { masker: ctx.masker, compact: level === "compact", replacePaths: change.replacePaths }).join("\n");
    return ctx.templates.resourceDiff({ icon: actionIcon(change), address: show(change.address, ctx.masker), actionText: actionText(change), fence: fenceFor(diff), diff });
  });
  return { excerpt, excerptOmitted: false };
}

/** Clear-text secrets of secret drift are remembered, so any free text that still carried one is scrubbed. */
function rememberSecrets(items: readonly { secret: boolean; item: { before: JsonValue; after: JsonValue } }[], masker: Masker): void {
  for (const i of items) if (i.secret) masker.remember([i.item.before, i.item.after]);
}

function scrubBeforeMarker(body: string, marker: string, masker: Masker): string {
  const at = body.lastIndexOf(marker);
  return at === -1 ? masker.scrubText(body) : masker.scrubText(body.slice(0, at)) + body.slice(at);
}

function cell(value: JsonValue, secret: boolean): string {
  return secret ? SENSITIVE_PLACEHOLDER : cellText(value);
}

function valueText(value: JsonValue, secret: boolean): string {
  if (secret) return SENSITIVE_PLACEHOLDER;
  return typeof value === "string" ? value : JSON.stringify(value ?? null, null, 2);
}

function pathText(i: { item: { pathText: string } }, masker: Masker): string {
  return masker.scrubText(i.item.pathText);
}

/** Codified drift in one member of a parity group: what the other members keep, and the command that aligns them instead. */
function parityNotes(codified: readonly SettledDrift[], siblings: ParitySiblings, masker: Masker): BackportBodyView["parity"] {
  const notes: BackportBodyView["parity"] = [];
  const seen = new Set<string>();
  for (const drift of codified) {
    const note = siblings(drift.item.workspace, drift.item.address, drift.item.pathText);
    if (!note || seen.has(note.command)) continue;
    seen.add(note.command);
    const secret = masker.isMaskedPath(note.attribute);
    const others = note.others.map(({ member, value }) => ({
      member: show(member, masker),
      value: secret || "sensitive" in value ? SENSITIVE_PLACEHOLDER : "value" in value ? show(cellText(value.value), masker) : "absent" in value ? "(absent)" : "(unknown)",
    }));
    const values = new Set(others.map((o) => o.value));
    notes.push({
      group: show(note.group, masker),
      address: show(drift.item.address, masker),
      path: show(note.attribute, masker),
      others,
      same: values.size === 1 ? [...values][0]! : null,
      command: show(note.command, masker),
    });
  }
  return notes;
}

function show(text: string, masker: Masker): string {
  return masker.scrubText(text);
}

/** At most ten names in a sentence; the table lists them all. */
function listed(names: readonly string[]): { addresses: string[]; moreAddresses: number } {
  return { addresses: names.slice(0, 10), moreAddresses: Math.max(0, names.length - 10) };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
