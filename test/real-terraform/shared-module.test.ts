import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { SANDBOX_PROVIDER_BLOCK } from "../support/sandbox.js";
import { applyAll, change, codeFiles, commitAll, copyRepo, createSandboxRepo, mergeFiles, proposeBackports, tf, tfOk, type ProposedPullRequest, type SandboxRepo } from "../support/sandbox-repo.js";

const probe = inject("realTerraform");

/** One module, three environments: what a real repository looks like. */
const FILES: Record<string, string> = {
  "modules/service/versions.tf": SANDBOX_PROVIDER_BLOCK,
  "modules/service/variables.tf": `variable "name" {
  type = string
}

variable "env_name" {
  type = string
}

variable "db_timeout" {
  type    = string
  default = "10s"
}

variable "replicas" {
  type    = number
  default = 2
}
`,
  "modules/service/main.tf": `resource "sandbox_deployment" "app" {
  name     = var.name
  replicas = var.replicas
  image    = "registry.local/shop:1.0"
  env = {
    DB_TIMEOUT = var.db_timeout
    LOG_LEVEL  = "info"
  }
}

resource "sandbox_security_group" "app" {
  name        = "\${var.name}-sg"
  description = "shop"

  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

output "replicas" {
  value = sandbox_deployment.app.replicas
}

resource "sandbox_instance" "app" {
  name          = "\${var.name}-vm"
  instance_type = "t3.small"
  tags = {
    Team        = "shop"
    Environment = var.env_name
  }
}
`,
  "envs/staging/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-staging"
  env_name = "staging"
}
`,
  "envs/prod-us/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

variable "replicas" {
  type = number
}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-us"
  env_name = "prod"
  replicas = var.replicas
}
`,
  "envs/prod-us/prod-us.tfvars": "replicas = 3\n",
  "envs/prod-eu/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-eu"
  env_name = "prod"
}

# the codified replicas flow out here: the output follows the value, not a side effect
output "shop_replicas" {
  value = module.shop.replicas
}
`,
};

const WORKSPACES = { staging: { dir: "envs/staging", varFiles: [] }, "prod-us": { dir: "envs/prod-us", varFiles: ["prod-us.tfvars"] }, "prod-eu": { dir: "envs/prod-eu", varFiles: [] } };

type PullRequestJson = ProposedPullRequest;

afterEach(() => vi.restoreAllMocks());

const proposals = (repo: SandboxRepo, root: string, extra: string[] = []) => proposeBackports(repo, "prod-eu", root, extra);

/** What responders wrote during the prod-eu incident, and what else was open around it (issue 14, seen 8). */
function incidentsFile(): string {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const incidents = [
    { key: "INC-7", title: "EU checkout timeouts", url: "https://incidents.example.com/INC-7", status: "resolved", opened_at: at(50), resolved_at: at(5), service: "shop", text: "kubectl set env deployment/shop-prod-eu DB_TIMEOUT=60s LOG_LEVEL=debug, then scaled shop-prod-eu to 6 replicas" },
    { key: "INC-8", title: "staging flaky", url: "https://incidents.example.com/INC-8", status: "open", opened_at: at(40), resolved_at: null, service: "shop", text: "shop-staging pods restarting" },
    { key: "INC-2", title: "old timeout change", url: "https://incidents.example.com/INC-2", status: "resolved", opened_at: at(60 * 24 * 20), resolved_at: at(60 * 24 * 19), service: "shop", text: "DB_TIMEOUT raised to 60s on shop-prod-eu" },
  ];
  const file = path.join(os.tmpdir(), `incidents-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(incidents));
  return file;
}

/**
 * Issue 14, seen 1: drift in prod-eu of a module staging and prod-us call too. The pull requests are
 * merged one by one; after each merge driftback proposes again on the new main (as the App
 * regenerates a pull request whose base moved). After every merge staging and prod-us plan
 * nothing, and prod-eu, once the reverts are applied, nothing either.
 */
describe.skipIf(!probe.available)("real terraform: drift in one environment of a shared module", { timeout: 900_000 }, () => {
  let repo: SandboxRepo;
  let first: { code: number; err: string; prs: PullRequestJson[] };
  let merged: string;
  const mergedBranches: string[] = [];
  const otherPlans: { round: number; workspace: string; exitCode: number | undefined; output: string }[] = [];

  beforeAll(async () => {
    repo = createSandboxRepo("shared-module", FILES, WORKSPACES);
    await applyAll(repo);
    await commitAll(repo.dir);
    // the incident in prod-eu: a longer DB timeout, debug logs, more replicas, a tag, SSH opened to the world
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.DB_TIMEOUT", "60s"]);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.LOG_LEVEL", "debug"]);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "replicas", 6]);
    await change(repo, ["set", "sandbox_instance", "shop-prod-eu-vm", "tags.Owner", "oncall"]);
    await change(repo, ["append", "sandbox_security_group", "shop-prod-eu-sg", "ingress", { description: "ssh", from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }]);
    first = await proposals(repo, repo.dir, ["--incidents-from", incidentsFile(), "--last-clean", new Date(Date.now() - 60 * 60_000).toISOString()]);
    merged = copyRepo(repo);
    for (const workspace of Object.keys(WORKSPACES)) await tfOk(repo, workspace, ["init", "-input=false"], [0], merged);
    // merge the pull requests with code one at a time, proposing again after each
    let current = first;
    for (let round = 1; round <= 4; round++) {
      const next = current.prs.find((pr) => codeFiles(pr).length > 0);
      if (!next) break;
      mergeFiles(merged, codeFiles(next));
      await commitAll(merged, `merge ${next.branch}`);
      mergedBranches.push(next.branch);
      for (const workspace of ["staging", "prod-us"]) {
        const plan = await tf(repo, workspace, ["plan", "-input=false", "-detailed-exitcode"], merged);
        otherPlans.push({ round, workspace, exitCode: plan.exitCode, output: plan.output.slice(-3000) });
      }
      current = await proposals(repo, merged);
    }
  }, 900_000);

  it("proposes verified codify pull requests for the deployment and the tag, and reverts the opened security group", () => {
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    const byBranch = Object.fromEntries(first.prs.map((pr) => [pr.branch, pr]));
    expect(Object.keys(byBranch).sort()).toEqual([
      "driftback/prod-eu/module.shop.sandbox_deployment.app",
      "driftback/prod-eu/module.shop.sandbox_instance.app",
      "driftback/prod-eu/module.shop.sandbox_security_group.app",
    ]);
    expect(byBranch["driftback/prod-eu/module.shop.sandbox_deployment.app"]).toMatchObject({ action: "codify", verified: true });
    expect(byBranch["driftback/prod-eu/module.shop.sandbox_instance.app"]).toMatchObject({ action: "codify", verified: true });
    expect(byBranch["driftback/prod-eu/module.shop.sandbox_security_group.app"]).toMatchObject({ action: "revert" });
  });

  it("sets db_timeout and replicas in prod-eu's own module block, and parameterizes LOG_LEVEL with the old literal as default", () => {
    const deployment = first.prs.find((pr) => pr.branch.endsWith("sandbox_deployment.app"))!;
    const diff = (file: string) => deployment.files.find((f) => f.path === file)?.diff ?? "";
    expect(diff("envs/prod-eu/main.tf")).toMatch(/^\+\s+db_timeout\s+= "60s"$/m);
    expect(diff("envs/prod-eu/main.tf")).toMatch(/^\+\s+replicas\s+= 6$/m);
    expect(diff("envs/prod-eu/main.tf")).toMatch(/^\+\s+log_level\s+= "debug"$/m);
    expect(diff("modules/service/main.tf")).toMatch(/^\+\s+LOG_LEVEL\s+= var\.log_level$/m);
    expect(diff("modules/service/variables.tf")).toMatch(/^\+variable "log_level" \{$/m);
    expect(diff("modules/service/variables.tf")).toMatch(/^\+\s+default\s+= "info"$/m);
    // the module's own defaults stay what the other callers get
    expect(diff("modules/service/variables.tf")).not.toMatch(/^[-+]\s+default\s+= "10s"/m);
    // the body names every workspace the verification planned
    expect(deployment.body).toMatch(/in <code>prod-eu<\/code>, <code>(staging|prod-us)<\/code>, <code>(staging|prod-us)<\/code> \(every configured workspace/);
  });

  it("links the deployment's pull request to the incident whose responders changed it, not to the other shop incidents", () => {
    const deployment = first.prs.find((pr) => pr.branch.endsWith("sandbox_deployment.app"))!;
    expect(deployment.incident).toMatchObject({ key: "INC-7" });
    expect(deployment.incident!.evidence.join("\n")).toMatch(/DB_TIMEOUT|60s/);
    expect(deployment.body).toContain("[INC-7](https://incidents.example.com/INC-7)");
    for (const distractor of ["INC-8", "INC-2"]) expect(deployment.incident!.key).not.toBe(distractor);
  });

  it("merges the tag into the instance's map through a new input, so the other callers keep theirs", () => {
    const instance = first.prs.find((pr) => pr.branch.endsWith("sandbox_instance.app"))!;
    const diff = (file: string) => instance.files.find((f) => f.path === file)?.diff ?? "";
    expect(diff("modules/service/main.tf")).toMatch(/^\+\s+tags = merge\(\{/m);
    expect(diff("modules/service/main.tf")).toMatch(/^\+\s+\}, var\.tags_overrides\)$/m);
    expect(diff("envs/prod-eu/main.tf")).toMatch(/^\+\s+Owner = "oncall"$/m);
  });

  it("merges every pull request with code, one by one", () => {
    expect(mergedBranches.sort()).toEqual(["driftback/prod-eu/module.shop.sandbox_deployment.app", "driftback/prod-eu/module.shop.sandbox_instance.app"]);
  });

  it("after each merge, staging and prod-us plan nothing", () => {
    expect(otherPlans.length).toBeGreaterThanOrEqual(4);
    for (const plan of otherPlans) expect(plan.exitCode, `round ${plan.round}, ${plan.workspace}:\n${plan.output}`).toBe(0);
  });

  it("after merging, prod-eu plans only the revert; once applied, it plans nothing", async () => {
    const before = await tf(repo, "prod-eu", ["plan", "-input=false", "-detailed-exitcode"], merged);
    expect(before.exitCode).toBe(2);
    expect(before.output).toContain("module.shop.sandbox_security_group.app will be updated in-place");
    expect(before.output).not.toContain("module.shop.sandbox_deployment.app will be");
    expect(before.output).not.toContain("module.shop.sandbox_instance.app will be");
    await tfOk(repo, "prod-eu", ["apply", "-auto-approve", "-input=false"], [0], merged);
    const after = await tf(repo, "prod-eu", ["plan", "-input=false", "-detailed-exitcode"], merged);
    expect(after.exitCode, after.output.slice(-3000)).toBe(0);
  });
});

/**
 * Issue 14, must 2: two workspaces drifted alike need the same edit of the shared module. Each pull
 * request makes it the same way, so git merges them in either order without a conflict and the
 * module declares its new input once; afterwards every workspace plans nothing.
 */
describe.skipIf(!probe.available)("real terraform: two environments drifted alike, their pull requests merged in either order", { timeout: 900_000 }, () => {
  let repo: SandboxRepo;
  const proposed: Record<string, ProposedPullRequest> = {};
  const outcomes: { order: string; merges: number[]; declarations: number; plans: Record<string, number | undefined> }[] = [];

  beforeAll(async () => {
    repo = createSandboxRepo("alike", FILES, WORKSPACES);
    await applyAll(repo);
    await commitAll(repo.dir);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-eu", "env.LOG_LEVEL", "debug"]);
    await change(repo, ["set", "sandbox_deployment", "shop-prod-us", "env.LOG_LEVEL", "debug"]);
    for (const workspace of ["prod-eu", "prod-us"]) {
      const { prs } = await proposeBackports(repo, workspace);
      proposed[workspace] = prs.find((pr) => pr.branch.endsWith("sandbox_deployment.app"))!;
    }
    for (const order of [["prod-eu", "prod-us"], ["prod-us", "prod-eu"]]) {
      const copy = copyRepo(repo);
      const git = (args: string[]) => execa("git", args, { cwd: copy, reject: false, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
      for (const workspace of order) {
        await git(["checkout", "-q", "-b", workspace, "main"]);
        mergeFiles(copy, codeFiles(proposed[workspace]!));
        await git(["commit", "-q", "-am", `codify ${workspace}`]);
      }
      await git(["checkout", "-q", "main"]);
      const merges: number[] = [];
      for (const workspace of order) merges.push((await git(["merge", "--no-edit", "-q", workspace])).exitCode ?? -1);
      const declarations = (readFileSync(path.join(copy, "modules/service/variables.tf"), "utf8").match(/variable "log_level"/g) ?? []).length;
      const plans: Record<string, number | undefined> = {};
      for (const workspace of Object.keys(WORKSPACES)) {
        await tfOk(repo, workspace, ["init", "-input=false"], [0], copy);
        plans[workspace] = (await tf(repo, workspace, ["plan", "-input=false", "-detailed-exitcode"], copy)).exitCode;
      }
      outcomes.push({ order: order.join(" then "), merges, declarations, plans });
    }
  }, 900_000);

  it("proposes a verified codify for each, both parameterizing the module the same way", () => {
    expect(proposed["prod-eu"]).toMatchObject({ action: "codify", verified: true });
    expect(proposed["prod-us"]).toMatchObject({ action: "codify", verified: true });
    const moduleDiff = (pr: ProposedPullRequest) => codeFiles(pr).filter((f) => f.path.startsWith("modules/")).map((f) => f.diff.replace(/^(---|\+\+\+|Index|=+).*$/gm, ""));
    expect(moduleDiff(proposed["prod-eu"]!)).toEqual(moduleDiff(proposed["prod-us"]!));
  });

  it("merges in either order without a conflict, declares log_level once, and leaves every workspace planning nothing", () => {
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) {
      expect(outcome.merges, outcome.order).toEqual([0, 0]);
      expect(outcome.declarations, outcome.order).toBe(1);
      expect(outcome.plans, outcome.order).toEqual({ staging: 0, "prod-us": 0, "prod-eu": 0 });
    }
  });
});
