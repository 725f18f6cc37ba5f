import type { Node } from "web-tree-sitter";
import type { JsonValue, PathStep } from "../plan/model.js";
import { isObjectList, pairElements } from "../drift/pairing.js";
import { deepEqual } from "../render/values.js";
import { formatAttributePath, parseResourceAddress, type ResourceAddress } from "./address.js";
import { evaluateExpression, objectElements, objectKey } from "./evaluate.js";
import { literalAttributes } from "./blocks.js";
import { liftDefault, liftInput, othersAt, parameterizeAbsent, parameterizeLiteral, setIn, type LiftChange, type LiftContext, type Lifted } from "./lift.js";
import { winningJsonAssignment } from "./json-var-file.js";
import { resolveJsonAssignment } from "./json-var-resolve.js";
import { attributeExpression, blockBody, bodyBlocks, dynamicBlocks, findAttribute } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";

/** One drifted attribute to write back: where it is, and what is really running. */
export interface DriftTarget {
  address: string;
  path: PathStep[];
  /** The live value at `path`. */
  live: JsonValue;
  /** The whole live object of the resource, for attributes the code does not set yet. */
  liveResource: JsonValue;
  /** The whole recorded (state) object, to tell which nested block an index points at. */
  recordedResource: JsonValue;
  sensitive: boolean;
  /**
   * The configuration manages it (the planned change sets it back, or relevant_attributes names
   * it), even where the code leaves it out: adding it to the code is then right.
   */
  managed: boolean;
}

/** Where the value that must change lives in the code, or why driftback will not touch it. */
export type Resolution =
  | { kind: "literal"; file: string; expression: Node; steps: PathStep[]; via: string }
  | { kind: "absent"; file: string; block: Node; name: string; value: JsonValue; via: string }
  | { kind: "blocks"; file: string; block: Node; type: string; live: JsonValue; via: string }
  /** The value's own code is evaluated by others too: written at the first level that is the drifted instance's alone (see lift.ts). */
  | { kind: "lifted"; file: string; changes: LiftChange[]; via: string }
  /** A root variable set in a `.tfvars.json` var file: only that value's text changes (json-var-file.ts). */
  | { kind: "json"; file: string; name: string; steps: PathStep[]; via: string }
  | { kind: "refused"; reason: string };

/** Attributes providers compute; writing them into code would be wrong even when they drift. */
const COMPUTED_ONLY = new Set(["id", "arn", "tags_all", "owner_id", "unique_id", "self_link", "etag", "creation_date", "created_at", "updated_at", "last_modified"]);

interface Context {
  ws: HclWorkspace;
  target: DriftTarget;
  address: ResourceAddress;
  /** Module dirs from the root down to the resource's module. */
  dirs: string[];
  /** Where `each.*` resolves: the for_each block and the instance key, per module depth. */
  instance?: { file: string; block: Node; key: string | number; dirDepth: number };
  viaEach: boolean;
  /** Told each root variable the value is followed through (the plan's `variables` check, planned-inputs.ts). */
  onRootVariable?: (name: string) => void;
}

const refused = (reason: string): Resolution => ({ kind: "refused", reason });

export function resolveTarget(ws: HclWorkspace, target: DriftTarget, onRootVariable?: (name: string) => void): Resolution {
  const where = `\`${target.address}\` \`${formatAttributePath(target.path)}\``;
  if (target.sensitive) return refused(`${where} is sensitive: driftback never writes a secret into code. Store it in your secret manager and reference it instead.`);
  const address = parseResourceAddress(target.address);
  if (!address) return refused(`\`${target.address}\` is not a resource address driftback can read.`);
  if (address.mode === "data") return refused(`\`${target.address}\` is a data source: it has no configuration to codify.`);

  const dirs = [ws.rootDir];
  for (const module of address.modules) {
    const dir = dirs.at(-1)!;
    const call = ws.moduleCalls(dir).find((c) => c.name === module.name);
    if (!call) return refused(`\`module.${module.name}\` is not declared in \`${dir}\`.`);
    if (!call.dir) return refused(`\`module.${module.name}\` comes from \`${call.source}\`, not from this repository: change it where that module is published, or pass the value in as an input.`);
    dirs.push(call.dir);
  }
  const resource = ws.findResource(dirs.at(-1)!, address.type, address.name);
  if (!resource) return refused(`no \`resource "${address.type}" "${address.name}"\` block in \`${dirs.at(-1)}\`.`);
  if (ws.hasSyntaxError(resource.file)) return refused(`\`${resource.file}\` does not parse, so driftback will not edit it.`);

  const ctx: Context = { ws, target, address, dirs, viaEach: false, ...(onRootVariable ? { onRootVariable } : {}) };
  if (address.key !== undefined) ctx.instance = { file: resource.file, block: resource.node, key: address.key, dirDepth: dirs.length - 1 };
  return inBody(ctx, resource.file, resource.node, target.path, target.liveResource, target.recordedResource, "the resource block");
}

function inBody(ctx: Context, file: string, block: Node, steps: PathStep[], live: JsonValue, recorded: JsonValue, via: string): Resolution {
  const [name, ...rest] = steps;
  const path = formatAttributePath(ctx.target.path);
  if (typeof name !== "string") return refused(`\`${path}\` does not start with an attribute name.`);
  const body = blockBody(block);
  const attribute = findAttribute(body, name);
  if (attribute) return inExpression(ctx, file, attributeExpression(attribute), rest, via, ctx.dirs.length - 1);
  if (dynamicBlocks(body, name).length > 0) {
    return refused(`\`${name}\` is generated by a \`dynamic "${name}"\` block: its content comes from an expression, so driftback will not rewrite it.`);
  }
  const blocks = bodyBlocks(body, name);
  const liveHere = pick(live, name);
  if (blocks.length > 0 || (rest.length === 0 && Array.isArray(liveHere) && liveHere.some(isObject) && ctx.target.managed)) {
    if (rest.length === 0) {
      if (ctx.instance && !ctx.viaEach) return sharedByInstances(ctx);
      const shared = othersAt(lift(ctx), file, ctx.dirs.length - 1);
      if (shared) return refused(`\`${path}\` is a set of nested blocks in code that is shared: ${shared}. driftback does not turn blocks into a \`dynamic\` block; revert it, or give the module an input for it.`);
      return { kind: "blocks", file, block, type: name, live: liveHere ?? [], via };
    }
    const [index, ...inner] = rest;
    const liveElement = typeof index === "number" ? elementAt(liveHere, index) : null;
    const recordedElement = typeof index === "number" ? counterpartElement(liveHere, pick(recorded, name), index) : null;
    const chosen = chooseBlock(blocks, index, liveHere, recordedElement, liveElement);
    if (typeof chosen === "string") return refused(chosen.replace("$NAME", name).replace("$PATH", path));
    return inBody(ctx, file, chosen, inner, liveElement, recordedElement, `the \`${name}\` block`);
  }
  if (name === "tags_all") return refused("`tags_all` is computed by the provider (its default_tags merged with `tags`): driftback codifies `tags`, never `tags_all`.");
  if (COMPUTED_ONLY.has(name)) return refused(`\`${name}\` is computed by the provider; it cannot be set in code.`);
  if (!ctx.target.managed) {
    return refused(`\`${path}\` is not set in the code, and the plan does not show terraform setting it back (no planned change does, and relevant_attributes does not name it): it is probably computed by the provider.`);
  }
  if (ctx.instance && !ctx.viaEach) return sharedByInstances(ctx);
  const depth = ctx.dirs.length - 1;
  const shared = othersAt(lift(ctx), file, depth);
  if (shared) return lifted(parameterizeAbsent(lift(ctx), depth, file, block, name, liveHere ?? null, shared));
  return { kind: "absent", file, block, name, value: liveHere ?? null, via };
}

function inExpression(ctx: Context, file: string, expression: Node, steps: PathStep[], via: string, depth: number): Resolution {
  // walk literal objects and tuples structurally, so a sibling expression elsewhere does not matter
  let node = expression;
  let remaining = steps;
  while (remaining.length > 0) {
    const collection = collectionOf(node);
    if (!collection) break;
    const [step, ...rest] = remaining;
    if (collection.type === "object") {
      const element = objectElements(collection).find((e) => objectKey(e.key) === String(step));
      if (!element) break; // a missing key: added by the edit
      node = element.value;
    } else {
      const items = collection.namedChildren.filter((c): c is Node => c?.type === "expression");
      if (typeof step !== "number" || !items[step]) break;
      node = items[step]!;
    }
    remaining = rest;
  }
  const path = formatAttributePath(ctx.target.path);
  const object = collectionOf(node);
  if (remaining.length > 0 && object?.type === "object" && typeof remaining[0] === "string") {
    // a key the code's map does not have yet: adding it leaves the other keys' expressions alone
    if (objectElements(object).some((e) => objectKey(e.key) === undefined)) {
      return refused(`\`${path}\` would be a new key in a map with computed keys in ${via}: driftback cannot tell whether one of them is already \`${String(remaining[0])}\`.`);
    }
    if (ctx.instance && !ctx.viaEach && depth >= ctx.instance.dirDepth) return sharedByInstances(ctx);
    return placed(ctx, { kind: "literal", file, expression: node, steps: remaining, via }, depth);
  }
  const source = evaluateExpression(node);
  switch (source.kind) {
    case "literal":
      if (remaining.length > 0 && !collectionOf(node)) return refused(`\`${path}\` points inside \`${shorten(node.text)}\`, which is not a map or list.`);
      if (ctx.instance && !ctx.viaEach && depth >= ctx.instance.dirDepth) return sharedByInstances(ctx);
      return placed(ctx, { kind: "literal", file, expression: node, steps: remaining, via }, depth);
    case "variable":
      return followVariable(ctx, source.name, [...source.path, ...remaining], depth);
    case "local":
      return followLocal(ctx, source.name, [...source.path, ...remaining], depth);
    case "each":
      return followEach(ctx, source.path, remaining, depth);
    case "expression": {
      // merge({ … }, var.x): the last argument wins a key, and driftback writes keys there (see lift.ts)
      const overrides = remaining.length > 0 ? mergeOverrides(node) : undefined;
      if (overrides) return followVariable(ctx, overrides, remaining, depth);
      // lookup(each.value, "x", default): the entry's own key, which driftback adds when it is missing (see lift.ts)
      const entryKey = lookupInEach(node);
      if (entryKey !== undefined) return followEach(ctx, ["value", entryKey], remaining, depth);
      return refused(`\`${path}\` is set by ${source.description} in ${via}; driftback only rewrites literal values. Change the inputs of that expression instead.`);
    }
  }
}

function followVariable(ctx: Context, name: string, steps: PathStep[], depth: number): Resolution {
  const { ws } = ctx;
  const dir = ctx.dirs[depth]!;
  // a count/for_each instance reading a variable: wherever its value is set, it is set for every instance
  if (ctx.instance && !ctx.viaEach) return sharedByInstances(ctx);
  if (depth === 0) ctx.onRootVariable?.(name);
  if (ws.countReferences(dir, "var", name) > 1) return sharedReference(ctx, `var.${name}`, dir);
  if (depth === 0) {
    // a .tfvars.json var file that outranks every HCL one holds the value terraform uses
    const json = winningJsonAssignment(ws, name);
    if (json && "file" in json && ctx.instance && !ctx.viaEach && ctx.instance.dirDepth === 0) return sharedByInstances(ctx);
    if (json) return resolveJsonAssignment(lift(ctx), json, steps, ctx.target.live);
    const [assignment] = ws.variableAssignments(name);
    if (assignment) {
      const shared = othersAt(lift(ctx), assignment.file, 0);
      // a var file other workspaces read too: this workspace's own var file overrides it
      if (shared) return liftAssignment(ctx, name, attributeExpression(assignment.node), steps, shared);
      return inExpression(ctx, assignment.file, attributeExpression(assignment.node), steps, `\`${name}\` in \`${assignment.file}\``, depth);
    }
  } else {
    const call = ws.findBlock(ctx.dirs[depth - 1]!, "module", ctx.address.modules[depth - 1]!.name);
    const argument = call && findAttribute(blockBody(call.node), name);
    if (call && argument) {
      const key = ctx.address.modules[depth - 1]!.key;
      const outer: Context = key === undefined ? ctx : { ...ctx, instance: { file: call.file, block: call.node, key, dirDepth: depth - 1 }, viaEach: false };
      return inExpression(outer, call.file, attributeExpression(argument), steps, `the \`${name}\` input of \`module.${ctx.address.modules[depth - 1]!.name}\``, depth - 1);
    }
  }
  const variable = ws.findBlock(dir, "variable", name);
  const fallback = variable && findAttribute(blockBody(variable.node), "default");
  if (variable && fallback) {
    const shared = othersAt(lift(ctx), variable.file, depth);
    // the module already has an input for it: the drifted caller sets that input, the default stays for the others
    if (shared) return lifted(liftDefault(lift(ctx), depth, name, attributeExpression(fallback), steps, ctx.target.live, shared));
    return inExpression(ctx, variable.file, attributeExpression(fallback), steps, `the default of \`var.${name}\``, depth);
  }
  return refused(`\`var.${name}\` has no value in the var files or as a default (it may come from TF_VAR_${name} or -var), so there is no code to change.`);
}

function followLocal(ctx: Context, name: string, steps: PathStep[], depth: number): Resolution {
  const dir = ctx.dirs[depth]!;
  if (ctx.ws.countReferences(dir, "local", name) > 1) return sharedReference(ctx, `local.${name}`, dir);
  const local = ctx.ws.findLocal(dir, name);
  if (!local) return refused(`\`local.${name}\` is not defined in \`${dir}\`.`);
  return inExpression(ctx, local.file, attributeExpression(local.node), steps, `\`local.${name}\``, depth);
}

function followEach(ctx: Context, path: PathStep[], steps: PathStep[], depth: number): Resolution {
  const instance = ctx.instance;
  if (!instance || instance.dirDepth !== depth) return refused("`each` is used outside a for_each block driftback can follow.");
  if (path[0] === "key") return refused("the value comes from `each.key`, the instance's identity: it cannot change without replacing the instance.");
  if (path[0] !== "value") return refused(`\`each.${path.join(".")}\` is not something driftback can follow.`);
  const forEach = findAttribute(blockBody(instance.block), "for_each");
  if (!forEach) return refused("the instance key does not come from a for_each argument.");
  return inExpression({ ...ctx, viaEach: true }, instance.file, attributeExpression(forEach), [instance.key, ...path.slice(1), ...steps], "the for_each collection", depth);
}

/** A literal where it was found, when that place is the drifted instance's own; else lifted to the first level that is. */
function placed(ctx: Context, resolution: Extract<Resolution, { kind: "literal" }>, depth: number): Resolution {
  const shared = othersAt(lift(ctx), resolution.file, depth);
  if (!shared) return resolution;
  if (!resolution.file.endsWith(".tf")) return refused(`${shared}, and driftback cannot tell which of this workspace's own files should override it.`);
  return lifted(parameterizeLiteral(lift(ctx), depth, resolution.file, resolution.expression, resolution.steps, ctx.target.live, shared));
}

function liftAssignment(ctx: Context, name: string, expression: Node, steps: PathStep[], shared: string): Resolution {
  const current = evaluateExpression(expression);
  const value = current.kind === "literal" ? setIn(current.value, steps, ctx.target.live) : undefined;
  if (current.kind !== "literal" || value === undefined) return refused(`${shared}, and its value for \`${name}\` is not a literal driftback can copy into this workspace's own var file.`);
  return lifted(liftInput(lift(ctx), 0, name, current.value, value, [], shared));
}

/** `merge(<anything>, var.x)`: the variable whose keys override the rest. */
function mergeOverrides(node: Node): string | undefined {
  let inner: Node | null = node;
  while (inner?.type === "expression" && inner.namedChildCount === 1) inner = inner.namedChild(0);
  if (inner?.type !== "function_call" || inner.namedChild(0)?.text !== "merge") return undefined;
  const args = inner.namedChildren.find((c) => c?.type === "function_arguments")?.namedChildren.filter((c): c is Node => c?.type === "expression") ?? [];
  const last = args.at(-1);
  const source = last ? evaluateExpression(last) : undefined;
  return args.length >= 2 && source?.kind === "variable" && source.path.length === 0 ? source.name : undefined;
}

/** `lookup(each.value, "x", …)`: the key of each.value it reads. */
function lookupInEach(node: Node): string | undefined {
  let inner: Node | null = node;
  while (inner?.type === "expression" && inner.namedChildCount === 1) inner = inner.namedChild(0);
  if (inner?.type !== "function_call" || inner.namedChild(0)?.text !== "lookup") return undefined;
  const args = inner.namedChildren.find((c) => c?.type === "function_arguments")?.namedChildren.filter((c): c is Node => c?.type === "expression") ?? [];
  if (args.length !== 3) return undefined;
  const map = evaluateExpression(args[0]!);
  const key = evaluateExpression(args[1]!);
  const readsEach = map.kind === "each" && map.path.length === 1 && map.path[0] === "value";
  return readsEach && key.kind === "literal" && typeof key.value === "string" ? key.value : undefined;
}

function lift(ctx: Context): LiftContext {
  return { ws: ctx.ws, address: ctx.address, dirs: ctx.dirs, targetPath: ctx.target.path };
}

function lifted(result: Lifted): Resolution {
  return result;
}

function sharedByInstances(ctx: Context): Resolution {
  return refused(
    `\`${ctx.target.address}\` is one of several instances made by count or for_each, and \`${formatAttributePath(ctx.target.path)}\` is written once for all of them: codifying this instance would change every instance. Move the value into the for_each collection to let instances differ.`,
  );
}

function sharedReference(ctx: Context, reference: string, dir: string): Resolution {
  return refused(`\`${formatAttributePath(ctx.target.path)}\` comes from \`${reference}\`, which is used more than once in \`${dir}\`: changing it would change the other uses too.`);
}

/**
 * The nested block a plan index points at. An index into a set means nothing (terraform orders
 * sets by content), so the block is found by content: the one whose literal attributes match the
 * recorded element, or else the live one (what the code says once codified: the read-back).
 */
function chooseBlock(blocks: Node[], index: PathStep | undefined, liveList: JsonValue, recorded: JsonValue, live: JsonValue): Node | string {
  if (typeof index !== "number") return blocks.length === 1 ? blocks[0]! : "`$PATH` does not say which `$NAME` block it means.";
  // a single nested block (root_block_device): nothing to choose from
  if (blocks.length === 1 && index === 0 && (!Array.isArray(liveList) || liveList.length <= 1)) return blocks[0]!;
  const holds = (element: JsonValue, key: string, value: JsonValue) => isObject(element) && deepEqual(element[key] ?? null, value, true);
  const tests: ((key: string, value: JsonValue) => boolean)[] = [
    (k, v) => holds(recorded, k, v),
    (k, v) => holds(live, k, v),
    // halfway: several attributes of one element are codified one at a time
    (k, v) => holds(recorded, k, v) || holds(live, k, v),
  ];
  const contents = blocks.map(literalAttributes);
  for (const test of tests) {
    const matches = blocks.filter((_, i) => {
      const entries = Object.entries(contents[i]!);
      return entries.length > 0 && entries.every(([k, v]) => test(k, v));
    });
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) return "more than one `$NAME` block in the code matches the one at `$PATH`, so driftback cannot tell which to change.";
  }
  return "no `$NAME` block in the code matches the one at `$PATH`, recorded or live, so driftback cannot tell which to change.";
}

function elementAt(list: JsonValue, index: number): JsonValue {
  return Array.isArray(list) ? (list[index] ?? null) : null;
}

/** The recorded element that the live element at `index` is (set elements are paired by content). */
function counterpartElement(liveList: JsonValue, recordedList: JsonValue, index: number): JsonValue {
  if (!isObjectList(liveList) || !isObjectList(recordedList)) return elementAt(recordedList, index);
  const j = pairElements(liveList, recordedList)[index];
  return j === undefined ? null : (recordedList[j] ?? null);
}

function collectionOf(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current?.type === "expression" && current.namedChildCount === 1) current = current.namedChild(0);
  if (current?.type !== "collection_value") return undefined;
  return current.namedChild(0) ?? undefined;
}

function pick(value: JsonValue | undefined, step: PathStep): JsonValue {
  if (value === null || value === undefined || typeof value !== "object") return null;
  return (value as Record<string, JsonValue>)[step as string] ?? null;
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 50 ? `${flat.slice(0, 47)}…` : flat;
}
