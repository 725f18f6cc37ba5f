import { differenceKey } from "../parity/first-seen.js";
import type { PublicDifference, PublicGroup, PublicMemberValue } from "../parity/public.js";
import { cellText } from "./cell.js";

export interface ParityGroupView {
  name: string;
  module?: string;
  /** Configured in .github/driftback.yml, or found because the members call the same module (the template words it). */
  configured: boolean;
  members: string[];
  clean: boolean;
  /** Some difference has a first sighting (the dashboard): the table gets a Since column. */
  dated: boolean;
  differences: { kind: string; resource: string; attribute: string; cells: string[]; cause: CauseView | null; since?: string }[];
  /** The dashboard's "align all to" boxes (issue 16 §6), per difference shown: one per distinct value, with its first member. */
  align?: { resource: string; attribute: string; boxes: { box: string; value: string; member: string }[] }[];
  versions: { kind: string; name: string; cells: string[] }[];
  unknown: { member: string; reason: string }[];
}

/** The parity report as the markdown templates show it: one table per group, a column per member. */
export function parityView(groups: readonly PublicGroup[], today?: string, maxRows = Infinity, options: { alignBoxes?: boolean } = {}): { groups: ParityGroupView[]; differences: number; clean: boolean; hiddenRows: number } {
  let budget = maxRows;
  let hiddenRows = 0;
  // rows beyond the budget are counted, not shown: the dashboard must stay within GitHub's size limit
  const take = <T>(rows: readonly T[]): T[] => {
    const shown = rows.slice(0, Math.max(0, budget));
    budget -= shown.length;
    hiddenRows += rows.length - shown.length;
    return shown;
  };
  const views = groups.map((group) => {
    const shown = take(group.differences);
    return {
    name: group.name,
    ...(group.module !== undefined && group.module !== group.name ? { module: group.module } : {}),
    configured: group.origin === "configured",
    members: group.members,
    clean: group.differences.length === 0 && group.versions.length === 0,
    dated: group.differences.some((d) => d.first_seen !== undefined),
    differences: shown.map((d) => ({
      kind: d.kind,
      resource: d.resource,
      attribute: d.attribute,
      cells: group.members.map((member) => valueText(d.values[member])),
      cause: causeView(d),
      ...(d.first_seen ? { since: sinceText(d.first_seen, today) } : {}),
    })),
    versions: take(group.versions).map((row) => ({ kind: row.kind, name: row.name, cells: group.members.map((member) => row.values[member] ?? "—") })),
    unknown: group.unknown,
    ...(options.alignBoxes ? alignBoxesOf(group, shown) : {}),
  };
  });
  const differences = groups.reduce((sum, g) => sum + g.differences.length + g.versions.length, 0);
  return { groups: views, differences, clean: differences === 0, hiddenRows };
}

/** A member id that can sit in a box's hidden comment as it is (no space, nothing that ends the comment). */
export const BOX_MEMBER = /^[^\s<>`\\]{1,200}$/;

/**
 * One box per distinct value of each difference, for its first member in the group's order: ticking it asks the next
 * scan for the pull request aligning the others to that value. A difference with a sensitive (or masked) side gets none.
 */
function alignBoxesOf(group: PublicGroup, differences: readonly PublicDifference[]): { align?: NonNullable<ParityGroupView["align"]> } {
  const align: NonNullable<ParityGroupView["align"]> = [];
  for (const d of differences) {
    const sides = group.members.map((member) => ({ member, side: d.values[member] }));
    if (sides.some(({ side }) => side !== undefined && "sensitive" in side)) continue;
    const seen = new Set<string>();
    const boxes: { box: string; value: string; member: string }[] = [];
    for (const { member, side } of sides) {
      if (!side || !("value" in side) || !BOX_MEMBER.test(member)) continue;
      // distinct by the whole value: two long values may share the shortened text
      const whole = JSON.stringify(side.value);
      if (seen.has(whole)) continue;
      seen.add(whole);
      boxes.push({ box: `<!-- driftback:align:${differenceKey(group.name, d.kind, d.resource, d.attribute)}:${member} -->`, value: cellText(side.value), member });
    }
    if (boxes.length > 0) align.push({ resource: d.resource, attribute: d.attribute, boxes });
  }
  return align.length > 0 ? { align } : {};
}

function valueText(value: PublicMemberValue | undefined): string {
  if (!value) return "?";
  if ("sensitive" in value) return "(sensitive value)";
  if ("absent" in value) return "(absent)";
  if ("unknown" in value) return "(unknown)";
  return cellText(value.value);
}

function sinceText(firstSeen: string, today: string | undefined): string {
  if (!today) return firstSeen;
  const days = Math.max(0, Math.round((Date.parse(today) - Date.parse(firstSeen)) / 86_400_000));
  return `${firstSeen} (${days} ${days === 1 ? "day" : "days"})`;
}

/** A live difference's cause as the template words it; none for a declared one. */
export interface CauseView {
  code: boolean;
  unapplied: boolean;
  /** The members it drifted in, with the incident linked to each drift. */
  drift: { member: string; incident: string | null }[] | null;
}

function causeView(d: PublicDifference): CauseView | null {
  if (d.kind === "declared" || !d.cause) return null;
  return { code: d.cause === "code", unapplied: d.cause === "unapplied", drift: d.cause === "drift" ? (d.drift ?? []).map((x) => ({ member: x.member, incident: x.incident ?? null })) : null };
}
