import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { OctokitBackportHost, type BackportOctokit } from "../src/adapters/github/octokit-backport-host.js";
import { loadHclParser } from "../src/adapters/hcl/parser.js";
import { hclToolchain, type HclToolchain } from "../src/adapters/hcl/toolchain.js";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { loadWorkspace } from "../src/adapters/hcl/load-workspace.js";
import { codifyDrift } from "../src/usecases/codify-drift.js";
import { validateConfig } from "../src/config/validate.js";
import { classifyDrift } from "../src/core/drift/items.js";
import { parsePlan } from "../src/core/plan/parse.js";
import { bundledTemplates } from "../src/templates.js";
import { backportDrift, type BackportInput } from "../src/usecases/backport-drift.js";
import { BackportApiMock, botCommit, compareBody, pullBody, pullNode } from "../test/support/github-backport-api.js";
import { latencyTerraform } from "./support/latency-terraform.js";
import { TimedRunner } from "./support/timed-runner.js";

const BOT = "driftback[bot]";
const BASE_SHA = "a".repeat(40);
const REPO = { owner: "acme", repo: "infra" };
const DRIFTS = 50;
const LATENCY_S = 1;
const COMMIT_OID = "d".repeat(40);



/** The HCL toolchain with its calls counted and timed: codify checks every edit with it. */
class TimedToolchain implements HclToolchain {
  calls = { validate: 0, format: 0 };
  ms = 0;
  async validate(file: string, source: string): Promise<string | undefined> {
    return this.time("validate", () => hclToolchain.validate(file, source));
  }
  async format(source: string): Promise<string> {
    return this.time("format", () => hclToolchain.format(source));
  }
  private async time<T>(kind: "validate" | "format", run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.calls[kind]++;
      this.ms += performance.now() - start;
    }
  }
}

const change = (address: string, before: object, after: object) => ({
  address,
  mode: "managed",
  type: address.split(".")[0],
  name: address.split(".")[1],
  provider_name: "registry.terraform.io/hashicorp/aws",
  change: { actions: ["update"], before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
});

/** A workspace of `count` instances, each resized outside Terraform: the scan's plan, the code, and a verification plan that proposes nothing. */
function workspace(root: string, count: number): { repoDir: string; scanPlan: string } {
  const repoDir = path.join(root, `repo-${count}`);
  const ws = path.join(repoDir, "infra");
  mkdirSync(ws, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `aws_instance.web${i}`);
  writeFileSync(path.join(ws, "main.tf"), names.map((n) => `resource "aws_instance" "${n.split(".")[1]}" {\n  ami           = "ami-1"\n  instance_type = "t3.small"\n}\n`).join("\n"));
  const live = { ami: "ami-1", instance_type: "t3.large" };
  const recorded = { ami: "ami-1", instance_type: "t3.small" };
  const scanPlan = JSON.stringify({ format_version: "1.2", terraform_version: "1.9.5", resource_drift: names.map((n) => change(n, recorded, live)), resource_changes: names.map((n) => change(n, live, recorded)) });
  // what the fake replays for the verification plan: the codified tree plans no change
  const verified = JSON.stringify({ format_version: "1.2", terraform_version: "1.9.5", resource_changes: names.map((n) => ({ ...change(n, live, live), change: { ...change(n, live, live).change, actions: ["no-op"] } })) });
  writeFileSync(path.join(ws, "plan.json"), verified);
  return { repoDir, scanPlan };
}

function octokit(): BackportOctokit {
  return new Octokit({ auth: "bench-token", log: { debug() {}, info() {}, warn() {}, error() {} } }) as unknown as BackportOctokit;
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const isWriteRequest = (r: { method: string; path: string; body?: { query?: string } }) => r.method !== "GET" && !(r.path === "/graphql" && !/^\s*mutation/.test(r.body?.query ?? ""));

/**
 * Backport pull requests: GitHub calls to open one new codify pull request (goal <= 5, reads
 * included), writes on a rescan where nothing changed (goal 0), and the wall time from scan start
 * to the pull request opened for a 50-drift workspace, minus terraform's own plan time (goal <= 3 s).
 */
export async function benchBackport(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), "driftback-bench-backport-"));
  const bin = latencyTerraform(root, { latencySeconds: LATENCY_S, planExitCode: 0 });
  const terraform = new TimedRunner(new TerraformCli({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, scratchDir: root, pluginCacheDir: path.join(root, "plugins") }));
  nock.disableNetConnect();
  try {
    const templates = bundledTemplates();
    const deps = { terraform, toolchain: hclToolchain, loadParser: loadHclParser, templates, logger: quiet, botLogin: BOT, scratchDir: root };
    const inputFor = (repoDir: string, scanPlan: string, groupBy: "resource" | "workspace"): BackportInput => {
      const config = validateConfig({ workspaces: [{ name: "prod", dir: "infra", tier: "prod" }], backport: { group_by: groupBy } });
      if (!config.ok) throw new Error("bench config is invalid");
      return {
        repo: REPO,
        baseBranch: "main",
        baseSha: BASE_SHA,
        checkoutDir: repoDir,
        config: config.config,
        items: classifyDrift(parsePlan(scanPlan), "prod"),
        scanned: ["prod"],
        remembered: [],
        reopen: [],
        firstSeen: new Map(),
        planExcerpts: new Map([["prod", scanPlan]]),
      };
    };

    // (a) one new codify pull request, every request counted
    const one = workspace(root, 1);
    let api = new BackportApiMock(REPO.owner, REPO.repo);
    api.pullRequestsPage([]).createRef().commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: { oid: COMMIT_OID, url: "https://github.com/acme/infra/commit/d" } } } } }).createPull({ status: 201, body: pullBody("acme", "infra", 42) }).addLabels(42);
    const first = await backportDrift({ ...deps, host: new OctokitBackportHost(octokit(), { botLogin: BOT }) }, inputFor(one.repoDir, one.scanPlan, "resource"));
    const openRequests = api.requests.map((r) => `${r.method} ${r.path}`);
    const opened = Object.values(first.drift).filter((d) => d.status === "open").length;
    const sent = api.sent("POST", "/repos/acme/infra/pulls")[0]?.body as { title: string; body: string; head: string } | undefined;
    const labels = (api.sent("POST", "/repos/acme/infra/issues/42/labels")[0]?.body as { labels: string[] } | undefined)?.labels ?? [];
    nock.cleanAll();

    // (b) the same drift again: GitHub now shows that pull request, its branch holding driftback's one commit
    api = new BackportApiMock(REPO.owner, REPO.repo);
    if (sent) {
      const node = { ...pullNode({ number: 42, branch: sent.head, labels, body: sent.body }), title: sent.title, headRefOid: COMMIT_OID };
      api.pullRequestsPage([node]).compare("main", sent.head, { status: 200, body: compareBody({ commits: [botCommit(BOT, COMMIT_OID)], mergeBase: BASE_SHA }) });
    }
    const rescan = await backportDrift({ ...deps, host: new OctokitBackportHost(octokit(), { botLogin: BOT }) }, inputFor(one.repoDir, one.scanPlan, "resource"));
    const rescanWrites = api.requests.filter(isWriteRequest).length;
    const rescanRequests = api.requests.map((r) => `${r.method} ${r.path}`);
    nock.cleanAll();

    // (c) a 50-drift workspace, one pull request: scan plan, classify, backport (with its verification plan), timed end to end
    const many = workspace(root, DRIFTS);
    // the scan plans its own checkout, which replays the drift plan
    const scanDir = path.join(root, "scan-checkout");
    mkdirSync(scanDir);
    writeFileSync(path.join(scanDir, "plan.json"), many.scanPlan);
    api = new BackportApiMock(REPO.owner, REPO.repo);
    api.pullRequestsPage([]).createRef().commitOnBranch({ status: 200, body: { data: { createCommitOnBranch: { commit: { oid: COMMIT_OID, url: "https://github.com/acme/infra/commit/d" } } } } }).createPull({ status: 201, body: pullBody("acme", "infra", 43) }).addLabels(43);
    terraform.planMs = 0;
    terraform.plans = 0;
    const start = performance.now();
    const scan = await terraform.plan({ dir: scanDir, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 60_000, lockTimeout: "0s" });
    if (!scan.ok) throw new Error(`bench scan plan failed: ${scan.message}`);
    const toolchain = new TimedToolchain();
    const big = await backportDrift({ ...deps, toolchain, host: new OctokitBackportHost(octokit(), { botLogin: BOT }) }, inputFor(many.repoDir, scan.planJson, "workspace"));
    const wallS = (performance.now() - start) / 1000;
    const ownS = wallS - terraform.planMs / 1000;
    const bigOpened = Object.values(big.drift).filter((d) => d.status === "open").length;
    // where that time goes: the codify engine alone on the same 50 edits (each edit checked: parse, validate, format)
    const items = classifyDrift(parsePlan(many.scanPlan), "prod");
    const { workspace: ws } = await loadWorkspace(await loadHclParser(), many.repoDir, "infra", []);
    const codifyStart = performance.now();
    const aloneToolchain = new TimedToolchain();
    await codifyDrift({ toolchain: aloneToolchain }, ws, items.map((i) => ({ address: i.address, path: i.path, live: i.after, liveResource: i.liveResource, recordedResource: i.recordedResource, sensitive: false, managed: i.managed })));
    const codifyS = (performance.now() - codifyStart) / 1000;

    console.log("backport pull requests (OctokitBackportHost against nock, fake terraform)");
    console.log(`  GitHub requests to open one new codify pull request  ${openRequests.length}  (goal <= 5) ${openRequests.length <= 5 && opened === 1 ? "OK" : "OVER GOAL"}: ${openRequests.join(", ")}`);
    if (opened !== 1) console.log(`    the pull request did not open: ${JSON.stringify(first.drift)}`);
    console.log(`  writes on a rescan where nothing changed           ${rescanWrites}  (goal 0) ${rescanWrites === 0 && rescan.writes === 0 ? "OK" : "OVER GOAL"}; its reads: ${rescanRequests.join(", ") || "none"}`);
    console.log(`  ${DRIFTS}-drift workspace, scan start to pull request opened  ${wallS.toFixed(2)} s wall, ${terraform.plans} plans of ${(terraform.planMs / 1000).toFixed(2)} s (fake sleep ${LATENCY_S} s each)`);
    console.log(`    minus terraform's own plan time                 ${ownS.toFixed(2)} s  (goal <= 3 s) ${ownS <= 3 && bigOpened === DRIFTS ? "OK" : "OVER GOAL"}; ${bigOpened} of ${DRIFTS} drifts in an open pull request`);
    console.log(`    in the HCL toolchain (terraform's parser and formatter as wasm)  ${(toolchain.ms / 1000).toFixed(2)} s: ${toolchain.calls.validate} validate and ${toolchain.calls.format} format calls`);
    console.log(`    the codify engine's ${DRIFTS} checked edits measured alone  ${codifyS.toFixed(2)} s, ${aloneToolchain.calls.validate} validate and ${aloneToolchain.calls.format} format calls (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores: figures vary with it)`);
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
    rmSync(root, { recursive: true, force: true });
  }
}
