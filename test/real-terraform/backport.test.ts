import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyPatch } from "diff";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { main } from "../../src/cli.js";
import { createSandbox, fileBytes, initAndApply, outOfBand, planWithRunner, terraform, type PlanJson, type Sandbox, sandboxCliEnv, SANDBOX_PROVIDER_BLOCK } from "../support/sandbox.js";
import { runCli } from "../support/run-cli.js";

const cli = (sandbox: Sandbox, args: string[]) => runCli(args, sandboxCliEnv(sandbox));

const probe = inject("realTerraform");

const FILES = {
  "main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

resource "sandbox_deployment" "api" {
  name     = "api"
  replicas = 2
  image    = "registry.local/api:1.0"
}

resource "sandbox_security_group" "web" {
  name        = "web-sg"
  description = "web tier"

  ingress {
    description = "https from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}
`,
};

interface PullRequestJson {
  branch: string;
  title: string;
  body: string;
  action: string;
  labels: string[];
  files: { path: string; diff: string }[];
  verified: boolean | null;
}

afterEach(() => vi.restoreAllMocks());

/** Real drift in a real workspace: a deployment scaled and a security group opened in the sandbox cloud's console. */
describe.skipIf(!probe.available)("real terraform: driftback backport --dry-run --verify on real drift", { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let planJson: PlanJson;
  let prs: PullRequestJson[];
  let before: Map<string, Buffer>;
  let result: { code: number; out: string; err: string };

  beforeAll(async () => {
    sandbox = createSandbox("backport", FILES);
    await initAndApply(sandbox);
    await outOfBand(sandbox, ["set", "sandbox_deployment", "api", "replicas", 5]);
    await outOfBand(sandbox, ["append", "sandbox_security_group", "web-sg", "ingress.0.cidr_blocks", "0.0.0.0/0"]);
    const planFile = path.join(path.dirname(sandbox.dir), "drift-plan.json");
    const text = await planWithRunner(sandbox);
    writeFileSync(planFile, text);
    planJson = JSON.parse(text) as PlanJson;
    before = fileBytes(sandbox.dir);
    result = await cli(sandbox, ["backport", "--dir", sandbox.dir, "--plan-json", planFile, "--dry-run", "--verify", "--format", "json"]);
    prs = result.code === 0 ? (JSON.parse(result.out) as { pullRequests: PullRequestJson[] }).pullRequests : [];
  }, 300_000);

  it("proposes exactly one codify and one revert pull request, and exits 0", () => {
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(prs.map((pr) => `${pr.action} ${pr.branch}`).sort()).toEqual(["codify driftback/default/sandbox_deployment.api", "revert driftback/default/sandbox_security_group.web"]);
  });

  it("verifies the codify with a real plan of the edited copy, which proposes nothing new", () => {
    const codify = prs.find((pr) => pr.action === "codify")!;
    expect(codify.verified).toBe(true);
    expect(codify.body).toContain("Verified: <code>terraform plan</code> of this branch in <code>default</code> (every configured workspace that loads an edited file) proposes no change to the codified attributes of <code>sandbox_deployment.api</code>");
    expect(codify.files.find((f) => f.path === "main.tf")!.diff).toMatch(/-  replicas = 2\n\+  replicas = 5\n/);
  });

  it("after its files are applied to a copy, a real terraform plan -detailed-exitcode of that resource exits 0", async () => {
    const codify = prs.find((pr) => pr.action === "codify")!;
    const copy = path.join(mkdtempSync(path.join(os.tmpdir(), "backport-applied-")), "ws");
    cpSync(sandbox.dir, copy, { recursive: true, verbatimSymlinks: true });
    for (const file of codify.files) {
      const target = path.join(copy, file.path);
      const original = file.diff.includes("--- /dev/null") ? "" : readFileSync(target, "utf8");
      const patched = applyPatch(original, file.diff);
      expect(patched, `${file.path}: the diff applies to the file on disk`).not.toBe(false);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, patched as string);
    }
    const applied = { ...sandbox, dir: copy };
    const targeted = await terraform(applied, ["plan", "-input=false", "-detailed-exitcode", "-target=sandbox_deployment.api"]);
    expect(targeted.exitCode, targeted.output.slice(-3000)).toBe(0);
    // and the same plan of the untouched workspace still wants to scale it back: the exit 0 is the codify's doing
    const untouched = await terraform(sandbox, ["plan", "-input=false", "-detailed-exitcode", "-target=sandbox_deployment.api"]);
    expect(untouched.exitCode, untouched.output.slice(-3000)).toBe(2);
  });

  it("reverts the opened security group (policy drift), its body showing the real plan's before and after", () => {
    const revert = prs.find((pr) => pr.action === "revert")!;
    expect(revert.verified).toBe(false);
    expect(revert.labels).toEqual(["drift", "drift:revert"]);
    expect(revert.files.map((f) => f.path)).toEqual([expect.stringMatching(/^\.driftback\/drift\/default\/[0-9a-f]{16}\.md$/)]);
    // the real plan sets the cidr list back: live (before) holds 0.0.0.0/0, the code (after) does not
    const change = (planJson.resource_changes ?? []).find((c) => c.address === "sandbox_security_group.web") as unknown as { change: { actions: string[]; before: { ingress: { cidr_blocks: string[] }[] }; after: { ingress: { cidr_blocks: string[] }[] } } };
    expect(change.change.actions).toEqual(["update"]);
    expect(change.change.before.ingress[0]!.cidr_blocks).toEqual(["10.0.0.0/16", "0.0.0.0/0"]);
    expect(change.change.after.ingress[0]!.cidr_blocks).toEqual(["10.0.0.0/16"]);
    const excerpt = revert.body.split("**Plan excerpt**")[1] ?? "";
    expect(excerpt).toContain("<code>sandbox_security_group.web</code> will be updated in-place");
    expect(excerpt).toMatch(/^- +"0\.0\.0\.0\/0",$/m);
    // the table shows the recorded and live lists as the plan has them
    expect(revert.body).toContain("<code>[&quot;10.0.0.0/16&quot;]</code> | <code>[&quot;10.0.0.0/16&quot;,&quot;0.0.0.0/0&quot;]</code>");
  });

  it("leaves the workspace on disk byte-identical", () => {
    expect([...fileBytes(sandbox.dir).keys()]).toEqual([...before.keys()]);
    for (const [file, bytes] of before) expect(fileBytes(sandbox.dir).get(file)?.equals(bytes), file).toBe(true);
  });
});
