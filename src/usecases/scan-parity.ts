import type { Config } from "../config/schema.js";
import type { DriftItem } from "../core/drift/items.js";
import type { DashboardState, WorkspaceScan } from "../core/drift/state.js";
import { fingerprintOf } from "../core/drift/track.js";
import { withFirstSeen } from "../core/parity/first-seen.js";
import { publicParity, type PublicGroup } from "../core/parity/public.js";
import type { ParityDriftItem, ParityReport } from "../core/parity/types.js";
import type { PlanModel } from "../core/plan/model.js";
import { parsePlan } from "../core/plan/parse.js";
import type { Masker } from "../core/render/mask.js";
import type { Logger } from "../ports.js";
import type { BackportIncidentLink } from "./backport-drift.js";
import type { ParityInput, ParityResult } from "./parity.js";

/** Computes a repository's parity (usecases/parity.ts with the App's HCL parser). */
export type RunParity = (input: ParityInput) => Promise<ParityResult>;

export interface ScanParityInput {
  checkoutDir: string;
  config: Config;
  /** This scan's plan JSON per workspace that planned. */
  planJson: ReadonlyMap<string, string>;
  scans: readonly WorkspaceScan[];
  items: readonly DriftItem[];
  /** The dashboard state after this scan (first sightings of drift and of parity differences). */
  state: DashboardState;
  /** Pull requests that link an incident (the backport step's report), so a drift cause names its incident. */
  links?: readonly BackportIncidentLink[];
  today: string;
  masker: Masker;
}

export interface ScanParity {
  groups: PublicGroup[];
  /** First sightings to keep in the dashboard state. */
  firstSeen: Record<string, string>;
  /** Differences per group and cause (`declared`, `code`, `drift`, `unapplied`, `version`): the metric. */
  counts: { group: string; cause: string; count: number }[];
}

/**
 * The scan's parity, read before the backport step (a codify pull request in one member of a group names what the
 * others keep). It never fails a scan: an error is logged and the dashboard goes without its parity section.
 */
export async function readScanParity(run: RunParity, logger: Logger, input: Omit<ScanParityInput, "links" | "today" | "masker">): Promise<ParityResult | undefined> {
  try {
    const plans = new Map<string, PlanModel | { unknown: string }>();
    for (const scan of input.scans) {
      if (!scan.ok) plans.set(scan.workspace, { unknown: `its scan failed: ${scan.error ?? "unknown reason"}` });
      else {
        const json = input.planJson.get(scan.workspace);
        plans.set(scan.workspace, json === undefined ? { unknown: "no plan of this scan" } : parsePlan(json));
      }
    }
    const result = await run({ checkoutDir: input.checkoutDir, config: input.config, plans, drift: driftOf(input) });
    if (result.problems.length > 0) logger.warn({ problems: result.problems }, "parity: some groups or files were left out");
    return result;
  } catch (error) {
    logger.warn({ reason: (error as Error).message }, "parity could not be computed in this scan");
    return undefined;
  }
}

/** The parity as the dashboard and the metric show it: first sightings, and each drift cause's incident once the backport step linked one. */
export function showScanParity(result: ParityReport, input: Pick<ScanParityInput, "state" | "links" | "today" | "masker">): ScanParity {
  const incidentOf = (fingerprint: string | undefined) => {
    const pr = fingerprint ? input.state.items[fingerprint]?.pr : undefined;
    return pr !== undefined ? input.links?.find((l) => l.pr === pr)?.key : undefined;
  };
  const linked: ParityReport = {
    groups: result.groups.map((g) => ({
      ...g,
      differences: g.differences.map((d) => (d.drift ? { ...d, drift: d.drift.map((x) => (incidentOf(x.fingerprint) ? { ...x, incident: incidentOf(x.fingerprint)! } : x)) } : d)),
    })),
  };
  const { report, parity } = withFirstSeen(linked, input.state.parity, input.today);
  return { groups: publicParity(report, input.masker).groups, firstSeen: parity, counts: countsOf(report) };
}

function driftOf(input: Pick<ScanParityInput, "items" | "state">): ParityDriftItem[] {
  return input.items
    .filter((i) => i.class === "actionable" || i.class === "deleted")
    .map((i) => {
      const fingerprint = fingerprintOf(i);
      const tracked = input.state.items[fingerprint];
      return { workspace: i.workspace, address: i.address, pathText: i.pathText, fingerprint, ...(tracked ? { firstSeen: tracked.firstSeen } : {}) };
    });
}

function countsOf(report: ParityReport): ScanParity["counts"] {
  const counts: ScanParity["counts"] = [];
  for (const { group, differences, versions } of report.groups) {
    for (const cause of ["declared", "code", "drift", "unapplied", "version"]) {
      const count = cause === "version" ? versions.length : cause === "declared" ? differences.filter((d) => d.kind === "declared").length : differences.filter((d) => d.kind === "live" && d.cause === cause).length;
      counts.push({ group: group.name, cause, count });
    }
  }
  return counts;
}
