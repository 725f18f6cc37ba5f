import type { HclParser } from "../../src/adapters/hcl/parser.js";
import { repoGraphOf } from "../../src/core/repo/graph.js";
import { HclWorkspace } from "../../src/core/hcl/workspace.js";
import { RepoView, type WorkspaceRoot } from "../../src/core/repo/view.js";

/** The repository-wide view of in-memory files (repo-relative path -> source), as load-repo-view builds it from a checkout. */
export function viewOf(parser: HclParser, files: Record<string, string>, workspaces: readonly WorkspaceRoot[]): RepoView {
  const sources = new Map(Object.entries(files).filter(([file]) => file.endsWith(".tf")));
  return new RepoView(repoGraphOf((source) => parser.parse(source), sources), workspaces);
}

/** One workspace's HclWorkspace over in-memory files, scoped by the view of all of them. */
export function scopedWorkspace(parser: HclParser, files: Record<string, string>, workspaces: readonly WorkspaceRoot[], name: string): HclWorkspace {
  const root = workspaces.find((w) => w.name === name)!;
  const ws = new HclWorkspace((source) => parser.parse(source), root.dir, root.varFiles, { view: viewOf(parser, files, workspaces), workspace: name });
  for (const [file, source] of Object.entries(files)) ws.add(file, source);
  return ws;
}
