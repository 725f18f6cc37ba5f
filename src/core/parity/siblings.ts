import { instancePath } from "./instances.js";
import type { MemberValue, ParityReport } from "./types.js";

/** What a backport pull request for drift in one member of a parity group says about the others. */
export interface SiblingNote {
  group: string;
  /** The drifted member. */
  member: string;
  /** The difference as `driftback parity` names it. */
  resource: string;
  attribute: string;
  /** The other members and what they hold (their live values). */
  others: { member: string; value: MemberValue }[];
  /** The command that aligns the others to the drifted member's value. */
  command: string;
}

/** Finds the note for a drifted attribute: (workspace, full address, attribute path) -> the group difference it is part of. */
export type ParitySiblings = (workspace: string, address: string, pathText: string) => SiblingNote | undefined;

/**
 * A lookup over a scan's parity: drift in one member of a group that the others do not share is a live difference
 * with cause `drift`; its pull request says the others keep their value and how to align them instead. Pure.
 */
export function paritySiblings(report: ParityReport): ParitySiblings {
  const notes = new Map<string, SiblingNote>();
  for (const { group, differences } of report.groups) {
    for (const difference of differences) {
      if (difference.kind !== "live" || difference.cause !== "drift") continue;
      for (const drifted of difference.drift ?? []) {
        const member = group.members.find((m) => m.id === drifted.member);
        if (!member) continue;
        const prefix = instancePath(member.modules);
        const address = prefix ? `${prefix}.${difference.resource}` : difference.resource;
        const others = group.members.filter((m) => m.id !== member.id).map((m) => ({ member: m.id, value: difference.values[m.id] ?? { unknown: "not compared" } }));
        const command = `/driftback align ${group.name} ${difference.resource} ${difference.attribute} to ${member.id}`;
        notes.set(keyOf(member.workspace, address, difference.attribute), { group: group.name, member: member.id, resource: difference.resource, attribute: difference.attribute, others, command });
      }
    }
  }
  return (workspace, address, pathText) => notes.get(keyOf(workspace, address, pathText));
}

function keyOf(workspace: string, address: string, pathText: string): string {
  return `${workspace}\u0000${address}\u0000${pathText}`;
}
