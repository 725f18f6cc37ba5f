import type { Node } from "web-tree-sitter";
import { describeEvaluators } from "../repo/view.js";
import { parseResourceAddress, type ResourceAddress } from "./address.js";
import { lineEnd, lineStart } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";

/** The file as it reads without the resource's block, or why driftback will not remove it. */
export type Removal = { file: string; source: string; container: { start: number; end: number } } | { refused: string };

/**
 * Removes a resource's block from the code: what codifying "this resource is gone" means. The
 * block goes with the comment lines right above it and one blank line that separated it from
 * what came before. Refused when the block stands for more than this instance (count, for_each,
 * a module called more than once anywhere in the repository, a root no configured workspace plans
 * calling it) or anything else in its module refers to it. Pure.
 */
export function removeResourceBlock(ws: HclWorkspace, address: string): Removal {
  const parsed = parseResourceAddress(address);
  if (!parsed) return { refused: `\`${address}\` is not a resource address driftback can read.` };
  if (parsed.mode === "data") return { refused: `\`${address}\` is a data source: it has no configuration to remove.` };
  if (parsed.key !== undefined) return { refused: `\`${address}\` is one instance of a resource with \`count\` or \`for_each\`: removing its block would remove every instance.` };
  const dirs = [ws.rootDir];
  for (const module of parsed.modules) {
    const dir = dirs.at(-1)!;
    const call = ws.moduleCalls(dir).find((c) => c.name === module.name);
    if (!call) return { refused: `\`module.${module.name}\` is not declared in \`${dir}\`.` };
    if (!call.dir) return { refused: `\`module.${module.name}\` comes from \`${call.source}\`, not from this repository.` };
    if (module.key !== undefined) return { refused: `\`module.${module.name}\` is called with \`count\` or \`for_each\`: removing the block would remove it from every instance of the module.` };
    dirs.push(call.dir);
  }
  const dir = dirs.at(-1)!;
  const others = evaluatedElsewhere(ws, dir, parsed.modules);
  if (others) return { refused: `\`${dir}\` is evaluated by more than this instance (${others}): removing the block would destroy the resource in every one of them.` };
  const found = ws.findResource(dir, parsed.type, parsed.name);
  if (!found) return { refused: `no \`resource "${parsed.type}" "${parsed.name}"\` block in \`${dir}\`: nothing to remove.` };
  if (ws.hasSyntaxError(found.file)) return { refused: `\`${found.file}\` does not parse, so driftback will not edit it.` };
  if (ws.linked.has(found.file)) return { refused: `\`${found.file}\` is reached through a symbolic link: the same code may be evaluated another way, so driftback will not remove its block.` };
  if (countOrEach(found.node)) return { refused: `\`${address}\` has \`count\` or \`for_each\`: removing its block would remove every instance.` };
  const referrer = referencesIn(ws, dir, parsed.type, parsed.name, found);
  if (referrer) return { refused: `\`${referrer}\` refers to \`${parsed.type}.${parsed.name}\`, so removing its block would break the configuration; change that first.` };

  const source = ws.source(found.file);
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  let start = lineStart(source, found.node.startIndex);
  // comment lines right above the block describe it: they go too
  while (start > 0) {
    const previous = lineStart(source, start - 1);
    const line = source.slice(previous, start).trim();
    if (!line.startsWith("#") && !line.startsWith("//")) break;
    start = previous;
  }
  if (start > 0) {
    const previous = lineStart(source, start - 1);
    if (source.slice(previous, start).trim() === "") start = previous;
  }
  const end = Math.min(source.length, lineEnd(source, found.node.endIndex) + eol.length);
  let edited = source.slice(0, start) + source.slice(end);
  // the first block of a file leaves no blank line at the top
  if (start === 0) edited = edited.replace(/^(?:[ \t]*\r?\n)+/, "");
  return { file: found.file, source: edited, container: { start, end } };
}

/** Who else evaluates the block's dir, across the repository; undefined when only this instance does. */
function evaluatedElsewhere(ws: HclWorkspace, dir: string, modules: ResourceAddress["modules"]): string | undefined {
  const scope = ws.scope;
  if (!scope) return modules.length === 0 ? undefined : "driftback was given a directory, not the repository's workspaces, so it cannot tell who else calls this module";
  const others = scope.view.othersEvaluating(dir, { workspace: scope.workspace, modules });
  return others ? (others.length > 0 ? describeEvaluators(others) : "callers driftback cannot list") : undefined;
}

function countOrEach(block: Node): boolean {
  const body = block.namedChildren.find((c) => c?.type === "body");
  return (body?.namedChildren ?? []).some((c) => c?.type === "attribute" && ["count", "for_each"].includes(c.namedChild(0)?.text ?? ""));
}

/** The first place in the module, outside the block itself, that names `type.name`; undefined when none does. */
function referencesIn(ws: HclWorkspace, dir: string, type: string, name: string, own: { file: string; node: Node }): string | undefined {
  for (const file of ws.moduleFiles(dir)) {
    for (const expression of ws.tree(file).rootNode.descendantsOfType("variable_expr")) {
      if (!expression || expression.text !== type) continue;
      const next = expression.nextNamedSibling;
      if (next?.type !== "get_attr" || next.namedChild(0)?.text !== name) continue;
      const inside = file === own.file && expression.startIndex >= own.node.startIndex && expression.endIndex <= own.node.endIndex;
      if (!inside) return `${file}:${lineNumber(ws.source(file), expression.startIndex)}`;
    }
  }
  return undefined;
}

function lineNumber(source: string, index: number): number {
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < index; i = source.indexOf("\n", i + 1)) line++;
  return line;
}
