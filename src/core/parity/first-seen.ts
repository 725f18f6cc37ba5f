import { createHash } from "node:crypto";
import type { ParityReport } from "./types.js";

/** How many differences keep a first-seen day in the dashboard state: the rest start again at the next scan. */
const MAX_TRACKED = 500;

/** A difference's identity across scans: its group, kind, resource and attribute (not its values, which may move). */
export function differenceKey(group: string, kind: string, resource: string, attribute: string): string {
  return createHash("sha256").update(`${group}\u0000${kind}\u0000${resource}\u0000${attribute}`).digest("hex").slice(0, 12);
}

/**
 * Each difference's first sighting: kept from the previous state while it lasts, today for a new one; a difference
 * gone from this scan is forgotten (it comes back as new). The report gets `firstSeen` on each difference.
 */
export function withFirstSeen(report: ParityReport, previous: Readonly<Record<string, string>> | undefined, today: string): { report: ParityReport; parity: Record<string, string> } {
  const parity: Record<string, string> = {};
  const groups = report.groups.map((g) => ({
    ...g,
    differences: g.differences.map((d) => {
      const key = differenceKey(g.group.name, d.kind, d.resource, d.attribute);
      const firstSeen = previous?.[key] ?? today;
      if (Object.keys(parity).length < MAX_TRACKED) parity[key] = firstSeen;
      return { ...d, firstSeen };
    }),
  }));
  return { report: { ...report, groups }, parity };
}
