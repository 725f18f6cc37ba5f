import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

/** Compares with a committed golden file; `UPDATE_GOLDEN=1 npm test` rewrites them (review the diff). */
export function expectGolden(actual: string, goldenUrl: URL): void {
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(goldenUrl)) {
    if (process.env.CI) throw new Error(`golden file ${goldenUrl.pathname} is missing; generate it locally and commit it`);
    writeFileSync(goldenUrl, actual);
  }
  expect(actual).toBe(readFileSync(goldenUrl, "utf8"));
}
