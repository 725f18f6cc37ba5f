import type { Node } from "web-tree-sitter";
import type { JsonValue, PathStep } from "../plan/model.js";
import { evaluateExpression, objectElements, objectKey } from "../hcl/evaluate.js";
import { winningJsonAssignment } from "../hcl/json-var-file.js";
import { attributeExpression, blockBody, collectionOf, findAttribute } from "../hcl/syntax.js";
import type { HclWorkspace, Located } from "../hcl/workspace.js";
import { known, markSensitive, materialize, pick, unknown, type Declared } from "./declared-value.js";

/**
 * What an expression of one workspace's code evaluates to, from the HCL alone (no plan): literals, and
 * references followed the way terraform would — root variables to the winning var file or their default,
 * module variables to the calling module's argument or their default, locals to their expression, and
 * `each` of a module call whose for_each the code gives. Anything else is unknown, with what it is.
 */
export interface Chain {
  ws: HclWorkspace;
  /** Module dirs from the root down: `dirs[k + 1]` is called from `dirs[k]` by `calls[k]`. */
  dirs: string[];
  calls: { name: string; block: Located; key?: string | number }[];
}

/** Where an expression is written: a module depth, and the module call whose `each` it may read. */
interface Frame {
  depth: number;
  eachOf?: number;
  /** Var files and variable defaults: terraform allows no references there. */
  literalOnly?: boolean;
  /** Locals and variables being followed, so a cycle ends as unknown rather than forever. */
  following: ReadonlySet<string>;
}

export function resolveIn(chain: Chain, depth: number, node: Node, eachOf?: number): Declared {
  return resolve(chain, { depth, following: new Set(), ...(eachOf !== undefined ? { eachOf } : {}) }, node);
}

/** The value of `var.<name>` in the module at `depth`, as a reference to it there would read it. */
export function variableValue(chain: Chain, depth: number, name: string): Declared {
  return variable(chain, { depth, following: new Set() }, name);
}

/** What `each` means in the arguments of `calls[callIndex]`: that call's instance, when it has for_each. */
export function eachOfCall(chain: Chain, callIndex: number): number | undefined {
  const call = chain.calls[callIndex];
  return call && findAttribute(blockBody(call.block.node), "for_each") ? callIndex : undefined;
}

function resolve(chain: Chain, frame: Frame, node: Node): Declared {
  const object = collectionOf(node, "object");
  if (object) {
    const entries = new Map<string, Declared>();
    for (const element of objectElements(object)) {
      const key = objectKey(element.key);
      if (key === undefined) return unknown("an object with a computed key");
      entries.set(key, resolve(chain, frame, element.value));
    }
    return { kind: "object", entries };
  }
  const tuple = collectionOf(node, "tuple");
  if (tuple) {
    // lists compare whole: one unknown element makes the list unknown
    const values: JsonValue[] = [];
    let sensitive = false;
    for (const item of tuple.namedChildren.filter((c): c is Node => c?.type === "expression")) {
      const whole = materialize(resolve(chain, frame, item));
      if ("unknown" in whole) return unknown(whole.unknown);
      values.push(whole.value);
      sensitive ||= whole.sensitive;
    }
    return known(values, sensitive);
  }
  const source = evaluateExpression(node);
  switch (source.kind) {
    case "literal":
      return known(source.value);
    case "variable":
      if (frame.literalOnly) return unknown(`a reference to \`var.${source.name}\` where terraform allows none`);
      return pick(variable(chain, frame, source.name), source.path, `\`var.${source.name}\``);
    case "local":
      if (frame.literalOnly) return unknown(`a reference to \`local.${source.name}\` where terraform allows none`);
      return pick(local(chain, frame, source.name), source.path, `\`local.${source.name}\``);
    case "each":
      return each(chain, frame, source.path);
    case "expression":
      return unknown(source.description);
  }
}

function variable(chain: Chain, frame: Frame, name: string): Declared {
  const { ws } = chain;
  const dir = chain.dirs[frame.depth]!;
  const id = `${frame.depth}|var.${name}`;
  if (frame.following.has(id)) return unknown(`\`var.${name}\` refers to itself`);
  const following = new Set(frame.following).add(id);
  const declaration = ws.findBlock(dir, "variable", name);
  if (!declaration) return unknown(`\`var.${name}\` is not declared in \`${dir}\``);
  const sensitive = isSensitive(declaration.node);
  const mark = (value: Declared) => (sensitive ? markSensitive(value) : value);
  const fallback = findAttribute(blockBody(declaration.node), "default");
  const byDefault = () => mark(resolve(chain, { depth: frame.depth, following, literalOnly: true }, attributeExpression(fallback!)));
  if (frame.depth === 0) {
    const json = winningJsonAssignment(ws, name);
    if (json && "refused" in json) return unknown(json.refused);
    if (json) return mark(known(json.value));
    const [assignment] = ws.variableAssignments(name);
    if (assignment) return mark(resolve(chain, { depth: 0, following, literalOnly: true }, attributeExpression(assignment.node)));
    if (fallback) return byDefault();
    return unknown(`\`var.${name}\` has no value in the var files nor a default (it may come from TF_VAR_${name} or -var)`);
  }
  const call = chain.calls[frame.depth - 1]!;
  const argument = findAttribute(blockBody(call.block.node), name);
  if (argument) return mark(resolve(chain, { depth: frame.depth - 1, following, ...eachFrame(chain, frame.depth - 1) }, attributeExpression(argument)));
  if (fallback) return byDefault();
  return unknown(`\`module.${call.name}\` does not set \`${name}\`, and the module's variable has no default`);
}

function eachFrame(chain: Chain, callIndex: number): { eachOf?: number } {
  const eachOf = eachOfCall(chain, callIndex);
  return eachOf === undefined ? {} : { eachOf };
}

function local(chain: Chain, frame: Frame, name: string): Declared {
  const dir = chain.dirs[frame.depth]!;
  const id = `${frame.depth}|local.${name}`;
  if (frame.following.has(id)) return unknown(`\`local.${name}\` refers to itself`);
  const found = chain.ws.findLocal(dir, name);
  if (!found) return unknown(`\`local.${name}\` is not defined in \`${dir}\``);
  // a local is evaluated once per module instance: it cannot read `each`
  return resolve(chain, { depth: frame.depth, following: new Set(frame.following).add(id) }, attributeExpression(found.node));
}

function each(chain: Chain, frame: Frame, path: PathStep[]): Declared {
  const shown = `\`each.${path.join(".")}\``;
  const call = frame.eachOf === undefined ? undefined : chain.calls[frame.eachOf];
  if (frame.eachOf === undefined || !call) return unknown(`${shown} outside a module call with for_each: which instance it is, the code alone does not say`);
  if (call.key === undefined) return unknown(`${shown}: \`module.${call.name}\` has for_each, and this member names no instance key`);
  if (path[0] === "key" && path.length === 1) return known(call.key);
  if (path[0] !== "value") return unknown(`${shown} is not something the code alone gives`);
  const forEach = findAttribute(blockBody(call.block.node), "for_each")!;
  const collection = resolve(chain, { depth: frame.eachOf, following: frame.following }, attributeExpression(forEach));
  if (collection.kind === "unknown") return unknown(`the for_each of \`module.${call.name}\` is not a map the code gives (${collection.reason})`);
  if (collection.kind === "value" && (collection.value === null || typeof collection.value !== "object" || Array.isArray(collection.value))) {
    return unknown(`the for_each of \`module.${call.name}\` is not a map`);
  }
  return pick(collection, [call.key, ...path.slice(1)], `the for_each of \`module.${call.name}\``);
}

function isSensitive(variableBlock: Node): boolean {
  const attribute = findAttribute(blockBody(variableBlock), "sensitive");
  const value = attribute ? evaluateExpression(attributeExpression(attribute)) : undefined;
  return value?.kind === "literal" && value.value === true;
}

/** Whether a variable of a module dir is declared `sensitive = true`. */
export function variableIsSensitive(ws: HclWorkspace, dir: string, name: string): boolean {
  const declaration = ws.findBlock(dir, "variable", name);
  return declaration !== undefined && isSensitive(declaration.node);
}
