import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { detectIsolation, type IsolationStatus } from "../src/adapters/terraform/sandbox.js";

/**
 * What bubblewrap costs per plan: the project's runner (init, plan -out, show -json) on a small real workspace
 * (terraform_data, locals, outputs: no provider download), with and without isolation, alternating runs.
 */
export async function benchIsolation(): Promise<void> {
  const bubblewrap = detectIsolation(process.env);
  if (bubblewrap.mode !== "bubblewrap") {
    console.log(`isolation: SKIPPED (${bubblewrap.problem})`);
    return;
  }
  const none: IsolationStatus = { ...bubblewrap, mode: "none", allowUnisolated: true };
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-isolation-"));
  const dir = path.join(root, "scratch", "driftback-src-bench", "infra");
  mkdirSync(dir, { recursive: true });
  const resources = Array.from({ length: 20 }, (_, i) => `resource "terraform_data" "r${i}" { input = { name = "r${i}", tags = local.tags } }`).join("\n");
  writeFileSync(path.join(dir, "main.tf"), `locals { tags = { team = "infra", env = "bench" } }\n${resources}\noutput "names" { value = [for r in terraform_data.r0[*] : r.input.name] }\n`);
  // no operator CLI config: the workspace needs no provider
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries({ ...process.env, CHECKPOINT_DISABLE: "1" }).filter(([key]) => key !== "TF_CLI_CONFIG_FILE"));
  const runner = (isolation: IsolationStatus) => new TerraformCli({ isolation, env, scratchDir: path.join(root, "scratch"), pluginCacheDir: path.join(root, "plugins"), cacheSlots: 1 });
  const runners = { none: runner(none), bubblewrap: runner(bubblewrap) };
  const request = { dir, binary: "terraform" as const, workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 120_000, lockTimeout: "30s" };
  const times: Record<"none" | "bubblewrap", number[]> = { none: [], bubblewrap: [] };
  const ROUNDS = Number(process.env.BENCH_ROUNDS) || 8;
  for (const mode of ["none", "bubblewrap"] as const) {
    const warm = await runners[mode].plan(request); // the first run of each warms the page cache
    if (!warm.ok) throw new Error(`${mode}: ${warm.message}\n${warm.output}`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (["none", "bubblewrap"] as const) : (["bubblewrap", "none"] as const)) {
      const started = performance.now();
      const outcome = await runners[mode].plan(request);
      times[mode].push(performance.now() - started);
      if (!outcome.ok) throw new Error(`${mode}: ${outcome.message}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [a, b] = [median(times.none), median(times.bubblewrap)];
  console.log(`isolation: one plan (init + plan -out + show -json, 20 terraform_data, terraform on PATH), ${ROUNDS} rounds, median`);
  console.log(`  without isolation   ${a.toFixed(0)} ms   (min ${Math.min(...times.none).toFixed(0)}, max ${Math.max(...times.none).toFixed(0)})`);
  console.log(`  under bubblewrap    ${b.toFixed(0)} ms   (min ${Math.min(...times.bubblewrap).toFixed(0)}, max ${Math.max(...times.bubblewrap).toFixed(0)})`);
  console.log(`  overhead            ${(b - a).toFixed(0)} ms per plan (3 sandboxes), x${(b / a).toFixed(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIsolation();
