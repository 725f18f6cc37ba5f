import type { Node } from "web-tree-sitter";
import type { PathStep } from "../plan/model.js";
import { attributeExpression, attributeName, blockBody, blockLabels, blockType, bodyAttributes, bodyBlocks, topLevelBlocks } from "../hcl/syntax.js";
import type { HclWorkspace } from "../hcl/workspace.js";
import { eachOfCall, resolveIn, variableIsSensitive, variableValue, type Chain } from "./declared-resolve.js";
import { markSensitive, unknown, type Declared } from "./declared-value.js";
import type { ModuleStep } from "./types.js";

/** One declared value of a member: a module input, a root variable, or a root resource's attribute. */
export interface DeclaredEntry {
  resource: string;
  /** The attribute path the value sits at (`pool_size`, `settings[0].timeout`); its keys are flattened below it. */
  path: PathStep[];
  value: Declared;
  /** Positions in `path` of nested-block indexes: dropped where no member repeats that block (declared.ts). */
  blockSteps?: number[];
}

/** Arguments of a module call that are terraform's, not the module's inputs. */
const CALL_META = new Set(["source", "version", "count", "for_each", "providers", "depends_on"]);
const RESOURCE_META = new Set(["count", "for_each", "provider", "depends_on"]);
const RESOURCE_META_BLOCKS = new Set(["lifecycle", "provisioner", "connection"]);

/** The calls from the root down to a member's module instance, or why they cannot be followed. */
export function followCalls(ws: HclWorkspace, modules: readonly ModuleStep[]): { chain: Chain; source: string; local: boolean } | { unknown: string } {
  const chain: Chain = { ws, dirs: [ws.rootDir], calls: [] };
  let source = "";
  for (const [index, step] of modules.entries()) {
    const dir = chain.dirs.at(-1)!;
    const call = ws.moduleCalls(dir).find((c) => c.name === step.name);
    const block = ws.findBlock(dir, "module", step.name);
    if (!call || !block) return { unknown: `\`module.${step.name}\` is not declared in \`${dir}\`` };
    chain.calls.push({ name: step.name, block, ...(step.key !== undefined ? { key: step.key } : {}) });
    source = call.source;
    if (call.dir) chain.dirs.push(call.dir);
    else if (index < modules.length - 1) return { unknown: `\`module.${step.name}\` comes from \`${call.source || "a computed source"}\`, outside this repository: the calls inside it cannot be followed` };
  }
  if (chain.calls.length === 0) return { unknown: "the member names no module call" };
  return { chain, source, local: chain.dirs.length > chain.calls.length };
}

/**
 * The inputs of the innermost call: each argument it sets, and each variable of the module it leaves to its
 * default. A module variable marked sensitive makes its input sensitive whatever sets it.
 */
export function moduleInputs(chain: Chain, resource: string, local: boolean): DeclaredEntry[] {
  const innermost = chain.calls.length - 1;
  const call = chain.calls[innermost]!;
  const moduleDir = local ? chain.dirs[innermost + 1] : undefined;
  const sensitive = (name: string) => moduleDir !== undefined && variableIsSensitive(chain.ws, moduleDir, name);
  const entries: DeclaredEntry[] = [];
  const set = new Set<string>();
  for (const argument of bodyAttributes(blockBody(call.block.node))) {
    const name = attributeName(argument);
    if (CALL_META.has(name)) continue;
    set.add(name);
    const value = resolveIn(chain, innermost, attributeExpression(argument), eachOfCall(chain, innermost));
    entries.push({ resource, path: [name], value: sensitive(name) ? markSensitive(value) : value });
  }
  if (moduleDir === undefined) return entries;
  for (const file of chain.ws.moduleFiles(moduleDir)) {
    for (const declaration of topLevelBlocks(chain.ws.tree(file)).filter((b) => blockType(b) === "variable")) {
      const name = blockLabels(declaration)[0];
      if (name === undefined || set.has(name)) continue;
      set.add(name);
      // the module's own frame: following `var.<name>` there finds no argument, so it takes the default
      entries.push({ resource, path: [name], value: variableValue(chain, innermost + 1, name) });
    }
  }
  return entries;
}

/**
 * A whole workspace: its root variables (resource `var`), its root resources' attributes by address, and the
 * inputs of its root module calls (`module.shop`). `remote` names the calls whose module is not in the repository.
 */
export function workspaceEntries(ws: HclWorkspace): { entries: DeclaredEntry[]; remote: Map<string, string> } {
  const chain: Chain = { ws, dirs: [ws.rootDir], calls: [] };
  const entries: DeclaredEntry[] = [];
  const remote = new Map<string, string>();
  for (const file of ws.moduleFiles(ws.rootDir)) {
    for (const block of topLevelBlocks(ws.tree(file))) {
      const type = blockType(block);
      const labels = blockLabels(block);
      if (type === "variable" && labels[0] !== undefined) {
        entries.push({ resource: "var", path: [labels[0]], value: variableValue(chain, 0, labels[0]) });
      } else if (type === "resource" && labels.length === 2) {
        entries.push(...bodyEntries(chain, `${labels[0]}.${labels[1]}`, block, [], []));
      } else if (type === "module" && labels[0] !== undefined) {
        const followed = followCalls(ws, [{ name: labels[0] }]);
        if ("unknown" in followed) continue;
        entries.push(...moduleInputs(followed.chain, `module.${labels[0]}`, followed.local));
        if (!followed.local) remote.set(`module.${labels[0]}`, followed.source);
      }
    }
  }
  return { entries, remote };
}

/** A block's attributes and nested blocks, each nested block by its index (`settings[0].timeout`). */
function bodyEntries(chain: Chain, resource: string, block: Node, prefix: PathStep[], blockSteps: number[]): DeclaredEntry[] {
  const body = blockBody(block);
  const top = prefix.length === 0;
  const entries: DeclaredEntry[] = [];
  for (const attribute of bodyAttributes(body)) {
    const name = attributeName(attribute);
    if (top && RESOURCE_META.has(name)) continue;
    entries.push({ resource, path: [...prefix, name], value: resolveIn(chain, 0, attributeExpression(attribute)), blockSteps });
  }
  const byType = new Map<string, Node[]>();
  for (const nested of bodyBlocks(body)) {
    const type = blockType(nested);
    if (top && RESOURCE_META_BLOCKS.has(type)) continue;
    if (type === "dynamic") {
      const generated = blockLabels(nested)[0] ?? "dynamic";
      entries.push({ resource, path: [...prefix, generated], value: unknown(`\`${generated}\` blocks are generated by a \`dynamic\` block`), blockSteps });
      continue;
    }
    byType.set(type, [...(byType.get(type) ?? []), nested]);
  }
  for (const [type, blocks] of byType) {
    blocks.forEach((nested, index) => entries.push(...bodyEntries(chain, resource, nested, [...prefix, type, index], [...blockSteps, prefix.length + 1])));
  }
  return entries;
}
