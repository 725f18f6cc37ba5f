import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAction } from "../../src/action/run.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { GitHubApiMock } from "../support/github-api.js";
import { sandboxCliEnv } from "../support/sandbox.js";
import { applyAll, change, commitAll, createSandboxRepo, type SandboxRepo } from "../support/sandbox-repo.js";
import { SERVICE_REPO_FILES, SERVICE_REPO_WORKSPACES } from "../support/service-repo.js";
import { simulatedStep } from "../action/action-env.js";

const probe = inject("realTerraform");

/**
 * Issue 17 §5, the scheduled path with real terraform: the three environments calling one module, their states in a
 * local backend outside the repository (as a remote backend would be), prod-eu's DB_TIMEOUT raised outside terraform.
 * The Action, in a simulated runner, clones the repository, plans every workspace with terraform and the sandbox
 * provider, and reports one real drift and the pull request it would open (dry run: GitHub is only read).
 */
describe.skipIf(!probe.available)("real terraform: the Action's scheduled scan of three environments", { timeout: 600_000 }, () => {
  let repo: SandboxRepo;
  let step: ReturnType<typeof simulatedStep>;
  let code: number;
  let api: GitHubApiMock;

  beforeAll(async () => {
    const states = mkdtempSync(path.join(os.tmpdir(), "real-tf-action-states-"));
    const backends = Object.fromEntries(Object.entries(SERVICE_REPO_WORKSPACES).map(([name, w]) => [`${w.dir}/backend.tf`, `terraform {\n  backend "local" {\n    path = ${JSON.stringify(path.join(states, `${name}.tfstate`))}\n  }\n}\n`]));
    repo = createSandboxRepo("action", { ...SERVICE_REPO_FILES, ...backends }, SERVICE_REPO_WORKSPACES, "backport:\n  enabled: true\n");
    await applyAll(repo);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.DB_TIMEOUT", "60s"]);
    await commitAll(repo.dir);

    nock.disableNetConnect();
    api = new GitHubApiMock().config("acme", "infra", readFileSync(path.join(repo.dir, ".github/driftback.yml"), "utf8")).dashboardIssues("acme", "infra", 7, { login: "github-actions[bot]", appId: 15368 }).backportPullRequests("acme", "infra");
    api.scope.get("/repos/acme/infra").reply(200, { name: "infra", default_branch: "main", clone_url: `file://${repo.dir}` }).persist();

    step = simulatedStep({ event: "schedule", payload: { schedule: "17 * * * *", workflow: ".github/workflows/driftback-scan.yml" }, inputs: { "dry-run": "true" } });
    // the real terraform and the sandbox provider's settings, as the workflow's setup steps would leave them
    Object.assign(step.env, { PATH: process.env.PATH }, sandboxCliEnv(repo));
    const scratch = mkdtempSync(path.join(os.tmpdir(), "real-tf-action-scratch-"));
    const terraform = new TerraformCli({ env: step.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins") });
    code = await runAction({ env: step.env, terraform, scratchDir: scratch, stdout: step.write, unthrottled: true, logDestination: new Writable({ write: (_c, _e, done) => done() }) });
  }, 600_000);
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("plans the three environments and finds one real drift: prod-eu's timeout", () => {
    expect(step.stdout.join("")).not.toContain("::error::");
    expect(code).toBe(0);
    expect(step.outputs()["drift-count"]).toBe("1");
    const summary = step.summary();
    expect(summary).toMatch(/\| prod-eu \| planned \| 1 \| 0 \| 0 \|/);
    expect(summary).toMatch(/\| staging \| planned \| 0 \| 0 \| 0 \|/);
    expect(summary).toMatch(/\| prod-us \| planned \| 0 \| 0 \| 0 \|/);
  });

  it("would open one backport pull request for it, and wrote nothing to GitHub", () => {
    const pullRequests = JSON.parse(step.outputs()["pull-requests"]!) as { status: string; action: string; branch: string; drift: number }[];
    expect(pullRequests).toEqual([expect.objectContaining({ status: "would-open", drift: 1, branch: expect.stringContaining("prod-eu") })]);
    expect(api.changes()).toEqual([]);
    expect(step.summary()).toContain("Dashboard issue: would be created");
  });
});
