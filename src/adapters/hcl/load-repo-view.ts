import { readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { ModuleCall } from "../../core/hcl/module-calls.js";
import { repoGraphOf } from "../../core/repo/graph.js";
import { RepoView, type WorkspaceRoot } from "../../core/repo/view.js";
import { MAX_HCL_FILE_BYTES, type HclParser } from "./parser.js";

/** Dirs never walked: VCS data, terraform's own downloads (registry modules live there), dependencies. */
const SKIPPED = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);
/** A repository with more .tf files than this is indexed up to it; the rest are unread, which makes every module's callers unknown. */
const MAX_FILES = 50_000;

/**
 * The .tf and .tf.json files of a checkout: repo-relative path -> text, and the files it could not
 * use (unreadable, over the parser's size limit, past MAX_FILES). Links are not walked: a module
 * reached through a link is indexed at its real dir (see realCalls), and driftback never edits a
 * file reached through one.
 */
export async function readRepoSources(checkoutDir: string): Promise<{ sources: Map<string, string>; unread: string[] }> {
  const sources = new Map<string, string>();
  const unread: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(checkoutDir, dir), { withFileTypes: true });
    } catch {
      unread.push(dir === "" ? "." : dir);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries.filter((e) => e.isFile() && (e.name.endsWith(".tf") || e.name.endsWith(".tf.json")))) {
      const file = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (sources.size >= MAX_FILES) {
        unread.push(file);
        continue;
      }
      const source = await readFile(path.join(checkoutDir, file), "utf8").catch(() => undefined);
      if (source !== undefined && source.length <= MAX_HCL_FILE_BYTES) sources.set(file, source);
      else unread.push(file);
    }
    for (const entry of entries.filter((e) => e.isDirectory() && !SKIPPED.has(e.name) && !e.name.startsWith("."))) {
      await walk(dir === "" ? entry.name : `${dir}/${entry.name}`);
    }
  };
  await walk("");
  return { sources, unread };
}

/**
 * The module call graph of a checkout, calls through a linked dir pointing at the real dir. `resourceDirs` needs
 * no such mapping: links are not walked, so every file, and the dir it declares resources in, is at its real path.
 */
export async function loadRepoGraph(
  parser: HclParser,
  checkoutDir: string,
  /** The checkout's sources when the caller read them already (readRepoSources). */
  read?: { sources: ReadonlyMap<string, string>; unread: readonly string[] },
): Promise<{ calls: Map<string, ModuleCall[]>; unread: string[]; resourceDirs: Set<string> }> {
  const { sources, unread } = read ?? (await readRepoSources(checkoutDir));
  const graph = repoGraphOf((source) => parser.parse(source), sources);
  return { calls: await realCalls(checkoutDir, graph.calls), unread: [...unread, ...graph.unread], resourceDirs: graph.resourceDirs };
}

/** The repository-wide view of a checkout for its configured workspaces; files it could not read make every module's callers unknown. */
export async function loadRepoView(parser: HclParser, checkoutDir: string, workspaces: readonly WorkspaceRoot[]): Promise<RepoView> {
  const { calls, unread, resourceDirs } = await loadRepoGraph(parser, checkoutDir);
  return new RepoView({ calls, resourceDirs, ...(unread.length > 0 ? { unread } : {}) }, workspaces);
}

/** A call whose dir lies under a symbolic link (`./mods/service` with mods -> ../../modules) names the real dir, so every caller of one code is counted together. */
async function realCalls(checkoutDir: string, calls: Map<string, ModuleCall[]>): Promise<Map<string, ModuleCall[]>> {
  const root = await realpath(checkoutDir).catch(() => path.resolve(checkoutDir));
  const cache = new Map<string, string>();
  const real = async (dir: string) => {
    if (!cache.has(dir)) {
      const target = await realpath(path.join(checkoutDir, dir)).catch(() => undefined);
      const relative = target ? path.relative(root, target).split(path.sep).join("/") : undefined;
      cache.set(dir, relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative || "." : dir);
    }
    return cache.get(dir)!;
  };
  const out = new Map<string, ModuleCall[]>();
  for (const [dir, list] of calls) out.set(dir, await Promise.all(list.map(async (call) => (call.dir ? { ...call, dir: await real(call.dir) } : call))));
  return out;
}
