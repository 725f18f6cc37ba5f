import path from "node:path";
import { localModuleDir, moduleCallsIn, type ModuleCall } from "../hcl/module-calls.js";
import { blockType, topLevelBlocks } from "../hcl/syntax.js";
import type { ParseHcl } from "../hcl/workspace.js";

/**
 * The module calls of every dir, from the repository's sources (repo-relative path -> text): .tf
 * files parsed once each, .tf.json files read as JSON (terraform's JSON syntax). A .tf.json that
 * does not parse is listed in `unread`. `resourceDirs` are the dirs declaring at least one managed
 * `resource` (not `data`): a module without one manages nothing of its own. Pure.
 */
export function repoGraphOf(parse: ParseHcl, sources: ReadonlyMap<string, string>): { calls: Map<string, ModuleCall[]>; unread: string[]; resourceDirs: Set<string> } {
  const calls = new Map<string, ModuleCall[]>();
  const unread: string[] = [];
  const resourceDirs = new Set<string>();
  const add = (dir: string, found: ModuleCall[]) => calls.set(dir, [...(calls.get(dir) ?? []), ...found]);
  for (const [file, source] of sources) {
    const dir = path.posix.dirname(file);
    if (file.endsWith(".tf.json")) {
      const doc = jsonDocument(source);
      if (doc === undefined) {
        unread.push(file);
        continue;
      }
      add(dir, jsonModuleCalls(doc, dir));
      if (jsonDeclaresResource(doc)) resourceDirs.add(dir);
      continue;
    }
    const tree = parse(source);
    try {
      add(dir, moduleCallsIn(tree, dir));
      if (topLevelBlocks(tree).some((block) => blockType(block) === "resource")) resourceDirs.add(dir);
    } finally {
      tree.delete(); // nothing else has seen this tree
    }
  }
  return { calls, unread, resourceDirs };
}

/** The parsed .tf.json document; undefined when the text is not JSON. */
function jsonDocument(source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON block type's value: an object, or a list of objects (terraform accepts both). */
function jsonBlocks(value: unknown): Record<string, unknown>[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v));
}

/** `{"module": {"name": {"source": "./x", "for_each": …}}}` (a block may also be a list of objects). */
function jsonModuleCalls(doc: unknown, dir: string): ModuleCall[] {
  const out: ModuleCall[] = [];
  for (const modules of jsonBlocks((doc as { module?: unknown } | null)?.module)) {
    for (const [name, blocks] of Object.entries(modules)) {
      for (const body of jsonBlocks(blocks ?? {})) {
        const source = typeof body.source === "string" ? body.source : "";
        const local = localModuleDir(dir, source);
        const version = typeof body.version === "string" ? body.version : undefined;
        out.push({ name, source, ...(local ? { dir: local } : {}), repeated: "count" in body || "for_each" in body, ...(version !== undefined ? { version } : {}) });
      }
    }
  }
  return out;
}

/** `{"resource": {"aws_s3_bucket": {"logs": {…}}}}`: at least one named resource of some type. */
function jsonDeclaresResource(doc: unknown): boolean {
  return jsonBlocks((doc as { resource?: unknown } | null)?.resource).some((types) =>
    Object.values(types).some((named) => jsonBlocks(named).some((byName) => Object.keys(byName).length > 0)),
  );
}
