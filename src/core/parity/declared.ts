import { formatAttributePath } from "../hcl/address.js";
import type { HclWorkspace } from "../hcl/workspace.js";
import { followCalls, moduleInputs, workspaceEntries, type DeclaredEntry } from "./declared-entries.js";
import { containsSensitive, declaredLeaves, unknown } from "./declared-value.js";
import { expectedMatcher } from "./expected.js";
import { differingKeys, type MemberValues } from "./flatten.js";
import type { MemberValue, ParityDifference, ParityGroup, ParityMember } from "./types.js";

/**
 * Declared divergence (issue 16 §2): what the members' code says differs, from the HCL alone, no plan.
 * A module group compares the inputs of each member's innermost call (what it sets, else the module's
 * defaults); a configured group of whole workspaces compares root variables and root resources' attributes.
 * Values follow variables, var files, locals and `each` as terraform would; what the code alone does not
 * give is unknown and never makes a difference. Sensitive values are compared by hash only. Pure.
 */
export function declaredDifferences(
  group: ParityGroup,
  workspaces: ReadonlyMap<string, HclWorkspace>,
): { differences: ParityDifference[]; unknown: { member: string; reason: string }[] } {
  const unreadable: { member: string; reason: string }[] = [];
  const read = new Map<string, { entries: DeclaredEntry[]; remote: ReadonlyMap<string, string> }>();
  const callName = moduleCallName(group);
  for (const member of group.members) {
    const found = memberEntries(member, workspaces.get(member.workspace), callName, group.module !== undefined);
    if ("unknown" in found) unreadable.push({ member: member.id, reason: found.unknown });
    else read.set(member.id, found);
  }
  fillRemoteDefaults(read);
  const entries = new Map([...read].map(([member, found]) => [member, found.entries]));
  dropSingleBlockIndexes([...entries.values()]);

  const perMember = memberValues(group.members, entries, unreadable);
  const expected = expectedMatcher(group.expected);
  const differences: ParityDifference[] = [];
  for (const { key, values } of differingKeys(group.members.map((m) => m.id), perMember)) {
    const [resource, attribute] = JSON.parse(key) as [string, string];
    if (!expected(resource, attribute)) differences.push({ kind: "declared", resource, attribute, values });
  }
  differences.sort((a, b) => byCodeUnits(a.resource, b.resource) || byCodeUnits(a.attribute, b.attribute));
  return { differences, unknown: unreadable };
}

type MemberEntries = { entries: DeclaredEntry[]; remote: ReadonlyMap<string, string> } | { unknown: string };

function memberEntries(member: ParityMember, ws: HclWorkspace | undefined, callName: string, moduleGroup: boolean): MemberEntries {
  if (!ws) return { unknown: `the code of workspace \`${member.workspace}\` was not read` };
  if (!moduleGroup) return workspaceEntries(ws);
  const followed = followCalls(ws, member.modules);
  if ("unknown" in followed) return followed;
  return { entries: moduleInputs(followed.chain, callName, followed.local), remote: new Map(followed.local ? [] : [[callName, followed.source]]) };
}

/** `module.plat.module.svc`: the call as the first member's root names it (instance keys differ by member, so none). */
function moduleCallName(group: ParityGroup): string {
  return (group.members[0]?.modules ?? []).map((step) => `module.${step.name}`).join(".");
}

/** A module from outside the repository: an input a member leaves unset has a default the code here does not show. */
function fillRemoteDefaults(read: ReadonlyMap<string, { entries: DeclaredEntry[]; remote: ReadonlyMap<string, string> }>): void {
  const inputs = new Map<string, DeclaredEntry>();
  for (const { entries } of read.values()) for (const entry of entries) inputs.set(entryKey(entry), entry);
  for (const { entries, remote } of read.values()) {
    const own = new Set(entries.map(entryKey));
    for (const [key, entry] of inputs) {
      const source = remote.get(entry.resource);
      if (source !== undefined && !own.has(key)) entries.push({ resource: entry.resource, path: entry.path, value: unknown(`not set: the default of \`${source}\` is not in this repository`) });
    }
  }
}

/**
 * Nested blocks are entered by index; where no member has more than one of a block (`settings`), the index is
 * dropped (`settings.timeout`), so a single block reads as written and a repeated one as `port[1].number`.
 */
function dropSingleBlockIndexes(lists: readonly DeclaredEntry[][]): void {
  const groupKey = (entry: DeclaredEntry, at: number) => JSON.stringify([entry.resource, entry.path.slice(0, at)]);
  const counts = new Map<string, number>();
  for (const entry of lists.flat()) {
    for (const at of entry.blockSteps ?? []) counts.set(groupKey(entry, at), Math.max(counts.get(groupKey(entry, at)) ?? 0, Number(entry.path[at]) + 1));
  }
  for (const entry of lists.flat()) {
    const single = new Set((entry.blockSteps ?? []).filter((at) => counts.get(groupKey(entry, at)) === 1));
    if (single.size > 0) entry.path = entry.path.filter((_, at) => !single.has(at));
    delete entry.blockSteps;
  }
}

/**
 * Each member's leaves, keyed by resource and attribute. A value some member's code holds as sensitive is a
 * secret for every member: it is compared whole, by hash, so no member's side of it is ever printed. A key a
 * member lacks under one of its unknown values (`env` is a function call, another member sets `env.X`) is unknown
 * for it, not absent.
 */
function memberValues(members: readonly ParityMember[], entries: ReadonlyMap<string, DeclaredEntry[]>, unreadable: readonly { member: string; reason: string }[]): Map<string, MemberValues> {
  const secret = new Set<string>();
  for (const list of entries.values()) for (const entry of list) if (containsSensitive(entry.value)) secret.add(entryKey(entry));
  const leavesOf = new Map<string, Map<string, MemberValue>>();
  for (const [member, list] of entries) {
    const leaves = new Map<string, MemberValue>();
    for (const entry of list) {
      for (const [attribute, value] of declaredLeaves(entry.value, entry.path, secret.has(entryKey(entry)))) leaves.set(JSON.stringify([entry.resource, attribute]), value);
    }
    leavesOf.set(member, leaves);
  }
  const allKeys = new Set([...leavesOf.values()].flatMap((leaves) => [...leaves.keys()]));
  for (const leaves of leavesOf.values()) {
    const unknownAt = [...leaves].filter(([, value]) => "unknown" in value).map(([key, value]) => ({ at: JSON.parse(key) as [string, string], value }));
    if (unknownAt.length === 0) continue;
    for (const key of allKeys) {
      if (leaves.has(key)) continue;
      const [resource, attribute] = JSON.parse(key) as [string, string];
      const above = unknownAt.find(({ at }) => at[0] === resource && (attribute.startsWith(`${at[1]}.`) || attribute.startsWith(`${at[1]}[`)));
      if (above) leaves.set(key, above.value);
    }
  }
  const out = new Map<string, MemberValues>();
  for (const member of members) {
    out.set(member.id, leavesOf.get(member.id) ?? { unknown: unreadable.find((u) => u.member === member.id)?.reason ?? "not read" });
  }
  return out;
}

function entryKey(entry: DeclaredEntry): string {
  return JSON.stringify([entry.resource, formatAttributePath(entry.path)]);
}

/** Go's string order: by code unit, not by locale, so the order is the same everywhere. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
