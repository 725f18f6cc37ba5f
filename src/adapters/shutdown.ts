import type { ApplyOutcome, ApplyRequest, PlanOutcome, PlanRequest, TerraformRunner } from "../ports.js";

/** A terraform run cut short because the process is stopping: the job did not fail, it was interrupted. */
export class ShuttingDown extends Error {
  constructor() {
    super("driftback is shutting down");
    this.name = "ShuttingDown";
  }
}

/** How long the process lets running work finish after SIGTERM (DRIFTBACK_SHUTDOWN_GRACE_SECONDS, default 25). */
export function shutdownGraceMs(env: Record<string, string | undefined>): number {
  const raw = env.DRIFTBACK_SHUTDOWN_GRACE_SECONDS?.trim();
  if (!raw) return 25_000;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > 3_600) {
    throw new Error(`DRIFTBACK_SHUTDOWN_GRACE_SECONDS "${raw.slice(0, 40)}" is not usable: a number of seconds from 0 to 3600 (default 25, below Kubernetes' 30 s terminationGracePeriodSeconds)`);
  }
  return Math.round(Number(raw) * 1_000);
}

/**
 * Every terraform run of the process goes through this runner: once `signal` aborts (the shutdown's grace period is
 * over), a running terraform is stopped with its whole process group and the run ends with `ShuttingDown` instead of a
 * "cancelled" outcome, so nothing reports a half-made plan as a failure. `settled()` waits for every run still on its
 * way out, so the process never exits with terraform left behind.
 */
export class ShutdownAwareRunner implements TerraformRunner {
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly apply?: (request: ApplyRequest) => Promise<ApplyOutcome>;

  constructor(
    private readonly inner: TerraformRunner,
    private readonly signal: AbortSignal,
  ) {
    const innerApply = inner.apply?.bind(inner);
    if (innerApply) this.apply = (request) => this.guard(() => innerApply({ ...request, signal: this.merged(request.signal) }));
  }

  plan(request: PlanRequest): Promise<PlanOutcome> {
    return this.guard(() => this.inner.plan({ ...request, signal: this.merged(request.signal) }));
  }

  /** Resolves once every run started so far has ended (its process group gone). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async guard<T extends PlanOutcome | ApplyOutcome>(run: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw new ShuttingDown();
    const running = run();
    this.inFlight.add(running);
    try {
      const result = await running;
      // stopped by the shutdown (not by its own timeout or a newer commit): interrupted, not failed
      if (!result.ok && result.cancelled && this.signal.aborted) throw new ShuttingDown();
      return result;
    } finally {
      this.inFlight.delete(running);
    }
  }

  private merged(own: AbortSignal | undefined): AbortSignal {
    return own ? AbortSignal.any([own, this.signal]) : this.signal;
  }
}
