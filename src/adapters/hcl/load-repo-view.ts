import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { moduleCallsIn, type ModuleCall } from "../../core/hcl/module-calls.js";
import { RepoView, type WorkspaceRoot } from "../../core/repo/view.js";
import { MAX_HCL_FILE_BYTES, type HclParser } from "./parser.js";

/** Dirs never walked: VCS data, terraform's own downloads (registry modules live there), dependencies. */
const SKIPPED = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);
/** A repository with more .tf files than this is indexed up to it; the rest count as unknown callers of nothing. */
const MAX_FILES = 50_000;

/**
 * The module call graph of a checkout: every dir holding .tf files, each file parsed once. Links
 * are not followed (a module reached through a link is the linked dir's own code) and unreadable
 * files are skipped: terraform reports them when it plans.
 */
export async function loadRepoGraph(parser: HclParser, checkoutDir: string): Promise<Map<string, ModuleCall[]>> {
  const calls = new Map<string, ModuleCall[]>();
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(checkoutDir, dir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith(".tf"))) {
      if (files++ >= MAX_FILES) return;
      const file = path.join(checkoutDir, dir, entry.name);
      const size = (await lstat(file).catch(() => undefined))?.size ?? Infinity;
      if (size > MAX_HCL_FILE_BYTES) continue;
      const source = await readFile(file, "utf8").catch(() => undefined);
      if (source === undefined) continue;
      const tree = parser.parse(source);
      try {
        const repoDir = dir === "" ? "." : dir;
        calls.set(repoDir, [...(calls.get(repoDir) ?? []), ...moduleCallsIn(tree, repoDir)]);
      } finally {
        tree.delete();
      }
    }
    for (const entry of entries.filter((e) => e.isDirectory() && !SKIPPED.has(e.name) && !e.name.startsWith("."))) {
      await walk(dir === "" ? entry.name : `${dir}/${entry.name}`);
    }
  };
  await walk("");
  return calls;
}

/** The repository-wide view of a checkout for its configured workspaces. */
export async function loadRepoView(parser: HclParser, checkoutDir: string, workspaces: readonly WorkspaceRoot[]): Promise<RepoView> {
  return new RepoView({ calls: await loadRepoGraph(parser, checkoutDir) }, workspaces);
}
