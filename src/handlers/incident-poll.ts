import { Cron } from "croner";
import { IncidentSourceError } from "../adapters/incidents/errors.js";
import { secretList } from "../adapters/incidents/webhook.js";
import { durationToMs } from "../config/schema.js";
import type { Logger } from "../ports.js";
import type { FoundRepo, IncidentReconciler } from "./incident-reconcile.js";
import { WEBHOOK_SECRET_ENV, WEBHOOK_SOURCES, type WebhookSourceName } from "./incident-webhooks.js";

/** Keys of resolved incidents already reconciled, remembered per source (the oldest forgotten first). */
export const SEEN_CAPACITY = 5_000;

export interface IncidentPollerOptions {
  reconciler: Pick<IncidentReconciler, "repos" | "reconcile" | "sourceFor">;
  env: Record<string, string | undefined>;
  now: () => number;
  log: Logger;
  /** When each source was last polled and which incidents were reconciled; in this process unless given (Redis, with replicas). */
  state?: IncidentPollState;
}

/** What the poller remembers between ticks, per source identity: shared in Redis when any replica may run the tick. */
export interface IncidentPollState {
  lastPoll(identity: string): Promise<number | undefined>;
  polled(identity: string, at: number): Promise<void>;
  /** True the first time a resolved incident is seen (and remembers it); false when it was reconciled already. */
  firstSeen(identity: string, key: string): Promise<boolean>;
}

/** The state of one process (the oldest incident keys forgotten first). */
export class InProcessPollState implements IncidentPollState {
  private readonly last = new Map<string, number>();
  private readonly seen = new Map<string, Set<string>>();

  async lastPoll(identity: string): Promise<number | undefined> {
    return this.last.get(identity);
  }

  async polled(identity: string, at: number): Promise<void> {
    this.last.set(identity, at);
  }

  async firstSeen(identity: string, key: string): Promise<boolean> {
    const seen = this.seen.get(identity) ?? new Set<string>();
    this.seen.set(identity, seen);
    if (seen.has(key)) return false;
    remember(seen, key);
    return true;
  }
}

/**
 * Where a tracker has no webhook secret in the environment, asks it every `incidents.poll` (the shortest any
 * repository reading it sets) for incidents resolved since the last poll, and reconciles each one once. GitHub is
 * never polled: its `issues.closed` deliveries always reach the app.
 */
export class IncidentPoller {
  private readonly state: IncidentPollState;
  private cron?: Cron;

  constructor(private readonly options: IncidentPollerOptions) {
    this.state = options.state ?? new InProcessPollState();
  }

  start(): void {
    this.cron = new Cron("* * * * *", { protect: true, timezone: "UTC", unref: true }, async () => {
      try {
        await this.tick();
      } catch (err) {
        this.options.log.error({ err }, "incident poll failed");
      }
    });
  }

  stop(): void {
    this.cron?.stop();
  }

  /** One round: polls each source whose interval has passed; returns the keys of the incidents reconciled. */
  async tick(): Promise<string[]> {
    const now = this.options.now();
    const reconciled: string[] = [];
    for (const [identity, { source, repos, intervalMs }] of this.polledSources(await this.options.reconciler.repos())) {
      const last = await this.state.lastPoll(identity);
      if (last !== undefined && now - last < intervalMs) continue;
      // the first poll looks back one interval: a restart misses at most what a webhook-less setup already accepts
      const since = last ?? now - intervalMs;
      const built = this.options.reconciler.sourceFor(repos[0]!.repo.config.incidents, source, repos[0]!.repo.target.owner);
      if (!built.source) {
        await this.state.polled(identity, now);
        this.options.log.warn({ source, problems: built.problems }, "incident source cannot be polled");
        continue;
      }
      let incidents;
      try {
        incidents = await built.source.listIncidents({ since: new Date(since), until: new Date(now) });
      } catch (error) {
        // the window is kept: the next tick asks again from the same moment
        this.options.log.warn({ source, reason: error instanceof IncidentSourceError ? error.message : "the listing failed unexpectedly" }, "incident poll failed; the next tick tries again");
        continue;
      }
      await this.state.polled(identity, now);
      for (const incident of incidents) {
        if (incident.status !== "resolved" || incident.resolvedAt === null || Date.parse(incident.resolvedAt) < since) continue;
        if (!(await this.state.firstSeen(identity, incident.key))) continue;
        await this.options.reconciler.reconcile(source, incident.key);
        reconciled.push(incident.key);
      }
    }
    return reconciled;
  }

  /** Sources to poll, one per distinct config: those without a webhook secret in the environment. */
  private polledSources(repos: readonly FoundRepo[]): Map<string, { source: WebhookSourceName; repos: FoundRepo[]; intervalMs: number }> {
    const polled = new Map<string, { source: WebhookSourceName; repos: FoundRepo[]; intervalMs: number }>();
    for (const found of repos) {
      const incidents = found.repo.config.incidents;
      for (const source of WEBHOOK_SOURCES) {
        if (incidents[source] === undefined || secretList(this.options.env[WEBHOOK_SECRET_ENV[source]]).length > 0) continue;
        // per owner too: what the operator lets a repository read depends on its owner
        const identity = `${source}:${found.repo.target.owner.toLowerCase()}:${JSON.stringify(incidents[source])}`;
        const intervalMs = durationToMs(incidents.poll);
        const entry = polled.get(identity);
        if (entry) {
          entry.repos.push(found);
          entry.intervalMs = Math.min(entry.intervalMs, intervalMs);
        } else polled.set(identity, { source, repos: [found], intervalMs });
      }
    }
    return polled;
  }
}

function remember(seen: Set<string>, key: string): void {
  seen.add(key);
  if (seen.size > SEEN_CAPACITY) seen.delete(seen.values().next().value!);
}
