import type { JsonValue } from "../plan/model.js";
import { containsMasked } from "../drift/report.js";
import type { Masker } from "../render/mask.js";
import type { DifferenceCause, MemberValue, ParityReport, VersionRow } from "./types.js";

/** One member's side as printed: a sensitive or masked value is `{ sensitive: true }`, never its value or hash. */
export type PublicMemberValue = { value: JsonValue } | { sensitive: true } | { absent: true } | { unknown: string };

export interface PublicDifference {
  kind: "declared" | "live";
  resource: string;
  attribute: string;
  values: Record<string, PublicMemberValue>;
  cause?: DifferenceCause;
  first_seen?: string;
  drift?: { member: string; fingerprint?: string; first_seen?: string; incident?: string }[];
}

export interface PublicGroup {
  name: string;
  origin: "configured" | "automatic";
  module?: string;
  members: string[];
  differences: PublicDifference[];
  versions: VersionRow[];
  unknown: { member: string; reason: string }[];
}

/** `driftback parity --format json` (issue 16 §7), and what every other rendering starts from. */
export function publicParity(report: ParityReport, masker: Masker): { groups: PublicGroup[] } {
  return {
    groups: report.groups.map(({ group, differences, versions, unknown }) => ({
      name: group.name,
      origin: group.origin,
      ...(group.module !== undefined ? { module: group.module } : {}),
      members: group.members.map((m) => m.id),
      differences: differences.map((d) => ({
        kind: d.kind,
        resource: d.resource,
        attribute: d.attribute,
        values: Object.fromEntries(Object.entries(d.values).map(([member, value]) => [member, publicValue(value, d.attribute, masker)])),
        ...(d.cause ? { cause: d.cause } : {}),
        ...(d.firstSeen ? { first_seen: d.firstSeen } : {}),
        ...(d.drift ? { drift: d.drift.map(({ firstSeen, ...rest }) => ({ ...rest, ...(firstSeen ? { first_seen: firstSeen } : {}) })) } : {}),
      })),
      versions,
      unknown,
    })),
  };
}

/** Masked by the repository's mask rules like every other value driftback prints: by the attribute's name or the value's text. */
function publicValue(value: MemberValue, attribute: string, masker: Masker): PublicMemberValue {
  if ("sensitive" in value) return { sensitive: true };
  if (!("value" in value)) return value;
  if (masker.isMaskedPath(attribute) || containsMasked(value.value, masker)) return { sensitive: true };
  return value;
}

/** The number of differences no expected glob covered: what `--detailed-exitcode` and the metric count. */
export function differenceCount(report: ParityReport): number {
  return report.groups.reduce((sum, g) => sum + g.differences.length + g.versions.length, 0);
}
