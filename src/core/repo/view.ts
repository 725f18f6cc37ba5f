import path from "node:path";
import type { ModuleCall } from "../hcl/module-calls.js";
import { isImplicitVarFile, varFilePath } from "../hcl/var-files.js";

/**
 * The repository-wide view: which workspaces, through which module calls and instances, evaluate
 * each dir and var file. A module's code is evaluated once per instance (every call of its
 * source, every count/for_each instance, in every root), so an edit in a dir is owned by one
 * drifted instance only when nothing else evaluates it. Codify, verification and parity read it.
 * Pure: the call graph comes in already parsed.
 */

/** A configured workspace as the view needs it. */
export interface WorkspaceRoot {
  name: string;
  /** Repo-relative root module dir. */
  dir: string;
  /** `-var-file`s, relative to `dir`, in command-line order. */
  varFiles: readonly string[];
}

/** The module calls of every dir of the repository that holds .tf files. */
export interface RepoGraph {
  calls: ReadonlyMap<string, readonly ModuleCall[]>;
  /** Files the graph could not read: a call in one of them may reach any module, so no module is anyone's own. */
  unread?: readonly string[];
  /** Dirs declaring at least one managed `resource`; undefined when the graph was built without looking. */
  resourceDirs?: ReadonlySet<string>;
}

/** One evaluation of a dir: a root (a configured workspace, or another root of the repository) and the module calls that reach it. */
export interface Evaluator {
  /** The configured workspace, or undefined for a root no workspace plans (it still evaluates the code). */
  workspace?: string;
  root: string;
  /** Module call names from the root down, `[]` for the root dir itself. */
  modules: string[];
  /** Not an evaluation driftback saw: files it could not read may hold more callers (the graph's `unread`). */
  unknown?: true;
  /** Some call on the way has count or for_each: the dir is evaluated once per instance of it. */
  repeated: boolean;
}

/** The instance an edit is made for: a workspace and the module calls (with their keys) down to the dir. */
export interface DriftedInstance {
  workspace: string;
  modules: readonly { name: string; key?: string | number }[];
}

/** Evaluations kept per dir: a pathological graph (a module called from hundreds of places) stops being listed, not being shared. */
const MAX_EVALUATORS = 1_000;

export class RepoView {
  private readonly evaluators = new Map<string, Evaluator[]>();
  private readonly rootsByDir = new Map<string, string[]>();

  constructor(
    readonly graph: RepoGraph,
    readonly workspaces: readonly WorkspaceRoot[],
  ) {
    const called = new Set<string>();
    for (const calls of graph.calls.values()) for (const call of calls) if (call.dir) called.add(call.dir);
    for (const workspace of workspaces) {
      const dir = normalizeDir(workspace.dir);
      this.rootsByDir.set(dir, [...(this.rootsByDir.get(dir) ?? []), workspace.name]);
      this.walk(dir, dir, workspace.name, [], false, new Set([dir]));
    }
    // a dir no module call reaches and no workspace plans is a root of its own (a team's env nobody configured)
    for (const dir of [...graph.calls.keys()].sort()) {
      if (!called.has(dir) && !this.rootsByDir.has(dir)) this.walk(dir, dir, undefined, [], false, new Set([dir]));
    }
  }

  /** Every evaluation of a dir's .tf files. */
  evaluatorsOf(dir: string): readonly Evaluator[] {
    return this.evaluators.get(normalizeDir(dir)) ?? [];
  }

  /** Configured workspaces whose root is `dir`. */
  workspacesAt(dir: string): readonly string[] {
    return this.rootsByDir.get(normalizeDir(dir)) ?? [];
  }

  /** Configured workspaces that read a file: its dir's evaluators for .tf, the dir's workspaces for terraform.tfvars and *.auto.tfvars, the naming workspaces for a -var-file. */
  readersOf(file: string): string[] {
    const dir = path.posix.dirname(file);
    const base = path.posix.basename(file);
    const readers = new Set<string>();
    if (base.endsWith(".tf") || base.endsWith(".tf.json")) {
      for (const e of this.evaluatorsOf(dir)) if (e.workspace) readers.add(e.workspace);
    } else {
      if (isImplicitVarFile(base)) for (const name of this.workspacesAt(dir)) readers.add(name);
      for (const workspace of this.workspaces) {
        if (workspace.varFiles.some((f) => varFilePath(normalizeDir(workspace.dir), f) === file)) readers.add(workspace.name);
      }
    }
    return [...readers].sort();
  }

  /** Whether anything but the drifted instance evaluates `dir`; undefined when it is the instance's own, else who else does. */
  othersEvaluating(dir: string, instance: DriftedInstance): Evaluator[] | undefined {
    const all = this.evaluatorsOf(dir);
    const names = instance.modules.map((m) => m.name);
    const mine = (e: Evaluator) => e.workspace === instance.workspace && !e.repeated && e.modules.length === names.length && e.modules.every((m, i) => m === names[i]);
    // a keyed call (count/for_each) evaluates the dir once per key: the instance's siblings share it
    const keyed = instance.modules.some((m) => m.key !== undefined);
    // callers in files driftback could not read may reach any module; a root dir is known by the config
    const unknown: Evaluator[] = this.graph.unread && this.graph.unread.length > 0 && names.length > 0 ? [{ root: this.graph.unread[0]!, modules: [], repeated: false, unknown: true }] : [];
    if (all.length === 1 && mine(all[0]!) && !keyed && unknown.length === 0) return undefined;
    const others = [...all.filter((e) => !mine(e)), ...unknown];
    return others.length > 0 ? others : [...all];
  }

  /** Whether anything but `workspace` reads a var file; undefined when only it does. */
  othersReading(file: string, workspace: string): string[] | undefined {
    const others = this.readersOf(file).filter((name) => name !== workspace);
    return others.length === 0 ? undefined : others;
  }

  private walk(dir: string, root: string, workspace: string | undefined, modules: string[], repeated: boolean, onPath: Set<string>): void {
    const list = this.evaluators.get(dir) ?? [];
    if (list.length >= MAX_EVALUATORS) return;
    list.push({ ...(workspace !== undefined ? { workspace } : {}), root, modules, repeated });
    this.evaluators.set(dir, list);
    for (const call of this.graph.calls.get(dir) ?? []) {
      if (!call.dir || onPath.has(call.dir)) continue; // a module calling itself back is terraform's error to report
      onPath.add(call.dir);
      this.walk(call.dir, root, workspace, [...modules, call.name], repeated || call.repeated, onPath);
      onPath.delete(call.dir);
    }
  }
}

/** How a list of evaluators reads in a reason: `staging (module.shop), prod-us (module.shop), envs/dev (not a configured workspace)`. */
export function describeEvaluators(evaluators: readonly Evaluator[], limit = 4): string {
  const parts = evaluators.map((e) => {
    if (e.unknown) return `callers in files driftback could not read (such as \`${e.root}\`)`;
    const where = e.modules.length > 0 ? e.modules.map((m) => `module.${m}`).join(".") : "";
    const who = e.workspace ? `\`${e.workspace}\`` : `\`${e.root}\` (a root no configured workspace plans)`;
    const repeated = e.repeated ? ", once per count/for_each instance" : "";
    return where ? `${who} (\`${where}\`${repeated})` : `${who}${repeated}`;
  });
  const shown = parts.slice(0, limit).join(", ");
  return parts.length > limit ? `${shown} and ${parts.length - limit} more` : shown;
}

export function normalizeDir(dir: string): string {
  const normalized = path.posix.normalize(dir.replaceAll("\\", "/")).replace(/\/+$/, "");
  return normalized === "" ? "." : normalized;
}
