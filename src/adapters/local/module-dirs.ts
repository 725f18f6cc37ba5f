import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";

/**
 * Repo-relative dirs of the local modules (`source = "./..."` or `"../..."`) that a root module
 * calls, followed transitively. Files that do not parse are skipped: the plan reports them.
 */
export async function localModuleDirs(repoRoot: string, workspaceDir: string): Promise<string[]> {
  const root = path.resolve(repoRoot);
  const seen = new Set<string>();
  const queue = [path.posix.normalize(workspaceDir)];
  const found: string[] = [];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const source of await moduleSources(path.join(root, dir))) {
      if (!source.startsWith("./") && !source.startsWith("../")) continue;
      const target = path.posix.normalize(path.posix.join(dir, source));
      if (target.startsWith("..")) continue; // outside the repository
      if (!seen.has(target)) {
        found.push(target);
        queue.push(target);
      }
    }
  }
  return found;
}

async function moduleSources(absoluteDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(absoluteDir);
  } catch {
    return [];
  }
  const sources: string[] = [];
  for (const file of entries.filter((f) => f.endsWith(".tf") || f.endsWith(".tf.json"))) {
    try {
      const text = await readFile(path.join(absoluteDir, file), "utf8");
      const doc = file.endsWith(".json") ? JSON.parse(text) : await parseHcl(file, text);
      sources.push(...sourcesIn(doc?.module));
    } catch {
      // an unparsable file: terraform will say what is wrong with it
    }
  }
  return sources;
}

/** hcl2json gives `module: { name: [ { source } ] }`; .tf.json gives `module: { name: { source } }`. */
function sourcesIn(modules: unknown): string[] {
  if (!modules || typeof modules !== "object") return [];
  return Object.values(modules)
    .flatMap((block) => (Array.isArray(block) ? block : [block]))
    .map((b) => (b as { source?: unknown } | undefined)?.source)
    .filter((s): s is string => typeof s === "string");
}
