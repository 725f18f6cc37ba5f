import type { LimitFunction } from "p-limit";
import type { TerraformRunner } from "../../ports.js";

/** A runner that waits for a slot of a process-wide limit, so many pull requests at once cannot flood the machine. */
export function limitedRunner(inner: TerraformRunner, limit: LimitFunction): TerraformRunner {
  return { plan: (request) => limit(() => inner.plan(request)) };
}
