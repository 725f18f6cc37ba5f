import type { Node } from "web-tree-sitter";
import { isMarked, valueAt } from "../drift/evidence.js";
import { formatAttributePath, parseAttributePath } from "../hcl/address.js";
import { evaluateExpression, objectElements, objectKey } from "../hcl/evaluate.js";
import { winningJsonAssignment } from "../hcl/json-var-file.js";
import type { Resolution } from "../hcl/resolution.js";
import { attributeExpression, blockBody, collectionOf, findAttribute } from "../hcl/syntax.js";
import type { HclWorkspace } from "../hcl/workspace.js";
import type { JsonValue, PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { describeEvaluators } from "../repo/view.js";
import { deepEqual } from "../render/values.js";
import { followCalls } from "./declared-entries.js";
import { resolveIn, variableValue } from "./declared-resolve.js";
import { materialize, pick } from "./declared-value.js";
import { addressInside, instancePath, memberChanges } from "./instances.js";
import type { MemberValue, ParityDifference, ParityMember } from "./types.js";

/**
 * Environment parity §6, the pure half of an alignment: which value the other members get (the source member's
 * live value when it drifted, else what its code declares or plans), which members need an edit, and for a module
 * input the place in a member's own code that sets it. The use case (usecases/align.ts) runs the edits.
 */

/** Where the aligned value comes from. */
export type ValueOrigin = "live" | "planned" | "declared";

export type SourceValue = { value: JsonValue; origin: ValueOrigin } | { refused: string };

/** The source member's value for the difference, or why it cannot be written into anyone's code. */
export function sourceValueOf(difference: ParityDifference, source: ParityMember, plan: PlanModel | undefined): SourceValue {
  const shown = `\`${source.id}\``;
  const mine = difference.values[source.id];
  const drifted = difference.kind === "live" && difference.cause === "drift" && (difference.drift ?? []).some((d) => d.member === source.id);
  if (difference.kind === "declared" || drifted) {
    const origin: ValueOrigin = drifted ? "live" : "declared";
    return fromMemberValue(mine, shown, origin);
  }
  // a live difference the source did not drift in: what its code makes the attribute (its planned value)
  if (!plan) return { refused: `the value ${shown} plans comes from its plan: give \`--plan-json ${source.workspace}=<plan.json>\`` };
  const planned = plannedAt(source, plan, difference.resource, parseAttributePath(difference.attribute));
  if ("refused" in planned) return { refused: `${shown}: ${planned.refused}` };
  return { value: planned.value, origin: "planned" };
}

function fromMemberValue(value: MemberValue | undefined, shown: string, origin: ValueOrigin): SourceValue {
  if (!value) return { refused: `${shown} has no value for this difference` };
  if ("sensitive" in value) return { refused: `${shown}'s value is sensitive: driftback never writes a secret into code; set it from your secret store in each member` };
  if ("unknown" in value) return { refused: `${shown}'s value is unknown (${value.unknown}): there is nothing to copy` };
  if ("absent" in value) return { refused: `${shown} has no such attribute: aligning by removing it from the others is not something driftback does` };
  return { value: value.value, origin };
}

/** A member's planned value (its plan's `after`) of an attribute of a resource inside its instance. */
export function plannedAt(member: ParityMember, plan: PlanModel, resource: string, path: readonly PathStep[]): { value: JsonValue; change: ResourceChange } | { refused: string } {
  const change = changeOf(member, plan, resource);
  if (!change) return { refused: `its plan has no \`${resource}\`` };
  if (change.action === "delete") return { refused: `its plan deletes \`${change.address}\`` };
  if (isMarked(change.afterUnknown, path)) return { refused: `\`${formatAttributePath(path)}\` is known only after apply` };
  if (isMarked(change.afterSensitive, path)) return { refused: "the value is sensitive: driftback never writes a secret into code" };
  const value = valueAt(change.after, path);
  if (value === undefined) return { refused: `its plan has no \`${formatAttributePath(path)}\` on \`${change.address}\`` };
  return { value, change };
}

/** The member's resource change for an address inside its instance (the full address for a whole workspace). */
export function changeOf(member: ParityMember, plan: PlanModel, resource: string): ResourceChange | undefined {
  return memberChanges(member, plan).find((c) => addressInside(c.address, member.modules.length) === resource);
}

/** The full address of a resource of a member: its instance path, then the address inside it. */
export function fullAddress(member: ParityMember, resource: string): string {
  const prefix = instancePath(member.modules);
  return prefix ? `${prefix}.${resource}` : resource;
}

/** A difference at a module call's input (`module.shop` + `replicas`), as a module group's declared differences name them. */
export function isModuleInput(difference: Pick<ParityDifference, "kind" | "resource">): boolean {
  return difference.kind === "declared" && /^module\.[A-Za-z_][A-Za-z0-9_-]*(\.module\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(difference.resource);
}

export function sameValue(a: JsonValue | undefined, b: JsonValue): boolean {
  return a !== undefined && deepEqual(a, b, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Module inputs: the place in a member's own code that sets an input of its call

/** What a member's instance needs to set an input: the calls from its root (with keys) down to the group's module. */
export interface InputTarget {
  /** The member's workspace (scope.workspace of `ws`). */
  workspace: string;
  /** The calls down to the instance; `[]` for a whole workspace (then `call` names the root call). */
  modules: readonly { name: string; key?: string | number }[];
  /** The input's path: its name, then keys inside its value (`tags`, `Owner`). */
  path: PathStep[];
  value: JsonValue;
}

const refusedIn = (reason: string): Resolution => ({ kind: "refused", reason });

/**
 * Where the input `path[0]` of the member's innermost call is set, in code only this member evaluates: the call's
 * argument (a literal, or followed through the module's variables, locals and, at the root, the workspace's own
 * var file or a variable's default); an input the call does not set yet is added to the call. Shared code (a dir
 * another instance evaluates, a var file another workspace reads, a reference used more than once) is refused.
 */
export function placeInput(ws: HclWorkspace, target: InputTarget): Resolution {
  const followed = followCalls(ws, target.modules.map((m) => ({ name: m.name, ...(m.key !== undefined ? { key: m.key } : {}) })));
  if ("unknown" in followed) return refusedIn(followed.unknown);
  const { chain } = followed;
  const [name, ...rest] = target.path;
  if (typeof name !== "string") return refusedIn(`\`${formatAttributePath(target.path)}\` does not start with an input name`);
  const depth = chain.calls.length - 1;
  const call = chain.calls[depth]!;
  const shown = `\`module.${call.name}\``;
  if (findAttribute(blockBody(call.block.node), "for_each") || findAttribute(blockBody(call.block.node), "count")) {
    return refusedIn(`${shown} is called with count or for_each: its block sets \`${name}\` for every instance; move the value into the for_each collection by hand`);
  }
  const shared = othersAt(ws, target, chain.dirs[depth]!, depth, call.block.file);
  if (shared) return refusedIn(`the call ${shown} is in shared code (${shared}): driftback edits only this member's own code`);
  const argument = findAttribute(blockBody(call.block.node), name);
  if (!argument) {
    // the module's default for the rest of the value, with the aligned part set in it
    const whole = rest.length === 0 ? target.value : withValue(materializedDefault(ws, followed, name), rest, target.value);
    if (whole === undefined) return refusedIn(`${shown} does not set \`${name}\`, and its default is not a value driftback can copy with \`${formatAttributePath(rest)}\` changed`);
    return { kind: "absent", file: call.block.file, block: call.block.node, name, value: whole, via: `the \`${name}\` input of ${shown}, which it did not set (the module's default)` };
  }
  return inExpression(ws, target, chain.dirs, depth, call.block.file, attributeExpression(argument), rest, `the \`${name}\` input of ${shown}`, new Set());
}

function materializedDefault(ws: HclWorkspace, followed: Extract<ReturnType<typeof followCalls>, { chain: unknown }>, name: string): JsonValue | undefined {
  if (!followed.local) return undefined;
  const whole = materialize(variableValue(followed.chain, followed.chain.calls.length, name));
  return "unknown" in whole || whole.sensitive ? undefined : whole.value;
}

function withValue(value: JsonValue | undefined, steps: readonly PathStep[], set: JsonValue): JsonValue | undefined {
  if (steps.length === 0) return set;
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const [step, ...rest] = steps;
  const inner = withValue((value as Record<string, JsonValue>)[String(step)] ?? (rest.length === 0 ? null : {}), rest, set);
  return inner === undefined ? undefined : { ...value, [String(step)]: inner };
}

/** Who else evaluates a .tf file's dir (at `depth` of the member's call chain) or reads a var file; undefined when only this member does. */
function othersAt(ws: HclWorkspace, target: InputTarget, dir: string, depth: number, file: string): string | undefined {
  const scope = ws.scope;
  if (!scope) return "driftback was not given the repository's workspaces";
  if (!file.endsWith(".tf")) {
    const others = scope.view.othersReading(file, scope.workspace);
    return others ? `\`${file}\` is also read by ${others.map((w) => `\`${w}\``).join(", ")}` : undefined;
  }
  const others = scope.view.othersEvaluating(dir, { workspace: scope.workspace, modules: target.modules.slice(0, depth) });
  return others ? `\`${dir}\` is also evaluated by ${others.length > 0 ? describeEvaluators(others) : "callers driftback cannot list"}` : undefined;
}

function inExpression(ws: HclWorkspace, target: InputTarget, dirs: readonly string[], depth: number, file: string, expression: Node, steps: PathStep[], via: string, following: Set<string>): Resolution {
  let node = expression;
  let remaining = steps;
  while (remaining.length > 0) {
    const object = collectionOf(node, "object");
    if (!object) break;
    const element = objectElements(object).find((e) => objectKey(e.key) === String(remaining[0]));
    if (!element) {
      if (objectElements(object).some((e) => objectKey(e.key) === undefined)) return refusedIn(`${via} is a map with computed keys: driftback cannot tell whether one of them is already \`${String(remaining[0])}\``);
      break; // a new key: added by the edit
    }
    node = element.value;
    remaining = remaining.slice(1);
  }
  if (remaining.length > 0 && collectionOf(node, "object")) return { kind: "literal", file, expression: node, steps: remaining, via };
  const source = evaluateExpression(node);
  switch (source.kind) {
    case "literal":
      if (remaining.length > 0) return refusedIn(`${via} is \`${shorten(node.text)}\`, which has no place for \`${formatAttributePath(remaining)}\``);
      return { kind: "literal", file, expression: node, steps: [], via };
    case "variable":
      return followVariable(ws, target, dirs, depth, source.name, [...source.path, ...remaining], following);
    case "local": {
      const id = `${depth}|local.${source.name}`;
      if (following.has(id)) return refusedIn(`\`local.${source.name}\` refers to itself`);
      if (ws.countReferences(dirs[depth]!, "local", source.name) > 1) return refusedIn(`${via} comes from \`local.${source.name}\`, which is used more than once in \`${dirs[depth]}\`: changing it would change the other uses too`);
      const local = ws.findLocal(dirs[depth]!, source.name);
      if (!local) return refusedIn(`\`local.${source.name}\` is not defined in \`${dirs[depth]}\``);
      return inExpression(ws, target, dirs, depth, local.file, attributeExpression(local.node), [...source.path, ...remaining], `\`local.${source.name}\``, new Set(following).add(id));
    }
    case "each":
      return refusedIn(`${via} comes from \`each\`: the instance's for_each collection sets it; change that entry by hand`);
    case "expression":
      return refusedIn(`${via} is set by ${source.description}; driftback only rewrites literal values`);
  }
}

function followVariable(ws: HclWorkspace, target: InputTarget, dirs: readonly string[], depth: number, name: string, steps: PathStep[], following: Set<string>): Resolution {
  const dir = dirs[depth]!;
  const id = `${depth}|var.${name}`;
  if (following.has(id)) return refusedIn(`\`var.${name}\` refers to itself`);
  const next = new Set(following).add(id);
  if (ws.countReferences(dir, "var", name) > 1) return refusedIn(`the value comes from \`var.${name}\`, which is used more than once in \`${dir}\`: changing it would change the other uses too`);
  const declaration = ws.findBlock(dir, "variable", name);
  if (!declaration) return refusedIn(`\`var.${name}\` is not declared in \`${dir}\``);
  if (depth === 0) {
    const json = winningJsonAssignment(ws, name);
    if (json) return refusedIn(`\`var.${name}\` is set in a \`.tfvars.json\` file: align it there by hand`);
    const [assignment] = ws.variableAssignments(name);
    if (assignment) {
      const shared = othersAt(ws, target, dir, 0, assignment.file);
      if (shared) return refusedIn(`\`var.${name}\` is set in \`${assignment.file}\`, and ${shared}: driftback edits only this member's own files`);
      return inExpression(ws, target, dirs, 0, assignment.file, attributeExpression(assignment.node), steps, `\`${name}\` in \`${assignment.file}\``, next);
    }
  } else {
    // the module's variable: set by the call one level up (which this member alone evaluates, or the walk refuses there)
    const chainCall = target.modules[depth - 1]!;
    const call = ws.findBlock(dirs[depth - 1]!, "module", chainCall.name);
    const argument = call && findAttribute(blockBody(call.node), name);
    if (call && argument) {
      const shared = othersAt(ws, target, dirs[depth - 1]!, depth - 1, call.file);
      if (shared) return refusedIn(`\`var.${name}\` of \`${dir}\` is set by \`module.${chainCall.name}\`, in shared code (${shared})`);
      return inExpression(ws, target, dirs, depth - 1, call.file, attributeExpression(argument), steps, `the \`${name}\` input of \`module.${chainCall.name}\``, next);
    }
  }
  const fallback = findAttribute(blockBody(declaration.node), "default");
  if (!fallback) return refusedIn(`\`var.${name}\` has no value in the var files nor a default (it may come from TF_VAR_${name} or -var), so there is no code to change`);
  const shared = othersAt(ws, target, dir, depth, declaration.file);
  if (shared) return refusedIn(`the value is the default of \`var.${name}\` in \`${dir}\`, and ${shared}: driftback edits only this member's own code`);
  return inExpression(ws, target, dirs, depth, declaration.file, attributeExpression(fallback), steps, `the default of \`var.${name}\``, next);
}

/**
 * A root variable of a whole workspace (a configured group's `var` differences): its value where this workspace
 * alone sets it, the winning HCL var file only it reads, else the variable's default in its own root.
 */
export function placeRootVariable(ws: HclWorkspace, target: Pick<InputTarget, "workspace" | "path" | "value">): Resolution {
  const [name, ...rest] = target.path;
  if (typeof name !== "string") return refusedIn(`\`${formatAttributePath(target.path)}\` does not start with a variable name`);
  const full: InputTarget = { ...target, modules: [] };
  const dirs = [ws.rootDir];
  const declaration = ws.findBlock(ws.rootDir, "variable", name);
  if (!declaration) return refusedIn(`\`var.${name}\` is not declared in \`${ws.rootDir}\``);
  if (winningJsonAssignment(ws, name)) return refusedIn(`\`var.${name}\` is set in a \`.tfvars.json\` file: align it there by hand`);
  const [assignment] = ws.variableAssignments(name);
  if (assignment) {
    const shared = othersAt(ws, full, ws.rootDir, 0, assignment.file);
    if (shared) return refusedIn(`\`var.${name}\` is set in \`${assignment.file}\`, and ${shared}: driftback edits only this member's own files`);
    return inExpression(ws, full, dirs, 0, assignment.file, attributeExpression(assignment.node), rest, `\`${name}\` in \`${assignment.file}\``, new Set([`0|var.${name}`]));
  }
  const fallback = findAttribute(blockBody(declaration.node), "default");
  if (!fallback) return refusedIn(`\`var.${name}\` has no value in the var files nor a default (it may come from TF_VAR_${name} or -var), so there is no code to change`);
  const shared = othersAt(ws, full, ws.rootDir, 0, declaration.file);
  if (shared) return refusedIn(`the value is the default of \`var.${name}\`, and ${shared}: driftback edits only this member's own code`);
  return inExpression(ws, full, dirs, 0, declaration.file, attributeExpression(fallback), rest, `the default of \`var.${name}\``, new Set([`0|var.${name}`]));
}

/** A root variable's value as the (edited) code and var files give it. */
export function declaredRootVariable(ws: HclWorkspace, path: readonly PathStep[]): JsonValue | undefined {
  const [name, ...rest] = path;
  const whole = materialize(pick(variableValue({ ws, dirs: [ws.rootDir], calls: [] }, 0, String(name)), rest, `\`var.${String(name)}\``));
  return "unknown" in whole ? undefined : whole.value;
}

/** The input's value as the (edited) code declares it, to read an edit back; undefined when the code does not give it. */
export function declaredInput(ws: HclWorkspace, target: Pick<InputTarget, "modules" | "path">): JsonValue | undefined {
  const followed = followCalls(ws, target.modules.map((m) => ({ name: m.name, ...(m.key !== undefined ? { key: m.key } : {}) })));
  if ("unknown" in followed) return undefined;
  const [name, ...rest] = target.path;
  const depth = followed.chain.calls.length - 1;
  const argument = findAttribute(blockBody(followed.chain.calls[depth]!.block.node), String(name));
  const value = argument ? resolveIn(followed.chain, depth, attributeExpression(argument)) : variableValue(followed.chain, depth + 1, String(name));
  const whole = materialize(pick(value, rest, `\`${String(name)}\``));
  return "unknown" in whole ? undefined : whole.value;
}

function shorten(text: string): string {
  const line = text.split("\n")[0]!;
  return line.length > 40 ? `${line.slice(0, 37)}…` : line;
}
