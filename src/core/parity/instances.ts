import { parseResourceAddress } from "../hcl/address.js";
import type { PlanModel, ResourceChange } from "../plan/model.js";
import type { ModuleStep, ParityGroup, ParityMember } from "./types.js";

/** `module.svc["api"].module.db` as terraform writes it; "" for the root. */
export function instancePath(steps: readonly ModuleStep[]): string {
  return steps.map((step) => `module.${step.name}${step.key === undefined ? "" : `[${JSON.stringify(step.key)}]`}`).join(".");
}

/** The module steps of a resource instance address; undefined when the address is not one. */
function modulesOf(change: ResourceChange): ModuleStep[] | undefined {
  return parseResourceAddress(change.address)?.modules;
}

function sameSteps(a: readonly ModuleStep[], b: readonly ModuleStep[]): boolean {
  return a.length === b.length && a.every((step, i) => step.name === b[i]!.name && step.key === b[i]!.key);
}

/**
 * The managed resources of one member: those exactly at its instance path (`modules: []`: the root's own).
 * Resources of module calls nested inside the instance are left out: the nested module is a group of its own
 * (`module.plat.module.svc`), and counting them here too would report each difference twice.
 */
export function memberChanges(member: ParityMember, plan: PlanModel): ResourceChange[] {
  const path = instancePath(member.modules);
  return plan.resourceChanges.filter((change) => {
    if (change.mode !== "managed") return false;
    // a whole workspace (a configured group) is compared on everything it manages, by full address; a module
    // instance on its own resources only (a module nested in it forms its own group)
    if (member.modules.length === 0) return true;
    const modules = modulesOf(change);
    return modules ? sameSteps(modules, member.modules) : (change.moduleAddress ?? "") === path;
  });
}

/** A module call segment, `module.name` with an optional `["key"]`/`[0]`, followed by its dot. */
const MODULE_SEGMENT = /^module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\./;

/** `module.shop.sandbox_deployment.app` -> `sandbox_deployment.app`: the address inside the instance, as the plan wrote it (own index kept). */
export function addressInside(address: string, depth: number): string {
  let rest = address;
  for (let i = 0; i < depth; i++) {
    const match = MODULE_SEGMENT.exec(rest);
    if (!match) return address;
    rest = rest.slice(match[0].length);
  }
  return rest;
}

/** Terraform's order: numbers (count) before strings (for_each), each in its natural order; a missing key first. */
function compareSteps(a: readonly ModuleStep[], b: readonly ModuleStep[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!.key;
    const y = b[i]!.key;
    if (x === y) continue;
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The instances of a repeated member that the plan shows: module paths whose calls have the member's names and,
 * where the member gives a key, that key. Any resource (data sources too) proves its instance exists.
 */
export function instancesOf(member: ParityMember, plan: PlanModel): ModuleStep[][] {
  const found = new Map<string, ModuleStep[]>();
  for (const change of [...plan.resourceChanges, ...plan.resourceDrift]) {
    const modules = modulesOf(change);
    if (!modules || modules.length < member.modules.length) continue;
    const prefix = modules.slice(0, member.modules.length);
    const fits = prefix.every((step, i) => {
      const wanted = member.modules[i]!;
      return step.name === wanted.name && (wanted.key === undefined || wanted.key === step.key);
    });
    if (fits) found.set(instancePath(prefix), prefix);
  }
  return [...found.values()].sort(compareSteps);
}

/**
 * Members whose path has a count/for_each call (`repeated`) become one member per instance the plans show:
 * `main:module.svc["api"]`, keys set, no longer `repeated`. Non-repeated members are unchanged; a repeated member
 * whose workspace has no plan, or whose plan shows no instance, stays as it is (and live comparison calls it unknown).
 */
export function expandInstances(group: ParityGroup, plans: ReadonlyMap<string, PlanModel>): ParityGroup {
  const ids = new Set(group.members.map((member) => member.id));
  const members: ParityMember[] = [];
  for (const member of group.members) {
    const plan = plans.get(member.workspace);
    const instances = member.repeated && plan ? instancesOf(member, plan) : [];
    if (instances.length === 0) {
      members.push(member);
      continue;
    }
    ids.delete(member.id);
    for (const modules of instances) {
      const { repeated: _repeated, ...rest } = member;
      const id = sameSteps(modules, member.modules) ? member.id : `${member.workspace}:${instancePath(modules)}`;
      if (ids.has(id)) continue; // already a member of its own
      ids.add(id);
      members.push({ ...rest, id, modules });
    }
  }
  return { ...group, members };
}
