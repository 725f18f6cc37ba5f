import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn git and the fake terraform: keep the shared 2-core machines calm
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./test/support/count-reporter.ts"],
    // the second one looks for a real terraform once and tells the real-terraform suite (test/real-terraform/)
    globalSetup: ["./test/support/global-setup.ts", "./test/real-terraform/setup.ts", "./test/support/redis-setup.ts"],
  },
});
