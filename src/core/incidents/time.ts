/** Times for correlation: ISO strings in, milliseconds inside, UTC "HH:MM" out. Pure (no clock). */

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * An ISO time in ms; NaN when it does not parse. A bare day (the dashboard state keeps days) means
 * the whole day: its start as a window start, its end as a window end, so the window only widens.
 */
export function timeOf(value: string | null | undefined, edge: "start" | "end" = "start"): number {
  if (!value) return Number.NaN;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !DATE_ONLY.test(value)) return ms;
  return edge === "start" ? ms : ms + DAY_MS - 1;
}

export interface Window {
  start: number;
  end: number;
}

/** The drift window: last clean scan -> first sighting; `lookbackMs` before the sighting when no clean scan is known. */
export function driftWindow(lastClean: string | null, firstSeen: string, lookbackMs: number): Window {
  const end = timeOf(firstSeen, "end");
  const known = timeOf(lastClean, "start");
  const start = Number.isNaN(known) ? end - lookbackMs : Math.min(known, end);
  return { start, end };
}

/** Length of the overlap of two intervals, 0 when apart (or either is not a time). */
export function overlapMs(a: Window, b: Window): number {
  const length = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  return length > 0 ? length : 0;
}

/** Whether two intervals meet, edges included. */
export function touches(a: Window, b: Window): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** "04:00" in UTC, or "2024-05-01 04:00" when it is not on the reference's UTC day. */
export function formatClock(ms: number, referenceMs: number): string {
  const iso = new Date(ms).toISOString();
  const sameDay = Number.isFinite(referenceMs) && iso.slice(0, 10) === new Date(referenceMs).toISOString().slice(0, 10);
  return sameDay ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A window edge as given: a bare day stays a day, a time becomes a clock (see formatClock). */
export function formatEdge(value: string, ms: number, referenceMs: number): string {
  return DATE_ONLY.test(value) ? value : formatClock(ms, referenceMs);
}

/** 5_400_000 -> "1h30m"; whole minutes (a break-glass window or a grace period). */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}
