import type { HclWorkspace } from "../hcl/workspace.js";
import { cellText } from "../render/cell.js";
import type { Masker } from "../render/mask.js";
import { declaredDifferences } from "./declared.js";
import { sameMemberValue } from "./flatten.js";
import { publicParity } from "./public.js";
import type { MemberValue, ParityGroup, ParityMember } from "./types.js";

/**
 * Parity on pull requests (issue 16 §5): a PR that changes a value in some members of a group and not in the
 * others says so in one line of the plan comment, so divergence becomes a reviewed decision. Pure.
 */

/** One (resource, attribute) where some member differs at the base or at the head, with each member's value on both sides. */
export interface SidedValues {
  resource: string;
  attribute: string;
  /** By head member id; a member the base does not have is missing here. */
  base: Record<string, MemberValue>;
  head: Record<string, MemberValue>;
}

/** A group as the head declares it, and its values at the base and the head. */
export interface GroupSides {
  group: ParityGroup;
  values: SidedValues[];
}

/** Member names as a line lists them: the first few, then how many more. */
export interface NameList {
  names: string[];
  others: number;
}

export interface ParityChangeLine {
  group: string;
  /** `pool_size` for a module input, `aws_db_instance.main.instance_class` or `var.pool_size` in a configured group of workspaces. */
  attribute: string;
  changed: NameList;
  kept: NameList;
  /** More than one member keeps the value: "keep", not "keeps". */
  keptMany: boolean;
  /** The value the kept members hold, shortened; null when it is masked or unset. */
  keptValue: string | null;
  keptSensitive: boolean;
  keptUnset: boolean;
  /** The changed members do not agree among themselves either. */
  differently: boolean;
}

export interface ParityAlignLine {
  group: string;
  attribute: string;
}

export interface ParityLinesView {
  changes: ParityChangeLine[];
  aligned: ParityAlignLine[];
  /** Lines left out beyond the cap. */
  more: number;
}

export const MAX_PARITY_LINES = 10;
/** Member names per list in a line; a group of fifty members stays one readable line. */
export const MAX_LINE_NAMES = 5;

/** Prefixes no workspace name can hold, so one declared comparison sees both commits side by side. */
const HEAD = "head\u0000";
const BASE = "base\u0000";

/**
 * A group's declared values at the base and the head, from one comparison of both commits' members (the head's
 * expected globs apply): every key where any member on either side differs comes back with both sides.
 * A head member the base group lacks has no base side; the base's own extra members are left out.
 */
export function declaredSides(
  head: ParityGroup,
  base: ParityGroup | undefined,
  workspaces: { head: ReadonlyMap<string, HclWorkspace>; base: ReadonlyMap<string, HclWorkspace> },
): GroupSides {
  const baseMembers = new Map((base?.members ?? []).map((member) => [member.id, member]));
  const inBase = head.members.filter((m) => baseMembers.has(m.id)).map((m) => tagged(baseMembers.get(m.id)!, BASE));
  const members = [...head.members.map((m) => tagged(m, HEAD)), ...inBase];
  const loaded = new Map([...prefixed(workspaces.head, HEAD), ...prefixed(workspaces.base, BASE)]);
  const { differences } = declaredDifferences({ ...head, members }, loaded);
  const side = (values: Record<string, MemberValue>, prefix: string) =>
    Object.fromEntries(head.members.filter((m) => values[prefix + m.id] !== undefined).map((m) => [m.id, values[prefix + m.id]!]));
  return {
    group: head,
    values: differences.map((d) => ({
      resource: d.resource,
      attribute: d.attribute,
      head: side(d.values, HEAD),
      base: side(d.values, BASE),
    })),
  };
}

function tagged(member: ParityMember, prefix: string): ParityMember {
  return { ...member, id: prefix + member.id, workspace: prefix + member.workspace };
}

function prefixed<T>(map: ReadonlyMap<string, T>, prefix: string): [string, T][] {
  return [...map].map(([key, value]) => [prefix + key, value]);
}

/**
 * The lines a pull request's comment shows: a difference the head declares that the base did not, where the
 * members the PR changed move away from the value the rest keep; and (shorter) a difference the PR closes.
 * A PR changing every member alike makes no difference and no line. Members whose value is unknown on a side
 * count for neither. The kept value is masked like every printed value. Undefined when there is no line.
 * `touched` names the workspaces the pull request's files reach: the base is the base branch's tip, which may have
 * moved since the branch left it, so a value that differs in a member the PR does not touch is not the PR's doing.
 */
export function parityLines(groups: readonly GroupSides[], masker: Masker, options: { touched?: ReadonlySet<string>; max?: number } = {}): ParityLinesView | undefined {
  const max = options.max ?? MAX_PARITY_LINES;
  const byPullRequest = (members: readonly ParityMember[]) => options.touched === undefined || members.every((m) => options.touched!.has(m.workspace));
  const changes: ParityChangeLine[] = [];
  const aligned: ParityAlignLine[] = [];
  for (const { group, values } of groups) {
    for (const sided of values) {
      const baseValue = agreed(Object.values(sided.base));
      const headValue = agreed(Object.values(sided.head));
      if (baseValue === "differ" && headValue !== "differ" && headValue !== undefined) {
        const moved = group.members.filter((m) => sided.base[m.id] !== undefined && sided.head[m.id] !== undefined && !sameMemberValue(sided.base[m.id]!, sided.head[m.id]!));
        if (byPullRequest(moved)) aligned.push({ group: cellText(group.name), attribute: label(group, sided) });
        continue;
      }
      if (baseValue === "differ" || baseValue === undefined || headValue !== "differ") continue;
      const readable = group.members.filter((m) => sided.head[m.id] !== undefined && !("unknown" in sided.head[m.id]!));
      const changed = readable.filter((m) => !sameMemberValue(sided.head[m.id]!, baseValue));
      const kept = readable.filter((m) => sameMemberValue(sided.head[m.id]!, baseValue));
      if (changed.length === 0 || !byPullRequest(changed)) continue;
      const shown = keptView(group, sided, baseValue, masker);
      changes.push({
        group: cellText(group.name),
        attribute: label(group, sided),
        changed: nameList(changed.map((m) => m.id)),
        kept: nameList(kept.map((m) => m.id)),
        keptMany: kept.length > 1,
        ...shown,
        differently: agreed(changed.map((m) => sided.head[m.id]!)) === "differ",
      });
    }
  }
  const total = changes.length + aligned.length;
  if (total === 0) return undefined;
  // changes first: they are what a reviewer decides on
  const shownChanges = changes.slice(0, max);
  const shownAligned = aligned.slice(0, Math.max(0, max - shownChanges.length));
  return { changes: shownChanges, aligned: shownAligned, more: total - shownChanges.length - shownAligned.length };
}

/** The one value every readable member holds, "differ" when two disagree, undefined when none is readable. */
function agreed(values: readonly MemberValue[]): MemberValue | "differ" | undefined {
  const readable = values.filter((v) => !("unknown" in v));
  if (readable.length === 0) return undefined;
  return readable.every((v) => sameMemberValue(v, readable[0]!)) ? readable[0] : "differ";
}

/** A module group compares its call's inputs: the input's name says it all. Otherwise the resource leads. Shortened: a key is the repository's to choose. */
function label(group: ParityGroup, sided: SidedValues): string {
  return cellText(group.module !== undefined && sided.resource.startsWith("module.") ? sided.attribute : `${sided.resource}.${sided.attribute}`);
}

function nameList(ids: readonly string[]): NameList {
  return { names: ids.slice(0, MAX_LINE_NAMES).map((id) => cellText(id)), others: Math.max(0, ids.length - MAX_LINE_NAMES) };
}

/** The kept value as printed: masked by the repository's rules exactly as `driftback parity` masks it. */
function keptView(group: ParityGroup, sided: SidedValues, value: MemberValue, masker: Masker): Pick<ParityChangeLine, "keptValue" | "keptSensitive" | "keptUnset"> {
  const report = { groups: [{ group, differences: [{ kind: "declared" as const, resource: sided.resource, attribute: sided.attribute, values: { kept: value } }], versions: [], unknown: [] }] };
  const shown = publicParity(report, masker).groups[0]!.differences[0]!.values.kept!;
  if ("sensitive" in shown) return { keptValue: null, keptSensitive: true, keptUnset: false };
  if ("absent" in shown) return { keptValue: null, keptSensitive: false, keptUnset: true };
  if ("unknown" in shown) return { keptValue: null, keptSensitive: false, keptUnset: false }; // never: the kept value is readable
  return { keptValue: cellText(shown.value), keptSensitive: false, keptUnset: false };
}
