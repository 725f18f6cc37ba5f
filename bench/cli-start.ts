import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/**
 * Issue 17 §2: the CLI starts like a terminal tool. Whole processes, measured in this run, 5 alternating runs each,
 * medians: `driftback --help` over `node -e 0`, and `driftback preview` over `terraform show -json` of the same real
 * 5,000-resource plan (terraform's built-in terraform_data, no provider), each with its peak RSS (GNU time's %M).
 *
 * The CLI runs as users run it, from the build (`node lib/cli.js`, what package.json's `bin` points at): the bench
 * builds once first. `node --import tsx src/cli.ts` would time tsx compiling TypeScript at every start, which no
 * user pays.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 5;
const RESOURCES = Number(process.env.CLI_START_BENCH_RESOURCES ?? 5_000);
const TIME = "/usr/bin/time";

interface Sample {
  seconds: number;
  rssMb: number;
}

/** One whole process: wall time around the spawn, peak RSS from GNU time (NaN without it). */
async function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Sample> {
  const rssFile = path.join(tmpdir(), `driftback-bench-rss-${process.pid}`);
  const withTime = existsSync(TIME);
  const [cmd, argv] = withTime ? [TIME, ["-f", "%M", "-o", rssFile, file, ...args]] : [file, args];
  const start = performance.now();
  const result = await execa(cmd, argv, { cwd: options.cwd ?? root, env: options.env, stdout: "ignore", stderr: "pipe", reject: false });
  const seconds = (performance.now() - start) / 1000;
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} exited ${result.exitCode}: ${String(result.stderr).slice(-500)}`);
  const kb = withTime ? Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) : Number.NaN;
  rmSync(rssFile, { force: true });
  return { seconds, rssMb: kb / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** RUNS alternating runs of `a` and `b` (a, b, a, b, ...): both see the same machine load. Medians. */
async function alternate(a: () => Promise<Sample>, b: () => Promise<Sample>): Promise<[Sample, Sample]> {
  await a(); // warm the file cache for both
  await b();
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    as.push(await a());
    bs.push(await b());
  }
  const med = (samples: Sample[]) => ({ seconds: median(samples.map((s) => s.seconds)), rssMb: median(samples.map((s) => s.rssMb)) });
  return [med(as), med(bs)];
}

const line = (name: string, s: Sample) => `  ${name.padEnd(34)} ${s.seconds.toFixed(3)} s, peak RSS ${Number.isNaN(s.rssMb) ? "n/a" : `${s.rssMb.toFixed(0)} MB`}`;
const verdict = (ratio: number, goal: number) => `(goal: at most ${goal}) ${ratio <= goal ? "OK" : "OVER GOAL"}`;

/** A real plan of RESOURCES terraform_data resources (to create): init needs no provider, so it runs offline. */
async function makePlan(dir: string): Promise<{ planFile: string; planJson: string; env: NodeJS.ProcessEnv }> {
  writeFileSync(
    path.join(dir, "main.tf"),
    `resource "terraform_data" "r" {
  count = ${RESOURCES}
  input = {
    name    = "resource-\${count.index}"
    size    = count.index
    enabled = count.index % 2 == 0
    tags    = { team = "platform", env = "prod", index = tostring(count.index) }
  }
}
`,
  );
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  for (const args of [["init", "-input=false", "-no-color"], ["plan", "-input=false", "-no-color", "-out=tfplan"]]) {
    const result = await execa("terraform", args, { cwd: dir, env, reject: false, all: true });
    if (result.exitCode !== 0) throw new Error(`terraform ${args[0]} failed: ${String(result.all).slice(-1000)}`);
  }
  const planJson = path.join(dir, "plan.json");
  const show = await execa("terraform", ["show", "-json", "tfplan"], { cwd: dir, env, maxBuffer: 1024 * 1024 * 1024 });
  writeFileSync(planJson, show.stdout);
  return { planFile: path.join(dir, "tfplan"), planJson, env };
}

export async function benchCliStart(): Promise<void> {
  console.log("CLI start (issue 17 §2): npm run build once, then `node lib/cli.js` as the installed bin runs it");
  const build = await execa("npm", ["run", "build"], { cwd: root, reject: false, all: true });
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${String(build.all).slice(-1000)}`);
  const cli = path.join(root, "lib", "cli.js");

  const [node, help] = await alternate(
    () => run(process.execPath, ["-e", "0"]),
    () => run(process.execPath, [cli, "--help"]),
  );
  const helpRatio = help.seconds / node.seconds;
  console.log(`driftback --help over node -e 0 (whole processes, medians of ${RUNS} alternating runs)`);
  console.log(line("node -e 0", node));
  console.log(line("driftback --help", help));
  console.log(`  ratio help/node: time ${helpRatio.toFixed(2)}, memory ${(help.rssMb / node.rssMb).toFixed(2)}  ${verdict(helpRatio, 2.5)}`);

  const probe = await execa("terraform", ["version"], { reject: false, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (probe.exitCode !== 0) {
    console.log("driftback preview over terraform show: SKIPPED (no terraform on PATH)");
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "driftback-bench-cli-start-"));
  try {
    const made = performance.now();
    const plan = await makePlan(dir);
    const mb = statSync(plan.planJson).size / 1e6;
    console.log(`driftback preview over terraform show -json, ${RESOURCES} terraform_data resources (plan JSON ${mb.toFixed(1)} MB, made in ${((performance.now() - made) / 1000).toFixed(1)} s)`);
    const [show, preview] = await alternate(
      () => run("terraform", ["show", "-json", plan.planFile], { cwd: dir, env: plan.env }),
      () => run(process.execPath, [cli, "preview", plan.planJson]),
    );
    const ratio = preview.seconds / show.seconds;
    console.log(line("terraform show -json tfplan", show));
    console.log(line("driftback preview plan.json", preview));
    console.log(`  ratio preview/show: time ${ratio.toFixed(2)}, memory ${(preview.rssMb / show.rssMb).toFixed(2)}  ${verdict(ratio, 0.5)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
