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
  const entries = new Map<string, DeclaredEntry[]>();
  const callName = moduleCallName(group);
  const remote = new Map<string, string>();
  for (const member of group.members) {
    const read = memberEntries(member, workspaces.get(member.workspace), callName, group.module !== undefined);
    if ("unknown" in read) unreadable.push({ member: member.id, reason: read.unknown });
    else {
      entries.set(member.id, read.entries);
      if (read.remoteSource !== undefined) remote.set(member.id, read.remoteSource);
    }
  }
  fillRemoteDefaults(entries, remote);

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

type MemberEntries = { entries: DeclaredEntry[]; remoteSource?: string } | { unknown: string };

function memberEntries(member: ParityMember, ws: HclWorkspace | undefined, callName: string, moduleGroup: boolean): MemberEntries {
  if (!ws) return { unknown: `the code of workspace \`${member.workspace}\` was not read` };
  if (!moduleGroup) return { entries: workspaceEntries(ws) };
  const followed = followCalls(ws, member.modules);
  if ("unknown" in followed) return followed;
  return { entries: moduleInputs(followed.chain, callName, followed.local), ...(followed.local ? {} : { remoteSource: followed.source }) };
}

/** `module.plat.module.svc`: the call as the first member's root names it (instance keys differ by member, so none). */
function moduleCallName(group: ParityGroup): string {
  return (group.members[0]?.modules ?? []).map((step) => `module.${step.name}`).join(".");
}

/** A module from outside the repository: an input a member leaves unset has a default the code here does not show. */
function fillRemoteDefaults(entries: Map<string, DeclaredEntry[]>, remote: ReadonlyMap<string, string>): void {
  const inputs = new Map<string, DeclaredEntry>();
  for (const list of entries.values()) for (const entry of list) inputs.set(entryKey(entry), entry);
  for (const [member, source] of remote) {
    const list = entries.get(member)!;
    const own = new Set(list.map(entryKey));
    for (const [key, entry] of inputs) {
      if (!own.has(key)) list.push({ ...entry, value: unknown(`not set: the default of \`${source}\` is not in this repository`) });
    }
  }
}

/**
 * Each member's leaves, keyed by resource and attribute. A value some member's code holds as sensitive is a
 * secret for every member: it is compared whole, by hash, so no member's side of it is ever printed.
 */
function memberValues(members: readonly ParityMember[], entries: ReadonlyMap<string, DeclaredEntry[]>, unreadable: readonly { member: string; reason: string }[]): Map<string, MemberValues> {
  const secret = new Set<string>();
  for (const list of entries.values()) for (const entry of list) if (containsSensitive(entry.value)) secret.add(entryKey(entry));
  const out = new Map<string, MemberValues>();
  for (const member of members) {
    const list = entries.get(member.id);
    if (!list) {
      out.set(member.id, { unknown: unreadable.find((u) => u.member === member.id)?.reason ?? "not read" });
      continue;
    }
    const leaves = new Map<string, MemberValue>();
    for (const entry of list) {
      for (const [attribute, value] of declaredLeaves(entry.value, entry.path, secret.has(entryKey(entry)))) {
        leaves.set(JSON.stringify([entry.resource, attribute]), value);
      }
    }
    out.set(member.id, leaves);
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
