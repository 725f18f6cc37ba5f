import type { JsonValue } from "../plan/model.js";

/**
 * Environment parity (issue 16): workspaces meant to be alike (staging, production, regions calling one
 * module) compared on what they declare, what runs, and which versions they use. Pure types shared by
 * the group finder, the declared, live and version comparisons, the renderers and the CLI.
 */

/** One step of the module path from a workspace's root down to an instance: `module.shop["eu"]` is `{ name: "shop", key: "eu" }`. */
export interface ModuleStep {
  name: string;
  key?: string | number;
}

/** One member of a parity group: a workspace, or one module instance inside it. */
export interface ParityMember {
  /** `prod-eu`, or `prod-eu:module.shop["eu"]` when the workspace holds several instances of the group's module. */
  id: string;
  workspace: string;
  /** Repo-relative dir of the workspace's root module. */
  root: string;
  /** Module calls from the root down to the instance; `[]` for a configured group's whole workspace. */
  modules: ModuleStep[];
  /** The path holds a count/for_each call whose keys the code alone does not give: instances come from a plan. */
  repeated?: boolean;
}

/** `{ address, attribute }` globs as in `drift.ignore`: a difference they match is expected by design. */
export interface ExpectedGlob {
  address?: string;
  attribute?: string;
}

export interface ParityGroup {
  name: string;
  origin: "configured" | "automatic";
  /** The shared module: a local module's repo-relative dir, or a registry/git source as written (without `?ref=`/version). */
  module?: string;
  members: ParityMember[];
  /** What differs by design (defaults plus `expected`, or `expected_only`). */
  expected: ExpectedGlob[];
}

/** One member's side of a difference. A sensitive value is compared by hash and never printed. */
export type MemberValue = { value: JsonValue } | { sensitive: true; hash: string } | { absent: true } | { unknown: string };

export type DifferenceCause = "code" | "drift" | "unapplied";

export interface ParityDifference {
  kind: "declared" | "live";
  /**
   * The address inside the shared module (`sandbox_deployment.app`), the full address in a configured group of
   * whole workspaces, or for a module input the call as the member's root writes it (`module.shop`).
   */
  resource: string;
  /** Attribute path (`env.DB_TIMEOUT`, `ingress[0].cidr_blocks`) or a module input's name. */
  attribute: string;
  /** By member id; every member of the group has an entry. */
  values: Record<string, MemberValue>;
  /** Live differences only: why the members differ. */
  cause?: DifferenceCause;
  /** For cause `drift`: the drifted members and their drift items. */
  drift?: { member: string; fingerprint?: string; firstSeen?: string; incident?: string }[];
  /** When the difference was first seen (the dashboard keeps it; the CLI has none). */
  firstSeen?: string;
}

export interface VersionRow {
  kind: "terraform" | "provider" | "module";
  /** `required_version`, a provider's source address (`registry.terraform.io/hashicorp/aws`), or a module's source. */
  name: string;
  /** By member id: the version (`5.31.0`, `~> 1.5`, `v1.4.0`), null when the member has none. */
  values: Record<string, string | null>;
}

export interface GroupReport {
  group: ParityGroup;
  differences: ParityDifference[];
  /** Only rows whose values differ between members, newest first. */
  versions: VersionRow[];
  /** Members whose code or plan could not be read, and why: shown as unknown, never equal or different. */
  unknown: { member: string; reason: string }[];
}

export interface ParityReport {
  groups: GroupReport[];
}

/** A drift item of a member's workspace, as the scan tracked it: what a `drift` cause links to. */
export interface ParityDriftItem {
  workspace: string;
  /** The full address in the workspace (`module.shop.sandbox_deployment.app`). */
  address: string;
  /** `env.DB_TIMEOUT`; empty for a whole resource. */
  pathText: string;
  fingerprint: string;
  firstSeen?: string;
  /** The linked incident's key, when one is. */
  incident?: string;
}
