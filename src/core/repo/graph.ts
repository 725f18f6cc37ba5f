import path from "node:path";
import { moduleCallsIn, type ModuleCall } from "../hcl/module-calls.js";
import type { ParseHcl } from "../hcl/workspace.js";

/** The module calls of every dir, from the repository's .tf sources (repo-relative path -> text), each parsed once. Pure. */
export function repoGraphOf(parse: ParseHcl, sources: ReadonlyMap<string, string>): Map<string, ModuleCall[]> {
  const calls = new Map<string, ModuleCall[]>();
  for (const [file, source] of sources) {
    const dir = path.posix.dirname(file);
    const tree = parse(source);
    try {
      calls.set(dir, [...(calls.get(dir) ?? []), ...moduleCallsIn(tree, dir)]);
    } finally {
      tree.delete(); // nothing else has seen this tree
    }
  }
  return calls;
}
