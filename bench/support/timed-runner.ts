import { performance } from "node:perf_hooks";
import type { PlanOutcome, PlanRequest, TerraformRunner } from "../../src/ports.js";

/** Wraps a runner and adds up the time spent inside plan(): terraform's own time, subtracted from the wall time. */
export class TimedRunner implements TerraformRunner {
  planMs = 0;
  plans = 0;
  constructor(private readonly inner: TerraformRunner) {}
  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const start = performance.now();
    try {
      return await this.inner.plan(request);
    } finally {
      this.planMs += performance.now() - start;
      this.plans++;
    }
  }
}
