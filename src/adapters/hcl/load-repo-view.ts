import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { ModuleCall } from "../../core/hcl/module-calls.js";
import { repoGraphOf } from "../../core/repo/graph.js";
import { RepoView, type WorkspaceRoot } from "../../core/repo/view.js";
import { MAX_HCL_FILE_BYTES, type HclParser } from "./parser.js";

/** Dirs never walked: VCS data, terraform's own downloads (registry modules live there), dependencies. */
const SKIPPED = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);
/** A repository with more .tf files than this is indexed up to it; the rest count as unknown callers of nothing. */
const MAX_FILES = 50_000;

/**
 * The .tf files of a checkout, every dir that holds them: repo-relative path -> text. Links are
 * not followed (a module reached through a link is the linked dir's own code) and unreadable or
 * oversized files are left out: terraform reports them when it plans.
 */
export async function readRepoSources(checkoutDir: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(checkoutDir, dir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith(".tf"))) {
      if (sources.size >= MAX_FILES) return;
      const source = await readFile(path.join(checkoutDir, dir, entry.name), "utf8").catch(() => undefined);
      if (source !== undefined && source.length <= MAX_HCL_FILE_BYTES) sources.set(dir === "" ? entry.name : `${dir}/${entry.name}`, source);
    }
    for (const entry of entries.filter((e) => e.isDirectory() && !SKIPPED.has(e.name) && !e.name.startsWith("."))) {
      await walk(dir === "" ? entry.name : `${dir}/${entry.name}`);
    }
  };
  await walk("");
  return sources;
}

/** The module call graph of a checkout: every dir holding .tf files, each file parsed once. */
export async function loadRepoGraph(parser: HclParser, checkoutDir: string): Promise<Map<string, ModuleCall[]>> {
  return repoGraphOf((source) => parser.parse(source), await readRepoSources(checkoutDir));
}

/** The repository-wide view of a checkout for its configured workspaces. */
export async function loadRepoView(parser: HclParser, checkoutDir: string, workspaces: readonly WorkspaceRoot[]): Promise<RepoView> {
  return new RepoView({ calls: await loadRepoGraph(parser, checkoutDir) }, workspaces);
}
