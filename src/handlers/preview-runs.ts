/**
 * Keeps one plan per pull request in flight in this process (the embedded mode; replicas use the "preview" queue): a
 * second run for the commit already being planned is dropped, and a newer commit aborts the older run instead of
 * racing it. Deliveries already seen are dropped before, by the handlers (AppServices.deliveries).
 */
export class PreviewRuns {
  private readonly running = new Map<string, { sha: string; controller: AbortController; done: Promise<void> }>();
  private readonly all = new Set<Promise<void>>();

  constructor(private readonly onError: (key: string, error: unknown) => void) {}

  /** Starts `job` in the background; false when it is a duplicate and nothing was started. */
  start(key: string, sha: string, job: (signal: AbortSignal) => Promise<void>): boolean {
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
}
