import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { HclWorkspace } from "../../core/hcl/workspace.js";
import type { HclParser } from "./parser.js";

/**
 * Reads a workspace for codifying: the root module's .tf files and var files (configured,
 * *.auto.tfvars, terraform.tfvars), then every local module it calls, transitively.
 * `dir` and the returned paths are relative to `repoRoot`.
 */
export async function loadWorkspace(parser: HclParser, repoRoot: string, dir: string, varFiles: readonly string[] = []): Promise<HclWorkspace> {
  const rootDir = path.posix.normalize(dir.replaceAll("\\", "/"));
  const ws = new HclWorkspace((source) => parser.parse(source), rootDir, varFiles);
  const read = async (file: string) => ws.add(file, await readFile(path.join(repoRoot, file), "utf8"));
  const entries = await listDir(repoRoot, rootDir);
  for (const name of entries.filter((f) => f.endsWith(".tf") || f.endsWith(".auto.tfvars") || f === "terraform.tfvars")) {
    await read(path.posix.join(rootDir, name));
  }
  for (const varFile of varFiles.filter((f) => !f.endsWith(".json"))) {
    const file = path.posix.normalize(path.posix.join(rootDir, varFile));
    if (!ws.has(file)) await read(file);
  }
  const queue = [rootDir];
  const seen = new Set(queue);
  while (queue.length > 0) {
    for (const call of ws.moduleCalls(queue.shift()!)) {
      if (!call.dir || seen.has(call.dir) || call.dir.startsWith("..")) continue;
      seen.add(call.dir);
      queue.push(call.dir);
      for (const name of (await listDir(repoRoot, call.dir)).filter((f) => f.endsWith(".tf"))) await read(path.posix.join(call.dir, name));
    }
  }
  return ws;
}

async function listDir(repoRoot: string, dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(repoRoot, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
