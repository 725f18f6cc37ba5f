import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { SANDBOX_PROVIDER_BLOCK } from "../support/sandbox.js";
import {
  applyAll,
  change,
  codeFiles,
  commitAll,
  copyRepo,
  createSandboxRepo,
  mergeFiles,
  proposeBackports,
  tf,
  tfOk,
  type ProposedPullRequest,
  type SandboxRepo,
} from "../support/sandbox-repo.js";

const probe = inject("realTerraform");

/**
 * The other shapes of a real repository (issue 14, Tests): one module called twice in a workspace
 * (blue, green) and with for_each (svc), a module nested in a module two roots call (platform), a
 * module output another resource consumes (worker), and one root two workspaces plan with their own
 * var files (.tfvars and .tfvars.json).
 */
const FILES: Record<string, string> = {
  "modules/app/main.tf": `${SANDBOX_PROVIDER_BLOCK}
variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
}

resource "sandbox_deployment" "app" {
  name     = var.name
  replicas = var.replicas
  image    = "app:1.0"
  env = {
    LOG_LEVEL = "info"
  }
}

resource "sandbox_deployment" "sidecar" {
  name  = "\${var.name}-sidecar"
  image = "sidecar:1.0"
}

output "replicas" {
  value = sandbox_deployment.app.replicas
}
`,
  "modules/platform/main.tf": `variable "name" {
  type = string
}

module "inner" {
  source = "../app"
  name   = var.name
}
`,
  "envs/main/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

module "blue" {
  source = "../../modules/app"
  name   = "blue"
}

module "green" {
  source = "../../modules/app"
  name   = "green"
}

module "svc" {
  source = "../../modules/app"
  for_each = {
    api = { name = "api" }
    web = { name = "web" }
  }
  name = each.value.name
}

module "plat" {
  source = "../../modules/platform"
  name   = "plat-main"
}

resource "sandbox_deployment" "worker" {
  name     = "worker"
  image    = "worker:1.0"
  replicas = module.green.replicas
}
`,
  "envs/other/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

module "plat" {
  source = "../../modules/platform"
  name   = "plat-other"
}
`,
  "envs/shared/main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

variable "vm_name" {
  type = string
}

resource "sandbox_instance" "vm" {
  name          = var.vm_name
  instance_type = "t3.small"
}
`,
  "envs/shared/a.tfvars": 'vm_name = "vm-a"\n',
  "envs/shared/b.tfvars.json": '{\n  "vm_name": "vm-b"\n}\n',
};

const WORKSPACES: SandboxRepo["workspaces"] = {
  main: { dir: "envs/main", varFiles: [] },
  other: { dir: "envs/other", varFiles: [] },
  "shared-a": { dir: "envs/shared", varFiles: ["a.tfvars"], workspace: "a" },
  "shared-b": { dir: "envs/shared", varFiles: ["b.tfvars.json"], workspace: "b" },
};

/** A deletion is codified (its block removed) when a rule says so: here it must be refused, the module being called several times. */
const CONFIG = `backport:
  rules:
    - address: "module.blue.sandbox_deployment.sidecar"
      action: codify
`;

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!probe.available)("real terraform: modules called twice, with for_each, nested and consumed; a root two workspaces share", { timeout: 900_000 }, () => {
  let repo: SandboxRepo;
  const first: Record<string, { code: number; err: string; prs: ProposedPullRequest[] }> = {};
  let merged: string;
  const merges: string[] = [];
  /** Every plan of a workspace that did not drift, after each merge. */
  const bystanders: { after: string; workspace: string; exitCode: number | undefined; output: string }[] = [];

  const byBranch = (workspace: string, suffix: string) => first[workspace]!.prs.find((pr) => pr.branch.endsWith(suffix));
  const diffOf = (pr: ProposedPullRequest | undefined, file: string) => pr?.files.find((f) => f.path === file)?.diff ?? "";

  beforeAll(async () => {
    repo = createSandboxRepo("shapes", FILES, WORKSPACES, CONFIG);
    await applyAll(repo);
    await commitAll(repo.dir);
    await change(repo, ["set", "sandbox_deployment", "blue", "image", "app:1.1"]);
    await change(repo, ["set", "sandbox_deployment", "api", "env.LOG_LEVEL", "debug"]);
    await change(repo, ["set", "sandbox_deployment", "plat-main", "replicas", 4]);
    await change(repo, ["set", "sandbox_deployment", "green", "replicas", 3]);
    await change(repo, ["delete", "sandbox_deployment", "blue-sidecar"]);
    await change(repo, ["set", "sandbox_instance", "vm-a", "instance_type", "t3.large"]);
    first.main = await proposeBackports(repo, "main");
    first["shared-a"] = await proposeBackports(repo, "shared-a");
    merged = copyRepo(repo);
    for (const workspace of Object.keys(WORKSPACES)) await tfOk(repo, workspace, ["init", "-input=false"], [0], merged);
    // merge pull requests with code one by one, driftback proposing again on the new main after each (as the App regenerates)
    for (const workspace of ["main", "shared-a"]) {
      let current = first[workspace]!;
      for (let round = 0; round < 6; round++) {
        const next = current.prs.find((pr) => codeFiles(pr).length > 0);
        if (!next) break;
        mergeFiles(merged, codeFiles(next));
        await commitAll(merged, `merge ${next.branch}`);
        merges.push(next.branch);
        for (const other of Object.keys(WORKSPACES).filter((w) => !["main", "shared-a"].includes(w))) {
          const plan = await tf(repo, other, ["plan", "-input=false", "-detailed-exitcode"], merged);
          bystanders.push({ after: next.branch, workspace: other, exitCode: plan.exitCode, output: plan.output.slice(-3000) });
        }
        current = await proposeBackports(repo, workspace, merged);
      }
    }
  }, 900_000);

  it("proposes without errors", () => {
    expect(first.main!.err).toBe("");
    expect(first.main!.code).toBe(0);
    expect(first["shared-a"]!.err).toBe("");
    expect(first["shared-a"]!.code).toBe(0);
  });

  it("codifies blue's image in blue's module block only, parameterizing the module's literal", () => {
    const blue = byBranch("main", "module.blue.sandbox_deployment.app");
    expect(blue).toMatchObject({ action: "codify", verified: true });
    expect(diffOf(blue, "modules/app/main.tf")).toMatch(/^\+\s+image\s+= var\.image$/m);
    expect(diffOf(blue, "envs/main/main.tf")).toMatch(/^\+\s+image\s+= "app:1.1"$/m);
  });

  it("codifies api's LOG_LEVEL in api's for_each entry, the call reading it with lookup()", () => {
    const api = byBranch("main", "module.svc-api.sandbox_deployment.app-0a803241");
    expect(api).toMatchObject({ action: "codify", verified: true });
    expect(diffOf(api, "envs/main/main.tf")).toMatch(/^\+\s+log_level = lookup\(each\.value, "log_level", "info"\)$/m);
    expect(diffOf(api, "envs/main/main.tf")).toMatch(/^\+\s+api = \{ name = "api", log_level = "debug" \}$/m);
  });

  it("codifies plat-main's replicas through the shared platform module's new input", () => {
    const plat = byBranch("main", "module.plat.module.inner.sandbox_deployment.app");
    expect(plat).toMatchObject({ action: "codify", verified: true });
    expect(diffOf(plat, "modules/platform/main.tf")).toMatch(/^\+\s+replicas = var\.replicas$/m);
    expect(diffOf(plat, "envs/main/main.tf")).toMatch(/^\+\s+replicas = 4$/m);
    expect(plat!.body).toContain("<code>other</code>");
  });

  it("reverts green's replicas: codifying them would also change the worker that consumes the output, and the body says so", () => {
    const green = byBranch("main", "module.green.sandbox_deployment.app");
    expect(green).toMatchObject({ action: "revert" });
    expect(green!.body).toMatch(/applying the edit would also change <code>main<\/code>: <code>sandbox_deployment\.worker<\/code> would now change \(replicas\)/);
  });

  it("refuses to remove blue's sidecar block (the module is called four times), reverting it instead", () => {
    const sidecar = byBranch("main", "module.blue.sandbox_deployment.sidecar");
    expect(sidecar).toMatchObject({ action: "revert" });
    expect(sidecar!.body).toMatch(/<code>modules\/app<\/code> is evaluated by more than this instance/);
  });

  it("codifies shared-a's instance type into its own var file, with a root variable keeping shared-b's value", () => {
    const vm = byBranch("shared-a", "sandbox_instance.vm");
    expect(vm).toMatchObject({ action: "codify", verified: true });
    expect(diffOf(vm, "envs/shared/main.tf")).toMatch(/^\+\s+instance_type = var\.instance_type$/m);
    expect(diffOf(vm, "envs/shared/a.tfvars")).toMatch(/^\+instance_type = "t3.large"$/m);
    expect(diffOf(vm, "envs/shared/b.tfvars.json")).toBe("");
    expect(vm!.body).toContain("<code>shared-b</code>");
  });

  it("merges every codify pull request one by one", () => {
    expect(merges).toHaveLength(4);
  });

  it("after each merge, the workspaces that did not drift (other, shared-b) plan nothing", () => {
    expect(bystanders.length).toBeGreaterThanOrEqual(8);
    for (const plan of bystanders) expect(plan.exitCode, `after ${plan.after}, ${plan.workspace}:\n${plan.output}`).toBe(0);
  });

  it("after merging, main plans only the reverts (green's replicas, blue's sidecar re-created); applied, every workspace plans nothing", async () => {
    const plan = await tf(repo, "main", ["plan", "-input=false", "-detailed-exitcode"], merged);
    expect(plan.exitCode).toBe(2);
    const planned = [...plan.output.matchAll(/^\s+# (\S+) will be (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(planned).toEqual(["module.blue.sandbox_deployment.sidecar created", "module.green.sandbox_deployment.app updated"]);
    await tfOk(repo, "main", ["apply", "-auto-approve", "-input=false"], [0], merged);
    for (const workspace of Object.keys(WORKSPACES)) {
      const after = await tf(repo, workspace, ["plan", "-input=false", "-detailed-exitcode"], merged);
      expect(after.exitCode, `${workspace}:\n${after.output.slice(-3000)}`).toBe(0);
    }
  });
});
