import type { Node } from "web-tree-sitter";
import { evaluateExpression } from "../hcl/evaluate.js";
import type { ParseHcl } from "../hcl/workspace.js";
import { attributeExpression, blockBody, blockLabels, blockType, findAttribute, topLevelBlocks } from "../hcl/syntax.js";

/** The registry terraform assumes when a provider source names no host. */
const DEFAULT_REGISTRY = "registry.terraform.io";

/**
 * A provider source as terraform reads it: `aws` and `hashicorp/aws` are `registry.terraform.io/hashicorp/aws`.
 * Lower-cased, since terraform compares provider addresses case-insensitively.
 */
export function providerAddress(source: string): string {
  const parts = source.trim().toLowerCase().split("/");
  if (parts.length === 1) return `${DEFAULT_REGISTRY}/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `${DEFAULT_REGISTRY}/${parts.join("/")}`;
  return parts.join("/");
}

export interface LockedProvider {
  version: string;
  constraints?: string;
}

/**
 * The providers of a `.terraform.lock.hcl` (`provider "registry.terraform.io/hashicorp/aws" { version = "5.31.0"
 * constraints = "~> 5.0" hashes = [...] }`), by normalized address. A file that is not valid HCL yields no
 * providers and a problem (terraform refuses it too); a provider block without a literal version is left out
 * and named in the problem.
 */
export function parseLockFile(parse: ParseHcl, text: string): { providers: Map<string, LockedProvider>; problem?: string } {
  const providers = new Map<string, LockedProvider>();
  let tree;
  try {
    tree = parse(text);
  } catch (error) {
    return { providers, problem: `could not be parsed (${error instanceof Error ? error.message : String(error)})` };
  }
  try {
    if (tree.rootNode.hasError) return { providers, problem: `is not valid HCL (${firstErrorLine(tree.rootNode)})` };
    const unreadable: string[] = [];
    for (const block of topLevelBlocks(tree)) {
      if (blockType(block) !== "provider") continue; // terraform may add other block types; they hold no provider versions
      const address = blockLabels(block)[0];
      const body = blockBody(block);
      const version = literalString(body, "version");
      if (address === undefined || version === undefined) {
        unreadable.push(address ?? `a provider block without an address at line ${block.startPosition.row + 1}`);
        continue;
      }
      const constraints = literalString(body, "constraints");
      providers.set(providerAddress(address), constraints === undefined ? { version } : { version, constraints });
    }
    return unreadable.length === 0 ? { providers } : { providers, problem: `has no literal version for ${unreadable.join(", ")}` };
  } finally {
    tree.delete();
  }
}

function literalString(body: Node | undefined, name: string): string | undefined {
  const attribute = findAttribute(body, name);
  const value = attribute ? evaluateExpression(attributeExpression(attribute)) : undefined;
  return value?.kind === "literal" && typeof value.value === "string" ? value.value : undefined;
}

/** `line 3`: where tree-sitter first found an error or a missing token. */
export function firstErrorLine(root: Node): string {
  const cursor = root.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) return `line ${node.startPosition.row + 1}`;
      if (node.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return "somewhere";
    }
  } finally {
    cursor.delete();
  }
}
