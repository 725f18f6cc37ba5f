import path from "node:path";
import { localModuleDir, moduleCallsIn, type ModuleCall } from "../hcl/module-calls.js";
import type { ParseHcl } from "../hcl/workspace.js";

/**
 * The module calls of every dir, from the repository's sources (repo-relative path -> text): .tf
 * files parsed once each, .tf.json files read as JSON (terraform's JSON syntax). A .tf.json that
 * does not parse is listed in `unread`. Pure.
 */
export function repoGraphOf(parse: ParseHcl, sources: ReadonlyMap<string, string>): { calls: Map<string, ModuleCall[]>; unread: string[] } {
  const calls = new Map<string, ModuleCall[]>();
  const unread: string[] = [];
  const add = (dir: string, found: ModuleCall[]) => calls.set(dir, [...(calls.get(dir) ?? []), ...found]);
  for (const [file, source] of sources) {
    const dir = path.posix.dirname(file);
    if (file.endsWith(".tf.json")) {
      const found = jsonModuleCalls(source, dir);
      if (found) add(dir, found);
      else unread.push(file);
      continue;
    }
    const tree = parse(source);
    try {
      add(dir, moduleCallsIn(tree, dir));
    } finally {
      tree.delete(); // nothing else has seen this tree
    }
  }
  return { calls, unread };
}

/** `{"module": {"name": {"source": "./x", "for_each": …}}}` (a block may also be a list of objects); undefined when the text is not JSON. */
function jsonModuleCalls(source: string, dir: string): ModuleCall[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch {
    return undefined;
  }
  const modules = (doc as { module?: unknown } | null)?.module;
  if (typeof modules !== "object" || modules === null) return [];
  const out: ModuleCall[] = [];
  for (const [name, blocks] of Object.entries(modules as Record<string, unknown>)) {
    for (const block of Array.isArray(blocks) ? blocks : [blocks]) {
      const body = (block ?? {}) as Record<string, unknown>;
      const source = typeof body.source === "string" ? body.source : "";
      const local = localModuleDir(dir, source);
      out.push({ name, source, ...(local ? { dir: local } : {}), repeated: "count" in body || "for_each" in body });
    }
  }
  return out;
}
