import path from "node:path";
import picomatch from "picomatch";
import type { WorkspaceConfig } from "../../config/schema.js";

/** A workspace and the repo-relative dirs of the local modules it calls (directly or not). */
export interface WorkspaceFootprint {
  workspace: WorkspaceConfig;
  moduleDirs: readonly string[];
}

const DOCS = /\.(md|markdown|txt|rst)$/i;

/**
 * The workspaces a pull request's changed files touch: a file in the workspace dir or in a
 * local module it calls, a var or backend file it names, or a file matching its autoplan globs.
 * A nested dir that is itself a configured workspace claims its own files. Pure.
 */
export function affectedWorkspaces(changedFiles: readonly string[], footprints: readonly WorkspaceFootprint[]): WorkspaceConfig[] {
  const workspaceDirs = new Set(footprints.map((f) => normalizeDir(f.workspace.dir)));
  return footprints
    .filter(({ workspace, moduleDirs }) => {
      const dirs = [normalizeDir(workspace.dir), ...moduleDirs.map(normalizeDir)];
      const namedFiles = new Set(
        [...workspace.var_files, ...workspace.backend_config].map((f) => path.posix.normalize(path.posix.join(workspace.dir, f))),
      );
      const globs = workspace.autoplan.length > 0 ? picomatch(workspace.autoplan, { dot: true }) : () => false;
      return changedFiles.some((file) => {
        if (namedFiles.has(file) || globs(file)) return true;
        if (DOCS.test(file)) return false;
        return dirs.some((dir) => isInside(file, dir) && !claimedByNestedWorkspace(file, dir, workspaceDirs));
      });
    })
    .map((f) => f.workspace);
}

/** Cheap pre-check before fetching any code: could this file matter to any workspace at all? */
export function couldAffectTerraform(file: string, workspaces: readonly WorkspaceConfig[]): boolean {
  if (/\.(tf|tf\.json|tfvars|tfvars\.json|hcl|tftpl|tpl)$/.test(file)) return true;
  return affectedWorkspaces([file], workspaces.map((workspace) => ({ workspace, moduleDirs: [] }))).length > 0;
}

function normalizeDir(dir: string): string {
  const normal = path.posix.normalize(dir.replaceAll("\\", "/")).replace(/\/+$/, "");
  return normal === "" ? "." : normal;
}

function isInside(file: string, dir: string): boolean {
  return dir === "." || file.startsWith(`${dir}/`);
}

function claimedByNestedWorkspace(file: string, dir: string, workspaceDirs: ReadonlySet<string>): boolean {
  for (const other of workspaceDirs) {
    if (other !== dir && isInside(other, dir) && isInside(file, other)) return true;
  }
  return false;
}
