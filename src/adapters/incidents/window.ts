import type { Incident, IncidentWindow } from "../../ports.js";
import { IncidentSourceError } from "./errors.js";

/** Open at some moment of the window: opened before it ends, and not resolved before it starts. */
export function openDuring(incident: Incident, window: IncidentWindow): boolean {
  if (Date.parse(incident.openedAt) > window.until.getTime()) return false;
  return incident.resolvedAt === null || Date.parse(incident.resolvedAt) >= window.since.getTime();
}

/** Several listings of one tracker merged: one incident per key (the later listing wins), in opening order. */
export function mergeIncidents(...lists: Incident[][]): Incident[] {
  const byKey = new Map<string, Incident>();
  for (const list of lists) for (const incident of list) byKey.set(incident.key, incident);
  return [...byKey.values()].sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.key.localeCompare(b.key));
}

/** A tracker's timestamp as ISO 8601 UTC; Jira's `+0000` offsets included. */
export function isoTime(value: string, action: string, tracker: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new IncidentSourceError("malformed", `Could not ${action}: ${tracker} gave a time that is not a date; driftback tries again on the next scan.`);
  return new Date(ms).toISOString();
}

export function checkWindow(window: IncidentWindow, action: string): void {
  const since = window.since.getTime();
  const until = window.until.getTime();
  if (!Number.isFinite(since) || !Number.isFinite(until) || since > until) {
    throw new IncidentSourceError("rejected", `Could not ${action}: the time window must have a valid start before its end.`);
  }
}

/** YYYY-MM-DD of a moment moved by whole days: trackers whose filters take dates (in their own time zone) get a day of slack each side. */
export function dayOf(date: Date, shiftDays: number): string {
  return new Date(date.getTime() + shiftDays * 86_400_000).toISOString().slice(0, 10);
}
