import pLimit from "p-limit";
import { expect, it } from "vitest";
import { limitedRunner } from "../../src/adapters/terraform/limited-runner.js";
import type { PlanRequest, TerraformRunner } from "../../src/ports.js";

it("never lets more plans run at once than the shared limit allows", async () => {
  let running = 0;
  let peak = 0;
  const slow: TerraformRunner = {
    plan: async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return { ok: true, planJson: "{}" };
    },
  };
  const limit = pLimit(3);
  const a = limitedRunner(slow, limit);
  const b = limitedRunner(slow, limit); // two pull requests, one process-wide limit
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).plan({} as PlanRequest)));
  expect(peak).toBe(3);
});
