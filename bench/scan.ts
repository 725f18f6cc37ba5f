import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import { GitCheckout } from "../src/adapters/git/checkout.js";
import { noMetrics } from "../src/adapters/metrics.js";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { validateConfig } from "../src/config/validate.js";
import type { DashboardIssue, DriftHost, RepoRef } from "../src/ports.js";
import { bundledTemplates } from "../src/templates.js";
import { scanRepository } from "../src/usecases/scan-drift.js";
import { latencyTerraform } from "./support/latency-terraform.js";

const REPOS = 20;
const WORKSPACES_PER_REPO = 10;
const CONCURRENCY = 10;
const LATENCY_S = 2;


class CountingHost implements DriftHost {
  writes = 0;
  private readonly issues = new Map<string, DashboardIssue>();
  async findDashboard(repo: RepoRef) {
    return this.issues.get(repo.repo);
  }
  async createDashboard(repo: RepoRef, _title: string, body: string) {
    this.writes++;
    this.issues.set(repo.repo, { number: 1, body });
    return 1;
  }
  async updateDashboard(repo: RepoRef, issueNumber: number, body: string) {
    this.writes++;
    this.issues.set(repo.repo, { number: issueNumber, body });
  }
}

const plan = JSON.stringify({
  format_version: "1.2",
  resource_drift: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small" }, after: { instance_type: "t3.large" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
  resource_changes: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
});

/** 200 workspaces in 20 repositories, scanned together under one plan limit, then rescanned unchanged. */
export async function benchScan(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), "driftback-bench-scan-"));
  const bin = latencyTerraform(root, { latencySeconds: LATENCY_S, planExitCode: 2 });
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@example.com", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@example.com" } });
  const targets = Array.from({ length: REPOS }, (_, r) => {
    const work = path.join(root, `work-${r}`);
    const bare = path.join(root, `repo-${r}.git`);
    execFileSync("git", ["init", "--quiet", "--bare", bare]);
    execFileSync("git", ["init", "--quiet", "-b", "main", work]);
    for (let w = 0; w < WORKSPACES_PER_REPO; w++) {
      mkdirSync(path.join(work, `ws${w}`));
      writeFileSync(path.join(work, `ws${w}`, "main.tf"), 'resource "aws_instance" "web" {}\n');
      writeFileSync(path.join(work, `ws${w}`, "plan.json"), plan);
    }
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", "workspaces");
    git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
    return { owner: "bench", repo: `repo-${r}`, cloneUrl: `file://${bare}`, defaultBranch: "main" };
  });
  const config = validateConfig({ workspaces: Array.from({ length: WORKSPACES_PER_REPO }, (_, w) => ({ name: `ws${w}`, dir: `ws${w}` })) });
  if (!config.ok) throw new Error("bench config is invalid");

  const host = new CountingHost();
  const terraformWithLatency = (latency: number) =>
    new TerraformCli({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_LATENCY_S: String(latency) }, scratchDir: root, pluginCacheDir: path.join(root, "plugins"), cacheSlots: CONCURRENCY });
  const deps = {
    host,
    source: new GitCheckout({ token: async () => undefined, scratchDir: root }),
    terraform: terraformWithLatency(LATENCY_S),
    templates: bundledTemplates(),
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    metrics: noMetrics,
    planLimit: pLimit(CONCURRENCY),
    checkoutLimit: pLimit(4),
    today: () => "2026-11-22",
  };
  const scanAll = (latency: number) => Promise.all(targets.map((target) => scanRepository({ ...deps, terraform: terraformWithLatency(latency) }, target, config.config)));

  let start = performance.now();
  await scanAll(LATENCY_S);
  const wallS = (performance.now() - start) / 1000;
  const firstWrites = host.writes;
  // the rescan only counts writes, so its terraform answers at once
  start = performance.now();
  await scanAll(0);
  const rescanS = (performance.now() - start) / 1000;
  const rescanWrites = host.writes - firstWrites;

  const n = REPOS * WORKSPACES_PER_REPO;
  const ideal = Math.ceil(n / CONCURRENCY) * LATENCY_S;
  const ratio = wallS / ideal;
  console.log(`drift scans: ${n} workspaces in ${REPOS} repositories, fake terraform latency L=${LATENCY_S}s, parallelism c=${CONCURRENCY}`);
  console.log(`  wall time               ${wallS.toFixed(2)} s (ideal ceil(N/c)*L = ${ideal} s)`);
  console.log(`  ratio wall/ideal        ${ratio.toFixed(3)}  (goal <= 1.10) ${ratio <= 1.1 ? "OK" : "OVER GOAL"}`);
  console.log(`  dashboard writes        ${firstWrites} on the first scan (one issue per repository)`);
  rmSync(root, { recursive: true, force: true });
  console.log(`  writes on an unchanged rescan  ${rescanWrites}  (goal 0) ${rescanWrites === 0 ? "OK" : "OVER GOAL"}; rescan took ${rescanS.toFixed(2)} s`);
}
