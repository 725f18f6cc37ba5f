import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FAKE_TERRAFORM_DIR, fakeTerraformEnv, isAlive } from "../support/fake-terraform.js";
import { TestRepo } from "../support/git-repo.js";
import { DRIFTED_PROD, parseOutputFile } from "./action-env.js";

/**
 * Issue 17 §5: the Action as a runner runs it. A fresh clone of this repository's HEAD (what `uses: …/driftback@ref`
 * downloads: no lib/, no node_modules), then each step of action.yml in order with `github.action_path` set to the
 * clone: setup-node is the one step not run (this machine's Node stands in: the Action needs Node >= 20.19), then
 * `npm ci && npm run build` and the entry, in the environment a runner gives a scheduled job. GitHub is a local
 * HTTP server (GITHUB_API_URL), terraform the fake one, the repository a local git remote.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const TOKEN = "ghs_freshclonetoken0123456789abcdef";
const CONFIG = "workspaces:\n  - name: prod\n    dir: prod\nbackport:\n  enabled: true\n";

let server: http.Server;
let apiUrl = "";
const requests: string[] = [];
let repo: TestRepo;
/** The clone URL GitHub's answer names: the drifted repository, or (the cancel test) one whose plan never ends. */
let cloneUrl = "";
/** What the first test installed: the action's path and its entry step's environment, for the cancel test. */
let installed: { actionPath: string; entryEnv: NodeJS.ProcessEnv; work: string } | undefined;

beforeAll(async () => {
  repo = new TestRepo();
  repo.commitTo(DRIFTED_PROD, "refs/heads/main");
  cloneUrl = repo.cloneUrl;
  // GitHub's REST answers for what a dry-run scan reads: the repository, its config (raw contents), its issues
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const route = decodeURIComponent(url.pathname);
    requests.push(`${req.method} ${route} ${req.headers.authorization === `token ${TOKEN}` ? "token" : "no-token"}`);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && route === "/repos/acme/infra") return json(200, { name: "infra", full_name: "acme/infra", default_branch: "main", clone_url: cloneUrl, owner: { login: "acme" } });
    if (req.method === "GET" && route === "/repos/acme/infra/contents/.github/driftback.yml") return res.writeHead(200, { "content-type": "application/vnd.github.raw; charset=utf-8" }).end(CONFIG);
    if (req.method === "GET" && route === "/repos/acme/infra/issues") return json(200, []);
    // driftback's labelled pull requests (GraphQL): none yet. A query is a read; anything else would be a write
    if (req.method === "POST" && route === "/graphql") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const query = (JSON.parse(body) as { query?: string }).query ?? "";
        if (!/^\s*query\b/.test(query)) requests.push(`WRITE graphql ${query.slice(0, 40)}`);
        json(200, { data: { repository: { pullRequests: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } } } });
      });
      return;
    }
    return json(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

describe("the Action from a fresh clone, step by step as action.yml says", () => {
  it("installs, builds and runs a scheduled dry-run scan: outputs, job summary, no write, no token for terraform", { timeout: 600_000 }, async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "driftback-runner-"));
    const actionPath = path.join(work, "_actions", "driftback");
    const cloned = spawnSync("git", ["clone", "-q", root, actionPath], { encoding: "utf8" });
    expect(cloned.status, cloned.stderr).toBe(0);
    const action = parse(readFileSync(path.join(actionPath, "action.yml"), "utf8")) as { inputs: Record<string, { default?: string }>; runs: { steps: { uses?: string; run?: string; env?: Record<string, string>; "working-directory"?: string }[] } };

    const fake = fakeTerraformEnv();
    const eventPath = path.join(work, "event.json");
    writeFileSync(eventPath, JSON.stringify({ schedule: "17 * * * *", workflow: ".github/workflows/driftback-scan.yml" }));
    const outputPath = path.join(work, "output");
    const summaryPath = path.join(work, "summary.md");
    writeFileSync(outputPath, "");
    writeFileSync(summaryPath, "");
    const given: Record<string, string> = { "github-token": TOKEN, "dry-run": "true" };
    const runnerEnv: NodeJS.ProcessEnv = {
      PATH: `${FAKE_TERRAFORM_DIR}${path.delimiter}${process.env.PATH}`,
      HOME: process.env.HOME,
      npm_config_cache: process.env.npm_config_cache,
      FAKE_TERRAFORM_LOG: fake.env.FAKE_TERRAFORM_LOG,
      DRIFTBACK_TERRAFORM_ISOLATION: "none",
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_EVENT_NAME: "schedule",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: "acme/infra",
      GITHUB_WORKSPACE: path.join(work, "workspace"),
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_API_URL: apiUrl,
      GITHUB_RUN_ID: "1",
      GITHUB_ACTION_PATH: actionPath,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-secret-0123456789",
    };
    const expression = (value: string) =>
      value.replace(/\$\{\{\s*inputs\.([a-z-]+)\s*\}\}/g, (_m, name: string) => given[name] ?? action.inputs[name]?.default ?? "").replace(/\$\{\{\s*github\.action_path\s*\}\}/g, actionPath);

    let entry: StepResult | undefined;
    for (const step of action.runs.steps) {
      if (step.uses) {
        expect(step.uses).toMatch(/^actions\/setup-node@/); // the runner's Node: this machine's
        continue;
      }
      const env = { ...runnerEnv, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expression(v)])) };
      // asynchronously: this process is also the GitHub the entry talks to
      const result = await runStep(step.run!, step["working-directory"] ? expression(step["working-directory"]) : work, env, step.run!.includes("npm ci") ? 400_000 : 120_000);
      expect(result.status, `${step.run}\n${result.stdout}\n${result.stderr}`.slice(-4000)).toBe(0);
      entry = result;
      if (step.run!.includes("main.js")) installed = { actionPath, entryEnv: env, work };
    }
    const stdout = entry!.stdout;
    const [mask, stop] = stdout.split("\n");
    expect(mask).toBe(`::add-mask::${TOKEN}`);
    // no workflow command is read from the log: stopped right after the mask, resumed only for driftback's annotations
    const resume = /^::stop-commands::(driftback-[0-9a-f-]+)$/.exec(stop!)![1]!;
    expect(stdout.split("\n").filter((line) => line === `::${resume}::`)).toHaveLength(1);
    expect(stdout).not.toContain("::error::");
    const outputs = parseOutputFile(readFileSync(outputPath, "utf8"));
    expect(outputs["drift-count"]).toBe("1");
    expect(JSON.parse(outputs["pull-requests"]!)).toEqual([expect.objectContaining({ status: "would-open", action: expect.stringMatching(/^(codify|revert)$/), drift: 1 })]);
    expect(readFileSync(summaryPath, "utf8")).toContain("Dry run: GitHub was only read");
    // GitHub was only read (GETs, GraphQL queries), always with the token; terraform never saw it, nor the OIDC request token
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => !(/^(GET|POST \/graphql) /.test(r) && r.endsWith(" token")))).toEqual([]);
    const calls = fake.calls();
    expect(calls.map((c) => c.args[0])).toEqual(expect.arrayContaining(["init", "plan", "show"]));
    for (const call of calls) expect(Object.keys(call.env).filter((k) => /^(INPUT_|ACTIONS_|GITHUB_(OUTPUT|STEP_SUMMARY))/.test(k))).toEqual([]);
  });

  it("a cancelled job (SIGTERM to the step) stops terraform with its process group and exits 143, no process left", { timeout: 120_000 }, async () => {
    if (!installed) throw new Error("the install test above did not get as far as the entry: nothing to cancel");
    const hanging = new TestRepo();
    hanging.commitTo({ ...DRIFTED_PROD, "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", hang: ["plan"] }) }, "refs/heads/main");
    cloneUrl = hanging.cloneUrl;
    const fake = fakeTerraformEnv();
    const env = { ...installed.entryEnv, FAKE_TERRAFORM_LOG: fake.env.FAKE_TERRAFORM_LOG, FAKE_TERRAFORM_PIDS: fake.env.FAKE_TERRAFORM_PIDS };
    const child = spawn("bash", ["-e", "-c", 'exec node "$GITHUB_ACTION_PATH/lib/action/main.js"'], { cwd: installed.work, env });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // terraform is planning (and never ends on its own): the runner cancels the job
    for (let waited = 0; !(existsSync(fake.pidFile) && readFileSync(fake.pidFile, "utf8").trim().split("\n").length >= 2); waited += 100) {
      if (waited > 60_000) throw new Error(`terraform never started:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill("SIGTERM");
    expect(await closed).toBe(143);
    const pids = readFileSync(fake.pidFile, "utf8").trim().split("\n").map(Number);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stdout).not.toContain("driftback failed");
  });
});

interface StepResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A step's `run` under bash -e, as a runner runs it, killed after `timeoutMs`. */
function runStep(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StepResult> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-e", "-c", script], { cwd, env, timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
