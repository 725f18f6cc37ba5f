import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { HclWorkspace } from "../../core/hcl/workspace.js";
import { loadHclParser, type HclParser } from "./parser.js";

/**
 * Reads a workspace: the root module's .tf files and var files (configured, *.auto.tfvars,
 * terraform.tfvars), then every local module it calls (`source = "./…"` or `"../…"`, in .tf or
 * .tf.json), transitively. `dir` and all paths are relative to `repoRoot`; modules outside it are skipped.
 */
export async function loadWorkspace(parser: HclParser, repoRoot: string, dir: string, varFiles: readonly string[] = []): Promise<{ workspace: HclWorkspace; moduleDirs: string[] }> {
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
  const moduleDirs: string[] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const called = [...ws.moduleCalls(current).map((call) => call.dir), ...(await jsonModuleDirs(repoRoot, current))];
    for (const moduleDir of called) {
      if (!moduleDir || seen.has(moduleDir) || moduleDir.startsWith("..")) continue;
      seen.add(moduleDir);
      queue.push(moduleDir);
      moduleDirs.push(moduleDir);
      for (const name of (await listDir(repoRoot, moduleDir)).filter((f) => f.endsWith(".tf"))) await read(path.posix.join(moduleDir, name));
    }
  }
  return { workspace: ws, moduleDirs };
}

/** Repo-relative dirs of the local modules a root module calls, transitively (which PRs touch a workspace). */
export async function localModuleDirs(repoRoot: string, workspaceDir: string): Promise<string[]> {
  return (await loadWorkspace(await loadHclParser(), repoRoot, workspaceDir)).moduleDirs;
}

/** Local module dirs called from a dir's .tf.json files: `module: { name: { source } }`. Unreadable files are skipped. */
async function jsonModuleDirs(repoRoot: string, dir: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of (await listDir(repoRoot, dir)).filter((f) => f.endsWith(".tf.json"))) {
    try {
      const doc = JSON.parse(await readFile(path.join(repoRoot, dir, name), "utf8")) as { module?: Record<string, { source?: unknown } | { source?: unknown }[]> };
      for (const block of Object.values(doc.module ?? {}).flatMap((b) => (Array.isArray(b) ? b : [b]))) {
        const source = block?.source;
        if (typeof source === "string" && (source.startsWith("./") || source.startsWith("../"))) dirs.push(path.posix.normalize(path.posix.join(dir, source)));
      }
    } catch {
      // an unreadable file: terraform will say what is wrong with it
    }
  }
  return dirs;
}

async function listDir(repoRoot: string, dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(repoRoot, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
