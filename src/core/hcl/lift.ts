import path from "node:path";
import type { Node } from "web-tree-sitter";
import type { JsonValue, PathStep } from "../plan/model.js";
import { describeEvaluators } from "../repo/view.js";
import { formatAttributePath, type ResourceAddress } from "./address.js";
import { evaluateExpression, objectElements, objectKey } from "./evaluate.js";
import { jsonVariableNames } from "./json-var-file.js";
import { quoteHclString, renderHclValue } from "./render-value.js";
import { attributeExpression, blockBody, findAttribute, topLevelAttributes, collectionOf } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";
import { varFilePath } from "./var-files.js";

/**
 * Lifting: a value whose code is evaluated by more than the drifted instance (a shared module, a
 * root two workspaces plan, a var file several read) is written at the first level that belongs to
 * the drifted instance alone. A module input the caller does not set yet is set in the caller's
 * module block; a literal with no input is parameterized (a variable whose default is today's
 * literal, so every other caller keeps its value) and the live value passed from the drifted
 * caller only. Pure: it says what to change, edit.ts writes it.
 */

/** One change of a lifted codify, in the order it is described. */
export type LiftChange =
  /** Replace an expression's text (`"info"` -> `var.log_level`). */
  | { kind: "replace"; file: string; node: Node; text: string }
  /** Append a `variable` block to a file. */
  | { kind: "declare"; file: string; name: string; type: string; value: JsonValue; nullable: boolean; description: string }
  /** Add an argument to a block (a module call, or a resource getting `attr = var.x`). */
  | { kind: "argument"; file: string; block: Node; name: string; value: JsonValue; raw?: string }
  /** Add a key to an object constructor (a for_each entry). */
  | { kind: "entry"; file: string; node: Node; key: string; value: JsonValue }
  /** Add `name = value` at the end of a var file. */
  | { kind: "assign"; file: string; name: string; value: JsonValue };

export interface LiftContext {
  ws: HclWorkspace;
  address: ResourceAddress;
  /** Module dirs from the root down to the resource's module. */
  dirs: readonly string[];
  targetPath: readonly PathStep[];
}

export type Lifted = { kind: "lifted"; file: string; changes: LiftChange[]; via: string } | { kind: "refused"; reason: string };

/** Who else evaluates the place at `depth` (a .tf file) or reads `file` (a var file); undefined when it is the drifted instance's own. */
export function othersAt(lc: LiftContext, file: string, depth: number): string | undefined {
  const scope = lc.ws.scope;
  if (!file.endsWith(".tf")) {
    if (!scope) return undefined;
    const others = scope.view.othersReading(file, scope.workspace);
    return others ? `\`${file}\` is also read by ${others.map((w) => `\`${w}\``).join(", ")}` : undefined;
  }
  const dir = lc.dirs[depth]!;
  const rootOnly = onlyRootFiles(lc);
  if (rootOnly && depth > 0) return `${rootOnly} (\`${dir}\` is a module)`;
  if (!scope) return undefined;
  const others = scope.view.othersEvaluating(dir, { workspace: scope.workspace, modules: lc.address.modules.slice(0, depth) });
  return others ? `\`${dir}\` is also evaluated by ${others.length > 0 ? describeEvaluators(others) : "callers driftback cannot list"}` : undefined;
}

/** A literal in a place others evaluate: a variable takes its place (default: the literal), the drifted caller passes the live value. */
export function parameterizeLiteral(lc: LiftContext, depth: number, file: string, node: Node, steps: readonly PathStep[], live: JsonValue, shared: string): Lifted {
  const current = evaluateExpression(node);
  if (onlyRootFiles(lc)) return refused(shared.includes(onlyRootFiles(lc)!) ? `${shared}.` : `${shared}; ${onlyRootFiles(lc)}.`);
  const changes: LiftChange[] = [];
  const dir = lc.dirs[depth]!;
  const where = formatAttributePath(lc.targetPath);
  const [key] = steps;
  // a key the map does not have yet: merged over it, whatever its other values are
  if (steps.length === 1 && typeof key === "string" && isObjectExpression(node)) {
    const name = freeName(lc, depth, candidates(lc, "_overrides", 1));
    // typed by what it carries: map(string) for a string, any for an object (a map of objects)
    const type = hclType({ [key]: live });
    changes.push({ kind: "replace", file, node, text: `merge(${node.text}, var.${name})` });
    changes.push(declare(lc, depth, file, name, {}, false, `entries merged over ${formatAttributePath(lc.targetPath.slice(0, -1))} of ${lc.address.type}.${lc.address.name}; empty for every caller that keeps the module's map`, type));
    return liftInput(lc, depth, name, {}, { [key]: live }, changes, `${shared}: driftback merged the input \`${name}\` of \`${dir}\` over the module's map (empty by default, so every other caller keeps it)`);
  }
  if (current.kind !== "literal") return refused(`${shared}, and the value there is not a literal driftback can move into a variable`);
  if (steps.length === 0) {
    const name = freeName(lc, depth, candidates(lc, ""));
    changes.push({ kind: "replace", file, node, text: `var.${name}` });
    // a null literal stays possible for the other callers: such an input is nullable, typed from the live value
    const type = current.value === null ? hclType(live) : hclType(current.value);
    changes.push(declare(lc, depth, file, name, current.value, current.value === null, `${where} of ${lc.address.type}.${lc.address.name}; driftback moved the literal here so one caller can set its own value`, type));
    return liftInput(lc, depth, name, current.value, live, changes, `${shared}: driftback made it the input \`${name}\` of \`${dir}\` (default ${short(current.value)}, what every other caller keeps)`);
  }
  return refused(`${shared}, and \`${where}\` lies inside a literal driftback cannot parameterize (only a whole value or a map key).`);
}

/** A module input the drifted caller does not set: the caller sets it now; the module's default stays for everyone else. */
export function liftDefault(lc: LiftContext, depth: number, name: string, defaultNode: Node, steps: readonly PathStep[], live: JsonValue, shared: string): Lifted {
  const current = evaluateExpression(defaultNode);
  if (current.kind !== "literal") return refused(`${shared}, and the default of \`var.${name}\` is an expression, not a value driftback can copy to the caller`);
  const value = setIn(current.value, steps, live);
  if (value === undefined) return refused(`${shared}, and \`var.${name}\`'s default has no place for \`${formatAttributePath(steps)}\``);
  return liftInput(lc, depth, name, current.value, value, [], `${shared}: the input \`${name}\` is set by the drifted caller only`);
}

/** An attribute a module's resource does not set yet: the resource reads a new input (default null: unset for every other caller). */
export function parameterizeAbsent(lc: LiftContext, depth: number, file: string, block: Node, attribute: string, live: JsonValue, shared: string): Lifted {
  if (onlyRootFiles(lc)) return refused(shared.includes(onlyRootFiles(lc)!) ? `${shared}.` : `${shared}; ${onlyRootFiles(lc)}.`);
  const name = freeName(lc, depth, candidates(lc, ""));
  const changes: LiftChange[] = [
    { kind: "argument", file, block, name: attribute, value: null, raw: `var.${name}` },
    declare(lc, depth, file, name, null, true, `${attribute} of ${lc.address.type}.${lc.address.name}; null leaves it unset, as before`, hclType(live)),
  ];
  return liftInput(lc, depth, name, null, live, changes, `${shared}: driftback added the input \`${name}\` (default null, unset as before) and the drifted caller sets it`);
}

/**
 * Passes `value` into the module at `depth` as input `name` from its caller: in the caller's
 * module block when that is the drifted instance's own, else through a new input of the caller's
 * own module, level by level, up to the root (and from a root several workspaces share, into this
 * workspace's own var file).
 */
export function liftInput(lc: LiftContext, depth: number, name: string, oldValue: JsonValue, value: JsonValue, changes: LiftChange[], via: string): Lifted {
  if (depth === 0) {
    const varFile = ownVarFile(lc);
    if (!varFile) return refused(`${via}; but the root \`${lc.dirs[0]}\` is shared with other workspaces and this workspace names no \`-var-file\` of its own to set it in (add one to its \`var_files\`)`);
    changes.push({ kind: "assign", file: varFile, name, value });
    return { kind: "lifted", file: varFile, changes, via: `${via}, set in \`${varFile}\`` };
  }
  const module = lc.address.modules[depth - 1]!;
  const call = lc.ws.findBlock(lc.dirs[depth - 1]!, "module", module.name);
  if (!call) return refused(`\`module.${module.name}\` is not declared in \`${lc.dirs[depth - 1]}\`.`);
  if (findAttribute(blockBody(call.node), name)) return refused(`${via}; but \`module.${module.name}\` already has an argument \`${name}\` driftback did not expect`);
  const shared = othersAt(lc, call.file, depth - 1);
  if (module.key !== undefined) return liftIntoEntry(lc, depth, call, module, name, oldValue, value, changes, via, shared);
  if (!shared) {
    changes.push({ kind: "argument", file: call.file, block: call.node, name, value });
    return { kind: "lifted", file: call.file, changes, via: `${via}, in \`module.${module.name}\` (\`${call.file}\`)` };
  }
  if (onlyRootFiles(lc)) return refused(`${via}; but ${shared}.`);
  // the caller's own module is shared too: it gets an input of its own, passed on unchanged
  const outer = freeName(lc, depth - 1, [name, ...candidates(lc, "")]);
  changes.push({ kind: "argument", file: call.file, block: call.node, name, value: null, raw: `var.${outer}` });
  const inner = changes.find((c): c is Extract<LiftChange, { kind: "declare" }> => c.kind === "declare" && c.name === name);
  changes.push(declare(lc, depth - 1, call.file, outer, oldValue, oldValue === null, `passed to module.${module.name} as ${name}`, inner?.type ?? hclType(oldValue)));
  return liftInput(lc, depth - 1, outer, oldValue, value, changes, `${via}; ${shared}, so it is passed through its input \`${outer}\``);
}

/** Why only the root's own files may be edited (no repository view, or no verification to prove a module edit); undefined when modules may be. */
function onlyRootFiles(lc: LiftContext): string | undefined {
  const scope = lc.ws.scope;
  if (!scope) return "driftback was given a directory, not the repository's workspaces (`.github/driftback.yml`), so it cannot tell who else calls a module; it edits only the root's own files";
  return scope.rootOnly;
}

/**
 * A module called with for_each over a literal map of objects: the call reads the input from each
 * entry, `lookup(each.value, "<name>", <today's value>)`, and only the drifted entry gets the key,
 * so every other instance keeps today's value.
 */
function liftIntoEntry(
  lc: LiftContext,
  depth: number,
  call: { file: string; node: Node },
  module: { name: string; key?: string | number },
  name: string,
  oldValue: JsonValue,
  value: JsonValue,
  changes: LiftChange[],
  via: string,
  shared: string | undefined,
): Lifted {
  const cannot = (why: string) => refused(`${via}; but \`module.${module.name}\` is called with ${why}, so its module block sets the input for every instance: move the value into the for_each collection to let one instance differ`);
  if (typeof module.key !== "string") return cannot("count");
  if (shared) return cannot(`for_each in code that is shared too (${shared})`);
  const forEach = findAttribute(blockBody(call.node), "for_each");
  const collection = forEach ? collectionOf(attributeExpression(forEach), "object") : undefined;
  const entry = collection ? objectElements(collection).find((e) => objectKey(e.key) === module.key) : undefined;
  if (!entry || !collectionOf(entry.value, "object")) return cannot("for_each over something other than a literal map of objects (a set, a variable, or an entry that is not an object)");
  // an entry that already holds the key would start to use it: its instance would change too
  const holds = (entryValue: Node) => {
    const object = collectionOf(entryValue, "object");
    return object !== undefined && objectElements(object).some((f) => objectKey(f.key) === name);
  };
  const holder = objectElements(collection!).find((e) => holds(e.value));
  if (holder) return cannot(`for_each whose \`${objectKey(holder.key) ?? "?"}\` entry already has \`${name}\``);
  const eol = lc.ws.source(call.file).includes("\r\n") ? "\r\n" : "\n";
  changes.push({ kind: "argument", file: call.file, block: call.node, name, value: null, raw: `lookup(each.value, ${quoteHclString(name)}, ${renderHclValue(oldValue, "  ", eol)})` });
  changes.push({ kind: "entry", file: call.file, node: entry.value, key: name, value });
  return { kind: "lifted", file: call.file, changes, via: `${via}, in the \`${String(module.key)}\` entry of \`module.${module.name}\`'s for_each (the other entries keep ${short(oldValue)})` };
}

/** The last -var-file only this workspace reads: values set there win over terraform.tfvars, *.auto.tfvars and earlier var files. */
function ownVarFile(lc: LiftContext): string | undefined {
  const scope = lc.ws.scope;
  if (!scope) return undefined;
  const files = lc.ws.varFiles.map((f) => varFilePath(lc.ws.rootDir, f));
  const last = files.at(-1);
  return last && lc.ws.has(last) && !scope.view.othersReading(last, scope.workspace) ? last : undefined;
}

/** Where a new variable goes: the module's variables.tf when it has one, else the file it is needed in. */
function declare(lc: LiftContext, depth: number, file: string, name: string, value: JsonValue, nullable: boolean, description: string, type = hclType(value)): LiftChange {
  const dir = lc.dirs[depth]!;
  const variables = path.posix.join(dir, "variables.tf");
  return { kind: "declare", file: lc.ws.has(variables) ? variables : file, name, type, value, nullable, description };
}

/** Name candidates from the attribute path: `env.LOG_LEVEL` -> log_level, env_log_level, app_env_log_level. */
function candidates(lc: LiftContext, suffix: string, drop = 0): string[] {
  const steps = lc.targetPath.slice(0, lc.targetPath.length - drop).filter((s): s is string => typeof s === "string").map(snake).filter(Boolean);
  const last = steps.at(-1) ?? "value";
  return [`${last}${suffix}`, `${steps.join("_")}${suffix}`, `${snake(lc.address.name)}_${steps.join("_")}${suffix}`];
}

/** Names terraform reserves for a module block's own arguments or forbids as variable names. */
const RESERVED = new Set(["source", "version", "providers", "count", "for_each", "depends_on", "lifecycle", "locals"]);

/** The first candidate no variable of the dir (or argument of the block calling it, or var file of the root) already uses, and terraform does not reserve; numbered after that. */
function freeName(lc: LiftContext, depth: number, names: readonly string[]): string {
  const dir = lc.dirs[depth]!;
  const call = depth > 0 ? lc.ws.findBlock(lc.dirs[depth - 1]!, "module", lc.address.modules[depth - 1]!.name) : undefined;
  const taken = (n: string) =>
    RESERVED.has(n) ||
    lc.ws.findBlock(dir, "variable", n) !== undefined ||
    (call !== undefined && findAttribute(blockBody(call.node), n) !== undefined) ||
    (depth === 0 && lc.ws.files().some((f) => !f.endsWith(".tf") && path.posix.dirname(f) === lc.ws.rootDir && assigns(lc.ws, f, n))) ||
    (depth === 0 && lc.ws.varFiles.some((f) => assigns(lc.ws, varFilePath(lc.ws.rootDir, f), n)));
  for (const name of names) if (!taken(name)) return name;
  for (let i = 2; ; i++) if (!taken(`${names.at(-1)}_${i}`)) return `${names.at(-1)}_${i}`;
}

function assigns(ws: HclWorkspace, file: string, name: string): boolean {
  if (!ws.has(file)) return false;
  if (file.endsWith(".json")) return jsonVariableNames(ws.source(file)).includes(name);
  return topLevelAttributes(ws.tree(file)).some((a) => a.namedChild(0)?.text === name);
}

function snake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/^(\d)/, "v_$1");
}

/** The HCL type constraint of a value: primitives, list/map of one primitive type, else any. */
export function hclType(value: JsonValue): string {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) {
    const inner = new Set(value.map(hclType));
    return inner.size === 1 && ["string", "number", "bool"].includes([...inner][0]!) ? `list(${[...inner][0]})` : "any";
  }
  if (isObject(value)) {
    const inner = new Set(Object.values(value).map(hclType));
    if (inner.size === 0) return "map(string)";
    return inner.size === 1 && ["string", "number", "bool"].includes([...inner][0]!) ? `map(${[...inner][0]})` : "any";
  }
  return "any";
}

/** `value` with `live` at `steps` (a new map key is added); undefined when the path runs through something that is not a map or list. */
export function setIn(value: JsonValue, steps: readonly PathStep[], live: JsonValue): JsonValue | undefined {
  if (steps.length === 0) return live;
  const [step, ...rest] = steps;
  if (Array.isArray(value) && typeof step === "number" && step < value.length) {
    const inner = setIn(value[step]!, rest, live);
    return inner === undefined ? undefined : value.map((v, i) => (i === step ? inner : v));
  }
  if (isObject(value) && typeof step === "string") {
    const inner = rest.length === 0 ? live : value[step] === undefined ? undefined : setIn(value[step]!, rest, live);
    return inner === undefined ? undefined : { ...value, [step]: inner };
  }
  return undefined;
}

/** An object constructor `{ … }` (possibly in parentheses). */
function isObjectExpression(node: Node): boolean {
  return collectionOf(node, "object") !== undefined;
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function short(value: JsonValue): string {
  const text = JSON.stringify(value);
  return `\`${text.length > 40 ? `${text.slice(0, 37)}…` : text}\``;
}

const refused = (reason: string): Lifted => ({ kind: "refused", reason });
