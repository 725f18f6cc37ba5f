import type { Redis } from "ioredis";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import { windowsEnded } from "../../core/drift/break-glass-state.js";
import { sameIncident } from "../../core/incidents/touched-repos.js";
import type { BreakGlassDeclaration } from "../../core/incidents/types.js";
import type { ScannableRepo } from "../scannable-repo.js";

/** One repository's break-glass declarations as its last scan wrote them to the dashboard. */
export interface RecordedWindows {
  repo: ScannableRepo;
  declarations: BreakGlassDeclaration[];
}

/**
 * Break-glass windows shared by every replica: a Redis hash, `owner/repo` (lower-cased) → the repository (with its
 * installation id, so a scan can be queued without an octokit) and its declarations. Written by whichever replica ran
 * the scan, read by whichever replica runs the minute tick or hears that an incident resolved.
 */
export class SharedBreakGlassWindows {
  private readonly key: string;
  private readonly lastTickKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:break-glass:windows`;
    this.lastTickKey = `${prefix}:schedule:last-tick`;
  }

  /** What a scan found; no declaration left = the repository is forgotten. */
  async remember(repoKey: string, repo: ScannableRepo, declarations: readonly BreakGlassDeclaration[]): Promise<void> {
    if (declarations.length > 0) await this.redis.hset(this.key, repoKey, JSON.stringify({ repo, declarations }));
    else await this.redis.hdel(this.key, repoKey);
  }

  async all(): Promise<RecordedWindows[]> {
    const entries = await this.redis.hvals(this.key);
    return entries.flatMap((text) => {
      try {
        const parsed = JSON.parse(text) as Partial<RecordedWindows>;
        return parsed?.repo?.target && Array.isArray(parsed.declarations) ? [parsed as RecordedWindows] : [];
      } catch {
        return []; // a hand-edited entry: left out, the repository's next scan writes it again
      }
    });
  }

  /** Repositories with a window that ended in (after, upTo]. */
  async ended(after: number, upTo: number): Promise<{ repo: ScannableRepo; ended: BreakGlassDeclaration[] }[]> {
    return (await this.all()).flatMap(({ repo, declarations }) => {
      const ended = windowsEnded(declarations, after, upTo);
      return ended.length > 0 ? [{ repo, ended }] : [];
    });
  }

  /** Repositories whose declarations name the incident (key or URL, without case). */
  async declaringIncident(incident: { key: string; url?: string }): Promise<ScannableRepo[]> {
    return (await this.all()).filter(({ declarations }) => declarations.some((d) => sameIncident(d.incidentKey, incident))).map(({ repo }) => repo);
  }

  /** Records `now` as the last tick and returns the one before (undefined on the very first tick of this deployment). */
  async advanceTick(now: number): Promise<number | undefined> {
    const before = await this.redis.getset(this.lastTickKey, String(now));
    const parsed = before === null ? Number.NaN : Number(before);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
}

const perRuntime = new WeakMap<RedisRuntime, SharedBreakGlassWindows>();

/** The runtime's one shared window store (ScanService and the tick of one app use the same). */
export function sharedWindows(runtime: RedisRuntime): SharedBreakGlassWindows {
  let windows = perRuntime.get(runtime);
  if (!windows) {
    windows = new SharedBreakGlassWindows(runtime.commands, runtime.prefix);
    perRuntime.set(runtime, windows);
  }
  return windows;
}
