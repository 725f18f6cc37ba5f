import { createHash } from "node:crypto";
import { Cron } from "croner";

const MAX_JITTER_MS = 10 * 60_000;

/**
 * When a repository's next scan is due: the schedule's next run after `from`, plus a jitter
 * derived from the repository's name (stable, so it does not drift around) of at most half the
 * schedule's interval and at most ten minutes, so repositories do not all start at once. Pure.
 */
export function nextScanAt(schedule: string, from: number, repoKey: string): number {
  const cron = new Cron(schedule, { paused: true, timezone: "UTC" });
  try {
    const first = cron.nextRun(new Date(from));
    if (!first) return Number.POSITIVE_INFINITY;
    const second = cron.nextRun(first);
    const interval = second ? second.getTime() - first.getTime() : MAX_JITTER_MS * 2;
    const fraction = createHash("sha256").update(repoKey).digest().readUInt32BE(0) / 2 ** 32;
    return first.getTime() + Math.floor(fraction * Math.min(interval / 2, MAX_JITTER_MS));
  } finally {
    cron.stop();
  }
}
