import { execa } from "execa";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateDriftPlan, generatePlan } from "../test/support/generate-plan.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// ~200 MB each: the size of plan the hostile review used (DRIFT_BENCH_SCALE=0.1 for a quick run)
const SCALE = Number(process.env.DRIFT_BENCH_SCALE ?? 1);
const SHAPES = [
  { name: "unapplied-heavy (generatePlan)", make: () => generatePlan({ resources: Math.round(108_000 * SCALE), seed: 7 }) },
  { name: "drift-heavy (generateDriftPlan)", make: () => generateDriftPlan({ resources: Math.round(29_000 * SCALE) }) },
];

/** Runs the CLI as its own process, so wall time and peak RSS are that command's alone. */
async function measure(args: string[]): Promise<{ seconds: number; rssMb: number }> {
  const start = performance.now();
  const result = await execa(process.execPath, ["--import", "tsx", "--import", path.join(root, "bench/support/report-rss.mjs"), path.join(root, "src/cli.ts"), ...args], { cwd: root, stdout: "ignore", reject: false });
  const seconds = (performance.now() - start) / 1000;
  if (result.exitCode !== 0) throw new Error(`driftback ${args[0]} failed: ${result.stderr.slice(-500)}`);
  const kb = Number(/DRIFTBACK_BENCH_MAXRSS_KB=(\d+)/.exec(result.stderr)?.[1] ?? Number.NaN);
  return { seconds, rssMb: kb / 1024 };
}

/**
 * `driftback drift --plan-json` against `driftback preview` on the same large plan, both measured
 * in this run: drift must stay of the same order as preview (it was 9x slower and 4x bigger).
 */
export async function benchDriftCli(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "driftback-bench-drift-"));
  try {
    for (const shape of SHAPES) {
      const file = path.join(dir, "plan.json");
      writeFileSync(file, shape.make());
      const mb = statSync(file).size / 1e6;
      const drift = await measure(["drift", "--plan-json", file]);
      const preview = await measure(["preview", file]);
      console.log(`drift CLI vs preview CLI: ${shape.name}, ${mb.toFixed(0)} MB plan`);
      console.log(`  drift    ${drift.seconds.toFixed(1)} s, peak RSS ${drift.rssMb.toFixed(0)} MB`);
      console.log(`  preview  ${preview.seconds.toFixed(1)} s, peak RSS ${preview.rssMb.toFixed(0)} MB`);
      const time = drift.seconds / preview.seconds;
      const memory = drift.rssMb / preview.rssMb;
      console.log(`  ratio drift/preview: time ${time.toFixed(2)}, memory ${memory.toFixed(2)}  (goal: same order, <= 3) ${time <= 3 && memory <= 3 ? "OK" : "OVER GOAL"}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
