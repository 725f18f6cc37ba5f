import type { HclParser } from "../adapters/hcl/parser.js";
import { loadRepoGraph, readRepoSources } from "../adapters/hcl/load-repo-view.js";
import { loadWorkspace } from "../adapters/hcl/load-workspace.js";
import { readLockFiles } from "../adapters/hcl/read-root-files.js";
import { sharedTreeParser } from "../adapters/hcl/shared-parser.js";
import type { Config } from "../config/schema.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import { declaredDifferences } from "../core/parity/declared.js";
import { parityGroups } from "../core/parity/groups.js";
import { expandInstances, liveDifferences } from "../core/parity/live.js";
import type { GroupReport, ParityDriftItem, ParityReport } from "../core/parity/types.js";
import { versionRows, workspaceVersions, type WorkspaceVersions } from "../core/parity/versions.js";
import type { PlanModel } from "../core/plan/model.js";

export interface ParityInput {
  /** The repository's checkout (read only). */
  checkoutDir: string;
  config: Config;
  /** Each workspace's latest plan, or why there is none; a workspace missing here has no live comparison. */
  plans?: ReadonlyMap<string, PlanModel | { unknown: string }>;
  /** The scan's drift items, so a `drift` cause names its items, first sightings and incidents. */
  drift?: readonly ParityDriftItem[];
}

export interface ParityResult extends ParityReport {
  /** Config groups that match nothing and files that could not be read: said once, never silently dropped. */
  problems: string[];
}

/**
 * Environment parity of one repository (issue 16): the groups of workspaces meant to be alike (configured, or
 * calling the same module), and per group what they declare differently, what runs differently (from the
 * latest plans) and which versions differ. Reads the checkout; plans nothing itself.
 */
export async function parityOf(baseParser: HclParser, input: ParityInput): Promise<ParityResult> {
  // every member loads the shared module's files: each distinct file is parsed once for all of them
  const parser = sharedTreeParser(baseParser);
  try {
    return await parityWith(parser, input);
  } finally {
    parser.dispose();
  }
}

async function parityWith(parser: HclParser, input: ParityInput): Promise<ParityResult> {
  const { config, checkoutDir } = input;
  const parse = (source: string) => parser.parse(source);
  // every .tf file read once: the call graph, each member's workspace code and the versions come from these texts
  const read = await readRepoSources(checkoutDir);
  const { sources } = read;
  const graph = await loadRepoGraph(parser, checkoutDir, read);
  const found = parityGroups({ graph, workspaces: config.workspaces.map((w) => ({ name: w.name, dir: w.dir })), config: config.parity });
  const problems = [...found.problems];
  if (found.groups.length === 0) return { groups: [], problems };

  // each member's workspace code, loaded with its own var files; one that cannot be read makes its members unknown
  const inGroups = new Set(found.groups.flatMap((g) => g.members.map((m) => m.workspace)));
  const workspaces = new Map<string, HclWorkspace>();
  const unreadable = new Map<string, string>();
  for (const ws of config.workspaces.filter((w) => inGroups.has(w.name))) {
    try {
      workspaces.set(ws.name, (await loadWorkspace(parser, checkoutDir, ws.dir, ws.var_files, { skipUnreadable: true, sources })).workspace);
    } catch (error) {
      unreadable.set(ws.name, (error as Error).message);
    }
  }

  // versions: the root's .tf files, the local modules they call and the root's lock file
  const locks = await readLockFiles(checkoutDir, config.workspaces.map((w) => w.dir));
  problems.push(...locks.problems);
  const files = new Map([...sources, ...locks.files]);
  const versions = new Map<string, WorkspaceVersions>();
  for (const ws of config.workspaces.filter((w) => inGroups.has(w.name) && !unreadable.has(w.name))) versions.set(ws.name, workspaceVersions(parse, files, ws.dir));

  const plans = input.plans ?? new Map<string, PlanModel | { unknown: string }>();
  const models = new Map([...plans].filter((entry): entry is [string, PlanModel] => !("unknown" in entry[1])));
  const groups: GroupReport[] = found.groups.map((found) => {
    const group = expandInstances(found, models);
    const declared = declaredDifferences(group, workspaces);
    const live = input.plans ? liveDifferences(group, plans, input.drift) : { differences: [], unknown: [] };
    const unknown = new Map<string, string>();
    for (const member of group.members) if (unreadable.has(member.workspace)) unknown.set(member.id, unreadable.get(member.workspace)!);
    for (const entry of [...declared.unknown, ...live.unknown]) if (!unknown.has(entry.member)) unknown.set(entry.member, entry.reason);
    return {
      group,
      differences: [...declared.differences, ...live.differences],
      versions: versionRows(group, versions),
      unknown: [...unknown].map(([member, reason]) => ({ member, reason })),
    };
  });
  return { groups, problems };
}
