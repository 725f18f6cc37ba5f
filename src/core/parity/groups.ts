import type { ParityConfig } from "../../config/schema.js";
import type { ModuleCall } from "../hcl/module-calls.js";
import { globMatcher } from "../policy/glob.js";
import { normalizeDir, type RepoGraph } from "../repo/view.js";
import { DEFAULT_EXPECTED } from "./default-expected.js";
import type { ExpectedGlob, ModuleStep, ParityGroup, ParityMember } from "./types.js";

export interface GroupInput {
  /** Module calls per dir, the dirs declaring resources, the files that could not be read. */
  graph: RepoGraph;
  /** The configured workspaces, in config order: repo-relative root dirs. */
  workspaces: readonly { name: string; dir: string }[];
  /** `config.parity`. */
  config: readonly ParityConfig[];
}

/** A module as groups know it: a local one by its repo-relative dir, a registry or git one by its source without ref or version. */
interface SharedModule {
  key: string;
  name: string;
  /** Local modules only. */
  dir?: string;
}

/** One instance of a module in one workspace, before it gets its member id. */
type Instance = Omit<ParityMember, "id">;

/** Instances followed per workspace: a pathological graph (a module called from thousands of paths) stops being walked. */
const MAX_INSTANCES = 10_000;

/**
 * The parity groups of a repository (issue 16 §1): configured groups, and workspaces whose roots call the same
 * module (directly or through nested local modules), each instance of the module a member. Problems name a
 * configured group that finds fewer than two members, and what to do about it. Deterministic: groups by name,
 * members in config workspace order, then by module path. Pure.
 */
export function parityGroups(input: GroupInput): { groups: ParityGroup[]; problems: string[] } {
  const problems: string[] = [];
  const instances = new Map<string, { module: SharedModule; instances: Instance[] }>();
  for (const workspace of input.workspaces) {
    const walked = instancesIn(input.graph, workspace);
    if (walked.truncated) problems.push(`workspace \`${workspace.name}\` calls modules along more than ${MAX_INSTANCES} paths; parity groups list only the first ${MAX_INSTANCES} of its module instances`);
    for (const { module, instance } of walked.found) {
      const entry = instances.get(module.key) ?? { module, instances: [] };
      entry.instances.push(instance);
      instances.set(module.key, entry);
    }
  }
  const order = new Map(input.workspaces.map((w, index) => [w.name, index]));

  const groups: ParityGroup[] = [];
  const claimed = new Set<string>();
  for (const group of input.config) {
    const expected = group.expected_only ?? [...DEFAULT_EXPECTED, ...(group.expected ?? [])];
    if (group.workspaces !== undefined) {
      const found = configuredWorkspaces(group.name, group.workspaces, input.workspaces, expected);
      if ("problem" in found) problems.push(found.problem);
      else groups.push(found.group);
      continue;
    }
    if (group.module === undefined) continue; // the schema requires one of the two
    const key = [`local:${normalizeDir(group.module)}`, `remote:${withoutRef(group.module)}`].find((k) => instances.has(k));
    if (key === undefined) {
      problems.push(
        `parity group \`${group.name}\`: no configured workspace calls module \`${group.module}\`; write a local module as its repo-relative dir (\`modules/service\`), a registry or git module as its source without \`?ref=\` and version, or remove the group`,
      );
      continue;
    }
    claimed.add(key);
    const { module, instances: found } = instances.get(key)!;
    const members = membersOf(found, order);
    if (members.length < 2) {
      problems.push(`parity group \`${group.name}\`: module \`${module.name}\` has only ${members.length} instance in the configured workspaces (\`${members[0]?.id}\`); a group compares at least two: remove the group or call the module from another workspace`);
      continue;
    }
    groups.push({ name: group.name, origin: "configured", module: module.name, members, expected });
  }

  const configuredNames = new Set(input.config.map((g) => g.name));
  for (const [key, { module, instances: found }] of instances) {
    if (claimed.has(key)) continue;
    // a local module managing nothing of its own has nothing to compare; registry and git modules are never read, so they are grouped
    if (module.dir !== undefined && input.graph.resourceDirs !== undefined && !input.graph.resourceDirs.has(module.dir)) continue;
    const members = membersOf(found, order);
    if (members.length < 2) continue;
    if (configuredNames.has(module.name)) {
      problems.push(`the automatic parity group of module \`${module.name}\` is left out: a configured group has that name; rename the configured group to see both`);
      continue;
    }
    groups.push({ name: module.name, origin: "automatic", module: module.name, members, expected: [...DEFAULT_EXPECTED] });
  }

  if (input.graph.unread && input.graph.unread.length > 0) {
    problems.push(`${input.graph.unread.length} file(s) could not be read (such as \`${input.graph.unread[0]}\`): module calls in them are missing, so parity groups may lack members`);
  }
  groups.sort((a, b) => compare(a.name, b.name));
  return { groups, problems };
}

/** `git::https://example.com/vpc.git?ref=v1.2.0` -> `git::https://example.com/vpc.git`: one module at different refs is version drift, not another module. */
export function withoutRef(source: string): string {
  const at = source.indexOf("?");
  if (at < 0) return source;
  const kept = source
    .slice(at + 1)
    .split("&")
    .filter((param) => param !== "" && param !== "ref" && !param.startsWith("ref="));
  return kept.length > 0 ? `${source.slice(0, at)}?${kept.join("&")}` : source.slice(0, at);
}

/** The module a call instantiates; undefined when its source is not a literal (which module is unknown). */
function sharedModule(call: ModuleCall): SharedModule | undefined {
  if (call.dir !== undefined) return { key: `local:${call.dir}`, name: call.dir, dir: call.dir };
  if (call.source === "") return undefined;
  const source = withoutRef(call.source);
  return { key: `remote:${source}`, name: source };
}

/** Every module instance a workspace's root reaches, one per call path (as RepoView.walk follows them). */
function instancesIn(graph: RepoGraph, workspace: { name: string; dir: string }): { found: { module: SharedModule; instance: Instance }[]; truncated: boolean } {
  const root = normalizeDir(workspace.dir);
  const found: { module: SharedModule; instance: Instance }[] = [];
  let truncated = false;
  const walk = (dir: string, modules: ModuleStep[], repeated: boolean, onPath: Set<string>): void => {
    for (const call of graph.calls.get(dir) ?? []) {
      if (call.dir !== undefined && onPath.has(call.dir)) continue; // a module calling itself back is terraform's error to report
      if (found.length >= MAX_INSTANCES) return void (truncated = true);
      const steps = [...modules, { name: call.name }];
      const keysUnknown = repeated || call.repeated; // count/for_each keys come from a plan, not from the code
      const module = sharedModule(call);
      if (module) found.push({ module, instance: { workspace: workspace.name, root, modules: steps, ...(keysUnknown ? { repeated: true } : {}) } });
      // registry and git modules are not in the checkout: what they call cannot be followed
      if (call.dir === undefined) continue;
      onPath.add(call.dir);
      walk(call.dir, steps, keysUnknown, onPath);
      onPath.delete(call.dir);
    }
  };
  walk(root, [], false, new Set([root]));
  return { found, truncated };
}

/** `module.a.module.b` */
function pathText(modules: readonly ModuleStep[]): string {
  return modules.map((m) => `module.${m.name}`).join(".");
}

/** Instances as members: the workspace's name when it holds one instance, else `workspace:module.a.module.b`. */
function membersOf(instances: readonly Instance[], order: ReadonlyMap<string, number>): ParityMember[] {
  const sorted = [...instances].sort((a, b) => order.get(a.workspace)! - order.get(b.workspace)! || compare(pathText(a.modules), pathText(b.modules)));
  const perWorkspace = new Map<string, number>();
  for (const instance of sorted) perWorkspace.set(instance.workspace, (perWorkspace.get(instance.workspace) ?? 0) + 1);
  const seen = new Set<string>();
  const members: ParityMember[] = [];
  for (const instance of sorted) {
    const id = perWorkspace.get(instance.workspace) === 1 ? instance.workspace : `${instance.workspace}:${pathText(instance.modules)}`;
    if (seen.has(id)) continue; // two calls of one name in one dir: terraform refuses it, the instance is one
    seen.add(id);
    members.push({ id, ...instance });
  }
  return members;
}

/** A configured group of whole workspaces: those whose name some glob matches, in config order. */
function configuredWorkspaces(
  name: string,
  globs: readonly string[],
  workspaces: readonly { name: string; dir: string }[],
  expected: ExpectedGlob[],
): { group: ParityGroup } | { problem: string } {
  const matchers = globs.map(globMatcher);
  const members = workspaces
    .filter((w) => matchers.some((match) => match(w.name)))
    .map((w): ParityMember => ({ id: w.name, workspace: w.name, root: normalizeDir(w.dir), modules: [] }));
  if (members.length < 2) {
    const matched = members.length === 0 ? "no configured workspace" : `only \`${members[0]!.id}\``;
    return { problem: `parity group \`${name}\`: its workspaces (${globs.map((g) => `\`${g}\``).join(", ")}) match ${matched}; a group compares at least two: name more workspaces or remove the group` };
  }
  return { group: { name, origin: "configured", members, expected } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
