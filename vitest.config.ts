import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn git and the fake terraform: keep the shared 2-core machines calm
    pool: "forks",
    // the fake terraform (test/support/fake-terraform) logs to dirs no sandbox binds: tests run it unisolated;
    // test/real-terraform/isolation.test.ts builds its own environment and runs the real one under bubblewrap
    env: { DRIFTBACK_TERRAFORM_ISOLATION: "none" },
    maxWorkers: 2,
    reporters: ["default", "./test/support/count-reporter.ts"],
    // the second one looks for a real terraform once and tells the real-terraform suite (test/real-terraform/)
    globalSetup: ["./test/support/global-setup.ts", "./test/real-terraform/setup.ts", "./test/support/redis-setup.ts"],
  },
});
