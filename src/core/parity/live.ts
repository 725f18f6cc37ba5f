import { parseAttributePath } from "../hcl/address.js";
import { isMarked, overlaps, valueAt } from "../drift/evidence.js";
import type { PathStep, PlanModel, ResourceChange } from "../plan/model.js";
import { deepEqual, isEmptyish } from "../render/values.js";
import { expectedMatcher } from "./expected.js";
import { differingKeys, flattenValue, sameMemberValue, sensitiveValue, type MemberValues } from "./flatten.js";
import { addressInside, instancePath, instancesOf, memberChanges } from "./instances.js";
import type { DifferenceCause, MemberValue, ParityDifference, ParityDriftItem, ParityGroup, ParityMember } from "./types.js";

export { expandInstances } from "./instances.js";

/**
 * Live divergence (issue 16 §3): the members compared on what really runs, the refreshed prior state of their
 * latest plans (`change.before`), resource by resource (matched by the address inside the instance) and attribute
 * by attribute. Each difference gets a cause, read from the same plans:
 *
 * | the members' planned values (`after`) | a member's live vs its own planned value   | cause       |
 * |---------------------------------------|--------------------------------------------|-------------|
 * | differ (unknown ones left out)        | any: they would differ even after apply    | `code`      |
 * | agree                                 | differs, and the attribute drifted outside | `drift`     |
 * | agree                                 | differs (or is unknown), no drift          | `unapplied` |
 * | agree                                 | equal in every member                      | (the live values agree: no difference) |
 *
 * "Drifted outside" is the plan's `resource_drift` (recorded state against refreshed state) showing the attribute
 * changed, or a tracked drift item for the workspace, full address and path. As in drift classification, drift the
 * plan does not set back (live equals planned: ignore_changes, an unset computed attribute) is not drift: the
 * members then plan different values, and the cause is `code`. Drift wins over unapplied: it is what someone must act on.
 *
 * A resource present live in some members and not in others is one difference with attribute "" (values
 * `{ value: "present" }` / `{ absent: true }`), its cause read the same way on presence: declared (a planned entry
 * that is not a delete), live (a prior state), drifted (`resource_drift` says deleted, or a drift item with an empty
 * path). Its attributes are then compared among the members that have it, the others shown absent.
 */

type PlanOrUnknown = PlanModel | { unknown: string };

export interface LiveDifferences {
  differences: ParityDifference[];
  unknown: { member: string; reason: string }[];
}

/** One readable member's side of one resource. */
interface Side {
  member: ParityMember;
  /** Undefined: the member's plan has no such resource (its code does not declare it, or declares none). */
  change?: ResourceChange;
  /** The address in the member's workspace, what drift items are keyed by. */
  fullAddress: string;
  /** Flattened refreshed prior state; undefined when the resource does not exist live (about to be created). */
  live?: Map<string, MemberValue>;
  /** The plan's `resource_drift` entry for it. */
  drifted?: ResourceChange;
}

interface Readable {
  member: ParityMember;
  byAddress: Map<string, ResourceChange>;
  /** `resource_drift` by full address (managed resources). */
  driftByAddress: Map<string, ResourceChange>;
}

const UNKNOWN_AFTER_APPLY = "known after apply";
const PRESENT: MemberValue = { value: "present" };

export function liveDifferences(group: ParityGroup, plans: ReadonlyMap<string, PlanOrUnknown>, drift: readonly ParityDriftItem[] = []): LiveDifferences {
  const unknown: { member: string; reason: string }[] = [];
  const readable: Readable[] = [];
  for (const member of group.members) {
    const plan = plans.get(member.workspace);
    const reason = unreadable(member, plan);
    if (reason !== undefined) unknown.push({ member: member.id, reason });
    else readable.push({ member, byAddress: resourcesInside(member, plan as PlanModel), driftByAddress: driftOf(plan as PlanModel) });
  }
  const unknownValues = new Map(unknown.map((u) => [u.member, u.reason]));
  const addresses = [...new Set(readable.flatMap((r) => [...r.byAddress.keys()]))].sort(byCodePoint);
  const isExpected = expectedMatcher(group.expected);
  const differences: ParityDifference[] = [];
  for (const resource of addresses) {
    const sides = readable.map((r) => sideOf(r, resource));
    for (const difference of resourceDifferences(group, resource, sides, unknownValues, drift)) {
      if (!isExpected(difference.resource, difference.attribute)) differences.push(difference);
    }
  }
  differences.sort((a, b) => byCodePoint(a.resource, b.resource) || byCodePoint(a.attribute, b.attribute));
  return { differences, unknown };
}

/** Why a member's live values cannot be read, or undefined when they can. */
function unreadable(member: ParityMember, plan: PlanOrUnknown | undefined): string | undefined {
  if (plan === undefined) return `no plan of workspace ${member.workspace}`;
  if (!isPlan(plan)) return plan.unknown;
  if (plan.errored) return `the latest plan of ${member.workspace} errored part-way: what it holds is incomplete`;
  if (plan.refreshOnly && plan.resourceChanges.length === 0) return `the latest plan of ${member.workspace} is refresh-only: it has no resource changes to read`;
  if (member.repeated && member.modules.some((step) => step.key === undefined)) {
    const path = instancePath(member.modules);
    return instancesOf(member, plan).length === 0 ? `the plan of ${member.workspace} shows no instance of ${path}` : `${path} is repeated (count/for_each): expand its instances first`;
  }
  return undefined;
}

function isPlan(plan: PlanOrUnknown): plan is PlanModel {
  return typeof (plan as { unknown?: unknown }).unknown !== "string";
}

function resourcesInside(member: ParityMember, plan: PlanModel): Map<string, ResourceChange> {
  return new Map(memberChanges(member, plan).map((change) => [addressInside(change.address, member.modules.length), change]));
}

function driftOf(plan: PlanModel): Map<string, ResourceChange> {
  return new Map(plan.resourceDrift.filter((d) => d.mode === "managed").map((d) => [d.address, d]));
}

function sideOf(readable: Readable, resource: string): Side {
  const { member } = readable;
  const change = readable.byAddress.get(resource);
  const prefix = instancePath(member.modules);
  const fullAddress = change?.address ?? (prefix ? `${prefix}.${resource}` : resource);
  const exists = change !== undefined && change.before !== null && change.before !== undefined;
  return {
    member,
    change,
    fullAddress,
    live: exists ? flattenValue(change.before, change.beforeSensitive) : undefined,
    drifted: readable.driftByAddress.get(fullAddress),
  };
}

function resourceDifferences(group: ParityGroup, resource: string, sides: Side[], unknownValues: ReadonlyMap<string, string>, drift: readonly ParityDriftItem[]): ParityDifference[] {
  const out: ParityDifference[] = [];
  const present = sides.filter((side) => side.live);
  const absent = sides.filter((side) => !side.live);
  const valuesOf = (known: (side: Side) => MemberValue) => {
    const values: Record<string, MemberValue> = {};
    for (const member of group.members) {
      const side = sides.find((s) => s.member.id === member.id);
      values[member.id] = side ? known(side) : { unknown: unknownValues.get(member.id) ?? "not read" };
    }
    return values;
  };
  if (present.length > 0 && absent.length > 0) {
    out.push({ kind: "live", resource, attribute: "", values: valuesOf((side) => (side.live ? PRESENT : { absent: true })), ...presenceCause(sides, drift) });
  }
  // attributes among the members that have the resource live; the others show absent, the unreadable unknown
  const perMember = new Map<string, MemberValues>();
  for (const side of present) perMember.set(side.member.id, side.live!);
  for (const [member, reason] of unknownValues) perMember.set(member, { unknown: reason });
  const order = group.members.map((m) => m.id).filter((id) => perMember.has(id));
  for (const { key } of differingKeys(order, perMember)) {
    const values = valuesOf((side) => side.live?.get(key) ?? { absent: true });
    if (onlyEmptyish(values)) continue;
    out.push({ kind: "live", resource, attribute: key, values, ...attributeCause(key, present, drift) });
  }
  return out;
}

/** null, [], {} and absent everywhere: providers flip between them with nothing really different (as drift classification). */
function onlyEmptyish(values: Record<string, MemberValue>): boolean {
  return Object.values(values).every((v) => "unknown" in v || "absent" in v || ("value" in v && isEmptyish(v.value)));
}

type Cause = { cause: DifferenceCause; drift?: NonNullable<ParityDifference["drift"]> };

function attributeCause(key: string, sides: Side[], items: readonly ParityDriftItem[]): Cause {
  const path = parseAttributePath(key);
  const facts = sides.map((side) => {
    const live = side.live!.get(key) ?? { absent: true };
    const planned = plannedValue(side.change!, path);
    const settled = !("unknown" in planned) && sameMemberValue(live, planned);
    const matched = matchingItems(items, side, (item) => item.pathText !== "" && (item.pathText === key || overlaps(parseAttributePath(item.pathText), path)));
    return { side, planned, settled, drifted: !settled && (driftedAt(side.drifted, path) || matched.length > 0), matched };
  });
  const declared = facts.map((f) => f.planned).filter((p) => !("unknown" in p));
  if (declared.some((p) => !sameMemberValue(p, declared[0]!))) return { cause: "code" };
  return causeFrom(facts);
}

function presenceCause(sides: Side[], items: readonly ParityDriftItem[]): Cause {
  const facts = sides.map((side) => {
    const declared = side.change !== undefined && !["delete", "forget"].includes(side.change.action);
    const settled = declared === (side.live !== undefined);
    const matched = matchingItems(items, side, (item) => item.pathText === "");
    return { side, declared, settled, drifted: !settled && (side.drifted?.action === "delete" || matched.length > 0), matched };
  });
  if (facts.some((f) => f.declared !== facts[0]!.declared)) return { cause: "code" };
  return causeFrom(facts);
}

/** Once the members declare alike: drift where a member drifted away from its code, else a change not applied. */
function causeFrom(facts: { side: Side; settled: boolean; drifted: boolean; matched: ParityDriftItem[] }[]): Cause {
  const drifted = facts.filter((f) => f.drifted);
  if (drifted.length > 0) {
    return {
      cause: "drift",
      drift: drifted.flatMap(({ side, matched }) =>
        matched.length === 0 ? [{ member: side.member.id }] : matched.map((item) => ({ member: side.member.id, fingerprint: item.fingerprint, ...(item.firstSeen !== undefined && { firstSeen: item.firstSeen }), ...(item.incident !== undefined && { incident: item.incident }) })),
      ),
    };
  }
  return { cause: facts.some((f) => !f.settled) ? "unapplied" : "code" };
}

/** What apply would make the attribute: unknown where after_unknown marks it, absent where the plan has none (a delete). */
function plannedValue(change: ResourceChange, path: readonly PathStep[]): MemberValue {
  if (isMarked(change.afterUnknown, path)) return { unknown: UNKNOWN_AFTER_APPLY };
  const value = valueAt(change.after, path);
  if (value === undefined) return { absent: true };
  return isMarked(change.afterSensitive, path) ? sensitiveValue(value) : { value };
}

/** `resource_drift` shows the attribute changed between the recorded and the refreshed state (null/[]/{} flips aside). */
function driftedAt(drift: ResourceChange | undefined, path: readonly PathStep[]): boolean {
  if (!drift || drift.action !== "update") return false;
  return !deepEqual(valueAt(drift.before, path) ?? null, valueAt(drift.after, path) ?? null, true);
}

function matchingItems(items: readonly ParityDriftItem[], side: Side, onPath: (item: ParityDriftItem) => boolean): ParityDriftItem[] {
  return items
    .filter((item) => item.workspace === side.member.workspace && item.address === side.fullAddress && onPath(item))
    .sort((a, b) => byCodePoint(a.pathText, b.pathText) || byCodePoint(a.fingerprint, b.fingerprint));
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
