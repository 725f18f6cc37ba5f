import path from "node:path";
import type { RawConfig } from "./schema.js";

export const ATLANTIS_PATH = "atlantis.yaml";

interface AtlantisProject {
  name?: unknown;
  dir?: unknown;
  workspace?: unknown;
  autoplan?: { when_modified?: unknown };
}

/**
 * Maps an Atlantis repo config (`projects: [{dir, workspace, name, autoplan}]`) onto
 * driftback's raw config, so Atlantis users can switch without rewriting anything.
 * The result is validated by the same schema as a driftback.yml.
 */
export function configFromAtlantis(doc: unknown): RawConfig {
  const projects = (doc as { projects?: unknown } | null)?.projects;
  if (!Array.isArray(projects)) return { workspaces: [] };
  const usedNames = new Set<string>();
  const workspaces = projects.map((project: AtlantisProject, index) => {
    const dir = typeof project.dir === "string" ? project.dir : ".";
    const workspace = typeof project.workspace === "string" ? project.workspace : "default";
    const name = uniqueName(typeof project.name === "string" ? project.name : defaultName(dir, workspace, index), usedNames);
    const whenModified = Array.isArray(project.autoplan?.when_modified) ? (project.autoplan.when_modified as unknown[]) : [];
    // Atlantis globs are relative to the project dir; driftback's are relative to the repo root.
    const autoplan = whenModified.filter((g): g is string => typeof g === "string").map((g) => path.posix.join(dir, g));
    return { name, dir, workspace, autoplan };
  });
  return { workspaces };
}

function defaultName(dir: string, workspace: string, index: number): string {
  const base = dir === "." ? "root" : dir.replaceAll("/", "-").replace(/[^A-Za-z0-9._-]/g, "_");
  const name = workspace === "default" ? base : `${base}-${workspace}`;
  return name.replace(/^[^A-Za-z0-9]+/, "") || `project-${index}`;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = `${name}-${n}`;
  used.add(candidate);
  return candidate;
}
