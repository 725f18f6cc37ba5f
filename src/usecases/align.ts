import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import { loadRepoView } from "../adapters/hcl/load-repo-view.js";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { Config } from "../config/schema.js";
import { isSecretItem } from "../core/drift/report.js";
import { parseAttributePath } from "../core/hcl/address.js";
import { applyEdits, planEdits } from "../core/hcl/edit.js";
import { plannedVariablesIn } from "../core/hcl/planned-inputs.js";
import type { DriftTarget, Resolution } from "../core/hcl/resolve.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import {
  changeOf,
  declaredInput,
  declaredRootVariable,
  fullAddress,
  isModuleInput,
  placeInput,
  placeRootVariable,
  plannedAt,
  sameValue,
  sourceValueOf,
  type ValueOrigin,
} from "../core/parity/align.js";
import { sameMemberValue } from "../core/parity/flatten.js";
import { instancePath } from "../core/parity/instances.js";
import type { GroupReport, ParityDifference, ParityMember } from "../core/parity/types.js";
import type { JsonValue, PathStep, PlanModel } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import type { Masker } from "../core/render/mask.js";
import { WorkspaceCode } from "./backport-files.js";
import { codifyDrift } from "./codify-drift.js";
import { parityOf } from "./parity.js";

/**
 * Environment parity §6, "close the gap": one difference of a parity group aligned to one member's value. Every
 * other member whose code makes the attribute something else is edited, through codify's placement rules, as if
 * its attribute had drifted to that value: only its own files and inputs change, and a shared module is
 * parameterized (its default today's value) rather than edited for one instance. A module input is set in the
 * member's own call (or the var file / default only it reads). When the source member drifted, its own code is
 * set to its live value too, so applying every member keeps the value. Nothing is written to disk here: the caller
 * writes the files, or opens a pull request with them.
 */

export interface AlignDeps {
  parser: HclParser;
  toolchain: HclToolchain;
}

export interface AlignInput {
  /** The repository's checkout: read, never written. */
  checkoutDir: string;
  config: Config;
  group: string;
  /** As `driftback parity` names it: the address inside the module (`sandbox_deployment.app`), or a call (`module.shop`). */
  resource: string;
  /** `env.DB_TIMEOUT`, or a module input's name. */
  attribute: string;
  /** The member whose value the others get. */
  to: string;
  /** Workspace -> its latest plan JSON (`terraform show -json`): the live comparison and each member's planned values. */
  plans?: ReadonlyMap<string, string>;
  /** The repository's mask rules: a value they match is a secret, never written. */
  masker: Masker;
}

/** Bad input: an unknown group, member or difference, or a source value that cannot be written. One line, names what exists. */
export class AlignInputError extends Error {}

/** What the edit of one member is checked against by a verification plan. */
export type AlignExpectation =
  /** The member plans `address` `path` to `value` (the aligned resource attribute), nothing else. */
  | { member: string; workspace: string; kind: "attribute"; address: string; path: PathStep[]; value: JsonValue }
  /** The member's changes stay inside its module instance (what a module input reaches). */
  | { member: string; workspace: string; kind: "input"; instance: string };

export interface AlignedMember {
  member: string;
  workspace: string;
  /** Files this member's edit changed (after earlier members' edits). */
  files: string[];
  /** Where the value was placed, in words. */
  via: string;
  /** The source member itself: its drift codified so that applying it keeps the value. */
  source?: true;
}

export interface Alignment {
  group: string;
  resource: string;
  attribute: string;
  to: string;
  value: JsonValue;
  origin: ValueOrigin;
  aligned: AlignedMember[];
  /** Members whose code already makes the attribute the value (apply aligns them): nothing to edit. */
  unchanged: { member: string; why: string }[];
  refused: { member: string; reason: string }[];
  /** Every edited file (repo-relative) with its whole new text: the change set of the pull request. */
  files: Map<string, string>;
  /** Every edited file's text in the checkout. */
  originals: Map<string, string>;
  /** One unified diff per edited file, sorted by path. */
  diffs: { path: string; diff: string }[];
  expectations: AlignExpectation[];
  /** Configured workspaces that load an edited file (the aligned members' among them): what a verification plans. */
  readers: string[];
  /** Stable identity of this alignment (group, difference, source): one pull request per key, none twice on redelivery. */
  key: string;
  branch: string;
  title: string;
}

/** Aligns one difference of one group to one member's value; throws AlignInputError for bad input. */
export async function alignDifference(deps: AlignDeps, input: AlignInput): Promise<Alignment> {
  const models = new Map<string, PlanModel>();
  for (const [workspace, json] of input.plans ?? []) models.set(workspace, parsePlan(json));
  const parity = await parityOf(deps.parser, { checkoutDir: input.checkoutDir, config: input.config, ...(models.size > 0 ? { plans: models } : {}) });

  // 1. The group, the source member and the difference.
  const report = parity.groups.find((g) => g.group.name === input.group);
  if (!report) {
    const known = parity.groups.map((g) => `\`${g.group.name}\``);
    throw new AlignInputError(`no parity group \`${input.group}\`: ${known.length > 0 ? `the repository's groups are ${known.join(", ")}` : `the repository has no parity group${parity.problems.length > 0 ? ` (${parity.problems[0]})` : ""}`}`);
  }
  const source = report.group.members.find((m) => m.id === input.to);
  if (!source) throw new AlignInputError(`\`${input.to}\` is not a member of group \`${input.group}\` (its members: ${report.group.members.map((m) => `\`${m.id}\``).join(", ")})`);
  const difference = pickDifference(report, input);
  const path = parseAttributePath(input.attribute);
  const sourcePlan = models.get(source.workspace);
  const chosen = sourceValueOf(difference, source, sourcePlan);
  if ("refused" in chosen) throw new AlignInputError(`cannot align to \`${source.id}\`: ${chosen.refused}`);
  const { value, origin } = chosen;
  if (isSecretItem({ sensitive: false, path, before: null, after: value }, input.masker)) {
    throw new AlignInputError(`cannot align to \`${source.id}\`: the repository's mask rules make \`${input.attribute}\` a secret, and driftback never writes a secret into code`);
  }

  // 2. Who needs an edit: the others whose code makes it something else, and the source when it drifted away from its code.
  const todo: { member: ParityMember; isSource: boolean }[] = [];
  const unchanged: Alignment["unchanged"] = [];
  for (const member of report.group.members) {
    const isSource = member.id === source.id;
    if (isSource && origin !== "live") continue;
    const already = alreadyDeclares(difference, member, models.get(member.workspace), value);
    if (already) unchanged.push({ member: member.id, why: already });
    else todo.push({ member, isSource });
  }

  // 3. Each member's edit, one after the other over the edits before it (two members may parameterize one module).
  const view = await loadRepoView(deps.parser, input.checkoutDir, input.config.workspaces.map((w) => ({ name: w.name, dir: w.dir, varFiles: w.var_files })));
  const overlay = new Map<string, string>();
  const originals = new Map<string, string>();
  const aligned: AlignedMember[] = [];
  const refused: Alignment["refused"] = [];
  const expectations: AlignExpectation[] = [];
  for (const { member, isSource } of todo) {
    const workspace = input.config.workspaces.find((w) => w.name === member.workspace);
    if (!workspace) {
      refused.push({ member: member.id, reason: `workspace \`${member.workspace}\` is not configured` });
      continue;
    }
    let code: WorkspaceCode;
    try {
      code = await WorkspaceCode.load(deps.parser, deps.toolchain, input.checkoutDir, workspace, view);
    } catch (error) {
      refused.push({ member: member.id, reason: `its code could not be read: ${(error as Error).message}` });
      continue;
    }
    const ws = code.ws;
    for (const file of ws.files()) if (!originals.has(file)) originals.set(file, ws.source(file));
    for (const [file, text] of overlay) if (ws.has(file)) ws.update(file, text);
    const planJson = input.plans?.get(member.workspace);
    const planned = plannedVariablesIn(planJson);
    if (planned) ws.planned = planned;
    const before = new Map(ws.files().map((file) => [file, ws.source(file)]));
    const outcome =
      difference.kind === "declared" && difference.resource === "var"
        ? await alignRootVariable(deps, ws, member, path, value)
        : isModuleInput(difference)
          ? await alignInput(deps, ws, member, difference, path, value)
          : await alignAttribute(deps, ws, member, difference, path, value, models.get(member.workspace));
    if ("refused" in outcome) {
      // reasons and placements quote code and values: scrubbed by the mask rules like everything driftback prints
      refused.push({ member: member.id, reason: input.masker.scrubText(outcome.refused) });
      continue;
    }
    if ("unchanged" in outcome) {
      unchanged.push({ member: member.id, why: outcome.unchanged });
      continue;
    }
    const files = ws.files().filter((file) => ws.source(file) !== before.get(file));
    for (const file of files) overlay.set(file, ws.source(file));
    aligned.push({ member: member.id, workspace: member.workspace, files, via: input.masker.scrubText(outcome.via), ...(isSource ? { source: true as const } : {}) });
    expectations.push(
      isModuleInput(difference) || (difference.kind === "declared" && difference.resource === "var")
        ? { member: member.id, workspace: member.workspace, kind: "input", instance: instancePath(callsOf(member, input.resource) ?? member.modules) }
        : { member: member.id, workspace: member.workspace, kind: "attribute", address: fullAddress(member, input.resource), path, value },
    );
  }

  const files = new Map([...overlay].filter(([file, text]) => originals.get(file) !== text).sort(([a], [b]) => (a < b ? -1 : 1)));
  const diffs = [...files].map(([file, text]) => ({ path: file, diff: createTwoFilesPatch(`a/${file}`, `b/${file}`, originals.get(file) ?? "", text, undefined, undefined, { context: 3 }) }));
  const key = `align:${input.group}:${input.resource}:${input.attribute}:${source.id}`;
  return {
    group: input.group,
    resource: input.resource,
    attribute: input.attribute,
    to: source.id,
    value,
    origin,
    aligned,
    unchanged,
    refused,
    files,
    originals: new Map([...files.keys()].map((file) => [file, originals.get(file) ?? ""])),
    diffs,
    expectations,
    readers: [...new Set([...files.keys()].flatMap((file) => view.readersOf(file)))].sort(),
    key,
    branch: `driftback/align/${slug(input.group)}/${slug(`${input.resource}-${input.attribute}-to-${source.id}`)}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`,
    title: `Align ${input.attribute ? `\`${input.attribute}\` of ` : ""}\`${input.resource}\` to ${source.id} in parity group ${input.group}`,
  };
}

/** The difference asked for; a live one the source drifted in wins over a declared one of the same name. */
function pickDifference(report: GroupReport, input: Pick<AlignInput, "group" | "resource" | "attribute" | "to">): ParityDifference {
  const matching = report.differences.filter((d) => d.resource === input.resource && d.attribute === input.attribute);
  const drifted = matching.find((d) => d.kind === "live" && d.cause === "drift" && (d.drift ?? []).some((x) => x.member === input.to));
  const found = drifted ?? matching.find((d) => d.kind === "declared") ?? matching[0];
  if (found) return found;
  const listed = report.differences.slice(0, 12).map((d) => `${d.kind} \`${d.resource}\` \`${d.attribute}\``);
  const more = report.differences.length > 12 ? ` and ${report.differences.length - 12} more` : "";
  throw new AlignInputError(
    `group \`${input.group}\` has no difference at \`${input.resource}\` \`${input.attribute}\`: ${listed.length > 0 ? `its differences are ${listed.join(", ")}${more}` : "its members do not differ"}${report.unknown.length > 0 ? ` (unknown: ${report.unknown.map((u) => `\`${u.member}\``).join(", ")}; a live difference needs each member's --plan-json)` : ""}`,
  );
}

/** Why a member needs no edit (its code already makes the attribute the value), or undefined. */
function alreadyDeclares(difference: ParityDifference, member: ParityMember, plan: PlanModel | undefined, value: JsonValue): string | undefined {
  if (difference.kind === "declared") {
    const mine = difference.values[member.id];
    return mine && sameMemberValue(mine, { value }) ? "its code already declares the value" : undefined;
  }
  if (!plan) return undefined;
  const planned = plannedAt(member, plan, difference.resource, parseAttributePath(difference.attribute));
  if ("refused" in planned || !sameValue(planned.value, value)) return undefined;
  const live = difference.values[member.id];
  return live && sameMemberValue(live, { value }) ? "it already has the value" : "its code already makes it the value: applying its plan aligns it";
}

type Outcome = { via: string } | { unchanged: string } | { refused: string };

/** A resource attribute: codify, as if the member's attribute had drifted to the value. */
async function alignAttribute(deps: AlignDeps, ws: HclWorkspace, member: ParityMember, difference: ParityDifference, path: PathStep[], value: JsonValue, plan: PlanModel | undefined): Promise<Outcome> {
  const change = plan ? changeOf(member, plan, difference.resource) : undefined;
  const current = change ? (change.after ?? change.before ?? null) : null;
  const target: DriftTarget = {
    address: change?.address ?? fullAddress(member, difference.resource),
    path,
    live: value,
    // what the member's resource would be with the value: the engine writes from it where the code does not set the attribute yet
    liveResource: withValue(current, path, value),
    recordedResource: change?.before ?? current,
    sensitive: false,
    managed: true,
  };
  const [result] = await codifyDrift({ toolchain: deps.toolchain }, ws, [target]);
  if (!result) return { refused: "the codify engine gave no answer" };
  if (result.status === "refused") return { refused: result.reason };
  if (result.status === "up-to-date") return { unchanged: "its code already declares the value" };
  return { via: result.via };
}

/** A module input: set in the member's own call, or where only it sets the call's argument. */
async function alignInput(deps: AlignDeps, ws: HclWorkspace, member: ParityMember, difference: ParityDifference, path: PathStep[], value: JsonValue): Promise<Outcome> {
  const modules = callsOf(member, difference.resource);
  if (!modules) return { refused: `\`${difference.resource}\` is not a module call driftback can follow` };
  const target = { workspace: member.workspace, modules, path, value };
  if (sameValue(declaredInput(ws, target), value)) return { unchanged: "its code already declares the value" };
  const resolution = placeInput(ws, target);
  if (resolution.kind === "refused") return { refused: resolution.reason };
  return writeResolution(deps, ws, resolution, value, () => sameValue(declaredInput(ws, target), value));
}

/** A root variable of a whole workspace (a configured group): where this workspace alone sets it. */
async function alignRootVariable(deps: AlignDeps, ws: HclWorkspace, member: ParityMember, path: PathStep[], value: JsonValue): Promise<Outcome> {
  if (sameValue(declaredRootVariable(ws, path), value)) return { unchanged: "its code already declares the value" };
  const resolution = placeRootVariable(ws, { workspace: member.workspace, path, value });
  if (resolution.kind === "refused") return { refused: resolution.reason };
  return writeResolution(deps, ws, resolution, value, () => sameValue(declaredRootVariable(ws, path), value));
}

/** The calls a module input names: the member's own instance path for a module group, the root call for a whole workspace. */
function callsOf(member: ParityMember, resource: string): { name: string; key?: string | number }[] | undefined {
  if (member.modules.length > 0) return member.modules;
  const names = resource.split(".").filter((_, i) => i % 2 === 1);
  return names.length > 0 ? names.map((name) => ({ name })) : undefined;
}

/** Edits, keeps formatted files formatted, checks terraform's parser and reads the value back; all or nothing. */
async function writeResolution(deps: AlignDeps, ws: HclWorkspace, resolution: Exclude<Resolution, { kind: "refused" }>, value: JsonValue, readBack: () => boolean): Promise<Outcome> {
  const plans = planEdits(ws, resolution, value);
  if ("refused" in plans) return { refused: plans.refused };
  const linked = plans.find((plan) => ws.linked.has(plan.file));
  if (linked) return { refused: `\`${linked.file}\` is reached through a symbolic link: driftback does not edit it` };
  const originals = new Map(plans.map((plan) => [plan.file, ws.source(plan.file)]));
  const outputs = new Map<string, string>();
  for (const plan of plans) {
    const original = originals.get(plan.file)!;
    const edited = applyEdits(original, plan.edits);
    const wasFormatted = !plan.file.endsWith(".json") && (await deps.toolchain.format(original)) === original;
    const output = wasFormatted ? await deps.toolchain.format(edited) : edited;
    const invalid = await deps.toolchain.validate(plan.file, output);
    if (invalid) return { refused: `the edit did not pass driftback's checks (terraform's parser rejects the result: ${invalid}), so it was not made` };
    outputs.set(plan.file, output);
  }
  for (const [file, output] of outputs) ws.update(file, output);
  if (!readBack()) {
    for (const [file, original] of originals) ws.update(file, original);
    return { refused: "the edit did not pass driftback's checks (reading the input back does not give the value), so it was not made" };
  }
  return { via: resolution.via };
}

/** `value` with `set` at `path`, objects created on the way; a list index past the end leaves the value as it is. */
function withValue(value: JsonValue, path: readonly PathStep[], set: JsonValue): JsonValue {
  if (path.length === 0) return set;
  const [step, ...rest] = path;
  if (Array.isArray(value) && typeof step === "number") return step < value.length ? value.map((v, i) => (i === step ? withValue(v, rest, set) : v)) : value;
  const object = value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  return { ...object, [String(step)]: withValue(object[String(step)] ?? null, rest, set) };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "x";
}
