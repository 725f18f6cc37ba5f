/**
 * Keeps one plan per pull request in flight. GitHub delivers webhooks at least once, so a
 * delivery id already seen, or a second run for the commit already being planned, is dropped;
 * a newer commit aborts the older run instead of racing it.
 */
export class PreviewRuns {
  private readonly running = new Map<string, { sha: string; controller: AbortController; done: Promise<void> }>();
  private readonly deliveries = new Set<string>();
  private readonly all = new Set<Promise<void>>();

  constructor(
    private readonly onError: (key: string, error: unknown) => void,
    private readonly rememberDeliveries = 1_000,
  ) {}

  /** Starts `job` in the background; false when it is a duplicate and nothing was started. */
  start(key: string, sha: string, deliveryId: string, job: (signal: AbortSignal) => Promise<void>): boolean {
    if (this.deliveries.has(deliveryId)) return false;
    this.remember(deliveryId);
    const current = this.running.get(key);
    if (current?.sha === sha) return false;
    current?.controller.abort();
    const controller = new AbortController();
    const done = job(controller.signal)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        if (this.running.get(key)?.controller === controller) this.running.delete(key);
        this.all.delete(done);
      });
    this.running.set(key, { sha, controller, done });
    this.all.add(done);
    return true;
  }

  /** Resolves when every job started so far has settled (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
  }

  private remember(deliveryId: string): void {
    this.deliveries.add(deliveryId);
    if (this.deliveries.size > this.rememberDeliveries) this.deliveries.delete(this.deliveries.values().next().value!);
  }
}
