import path from "node:path";
import type { Node, Tree } from "web-tree-sitter";
import { evaluateExpression } from "./evaluate.js";
import { attributeExpression, blockBody, blockLabels, blockType, findAttribute, topLevelBlocks } from "./syntax.js";

/** One `module "name" { source = … }` block of a dir. */
export interface ModuleCall {
  name: string;
  /** The source as written (`./modules/x`, `hashicorp/consul/aws`, `git::…`), "" when it is not a literal. */
  source: string;
  /** Repo-relative dir of a local module (`./` or `../`); undefined for registry and git modules. */
  dir?: string;
  /** The call has `count` or `for_each`: its module is evaluated once per instance. */
  repeated: boolean;
  /** The call's `version` constraint as written (registry modules), when it is a literal string. */
  version?: string;
}

/** The repo-relative dir of a local module source (`./x`, `../x`) called from `dir`; undefined for registry and git sources. */
export function localModuleDir(dir: string, source: string): string | undefined {
  return source.startsWith("./") || source.startsWith("../") ? path.posix.normalize(path.posix.join(dir, source)) : undefined;
}

/** The module calls of one .tf file in `dir` (repo-relative, posix). Pure. */
export function moduleCallsIn(tree: Tree, dir: string): ModuleCall[] {
  const calls: ModuleCall[] = [];
  for (const block of topLevelBlocks(tree)) {
    if (blockType(block) !== "module") continue;
    const body = blockBody(block);
    const source = literalString(findAttribute(body, "source")) ?? "";
    const repeated = findAttribute(body, "count") !== undefined || findAttribute(body, "for_each") !== undefined;
    const version = literalString(findAttribute(body, "version"));
    calls.push({ name: blockLabels(block)[0] ?? "", source, dir: localModuleDir(dir, source), repeated, ...(version !== undefined ? { version } : {}) });
  }
  return calls;
}

/** An attribute's value when it is a literal string. */
function literalString(attribute: Node | undefined): string | undefined {
  const value = attribute ? evaluateExpression(attributeExpression(attribute)) : undefined;
  return value?.kind === "literal" && typeof value.value === "string" ? value.value : undefined;
}
