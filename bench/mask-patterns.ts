import { performance } from "node:perf_hooks";
import { Masker, MAX_MATCHED_VALUE } from "../src/core/render/mask.js";

// issue 15, 4.2: a repository's mask.values pattern over a value a cloud user or a PR author chooses
const PATTERN = "(a+)+$";

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

export function benchMaskPatterns(): void {
  console.log(`\nmask.values ${PATTERN} over "a…a!" (issue 15, 4.2)`);
  // JavaScript's backtracking RegExp: each extra character doubles the time, so only short values are tried here
  const backtracking = new RegExp(PATTERN);
  for (const length of [16, 18, 20, 22]) {
    const value = `${"a".repeat(length)}!`;
    console.log(`  RegExp (backtracking)  ${String(length).padStart(6)} chars: ${time(() => backtracking.test(value)).toFixed(1)} ms`);
  }
  const masker = new Masker({ values: [PATTERN] });
  for (const length of [28, 1_000, 10_000, MAX_MATCHED_VALUE]) {
    const value = `${"a".repeat(length - 1)}!`;
    masker.isMaskedValue(value); // warm-up
    console.log(`  Masker (re2js, linear) ${String(length).padStart(6)} chars: ${time(() => masker.isMaskedValue(value)).toFixed(1)} ms (with the default patterns too)`);
  }
}
