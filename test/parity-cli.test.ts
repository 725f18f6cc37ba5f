import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

/** A repository on disk: three environments calling one module, each root with its own lock file. */
function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-parity-cli-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const lock = (version: string) => `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "${version}"
  constraints = "~> 5.0"
  hashes = [
    "h1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=",
  ]
}
`;

const env = (name: string, extra = "") => `module "shop" {
  source = "../../modules/service"
  name   = "shop-${name}"
${extra}}
`;

const FILES: Record<string, string> = {
  ".github/driftback.yml": `workspaces:
  - name: staging
    dir: envs/staging
  - name: prod-us
    dir: envs/prod-us
    var_files: [prod-us.tfvars]
  - name: prod-eu
    dir: envs/prod-eu
`,
  "modules/service/main.tf": `variable "name" {
  type = string
}

variable "pool_size" {
  type    = number
  default = 20
}

variable "db_timeout" {
  type    = string
  default = "30s"
}

resource "aws_db_proxy" "shop" {
  name      = var.name
  pool_size = var.pool_size
  settings = {
    DB_TIMEOUT = var.db_timeout
  }
}
`,
  "envs/staging/main.tf": env("staging"),
  "envs/staging/.terraform.lock.hcl": lock("5.31.0"),
  "envs/prod-us/main.tf": `variable "db_timeout" {
  type = string
}

${env("prod-us", "  db_timeout = var.db_timeout\n")}`,
  "envs/prod-us/prod-us.tfvars": 'db_timeout = "30s"\n',
  "envs/prod-us/.terraform.lock.hcl": lock("5.31.0"),
  "envs/prod-eu/main.tf": env("prod-eu", '  pool_size  = 10\n  db_timeout = "60s"\n'),
  "envs/prod-eu/.terraform.lock.hcl": lock("5.20.1"),
};

describe("driftback parity (issue 16 §7)", () => {
  it("prints the group, its declared differences and its version drift as JSON; --detailed-exitcode exits 2", async () => {
    const dir = repository(FILES);
    const run = await runCli(["parity", "--dir", dir, "--detailed-exitcode"]);
    expect(run.err).toBe("");
    expect(run.code).toBe(2);
    const report = JSON.parse(run.out);
    expect(report.groups).toHaveLength(1);
    const [group] = report.groups;
    expect(group).toMatchObject({ name: "modules/service", members: ["staging", "prod-us", "prod-eu"] });
    // prod-us sets the timeout through its tfvars to the default: the same resolved value, no difference
    expect(group.differences).toEqual([
      { kind: "declared", resource: "module.shop", attribute: "db_timeout", values: { staging: { value: "30s" }, "prod-us": { value: "30s" }, "prod-eu": { value: "60s" } } },
      { kind: "declared", resource: "module.shop", attribute: "pool_size", values: { staging: { value: 20 }, "prod-us": { value: 20 }, "prod-eu": { value: 10 } } },
    ]);
    expect(group.versions).toEqual([{ kind: "provider", name: "registry.terraform.io/hashicorp/aws", values: expect.objectContaining({ "prod-eu": expect.stringMatching(/^5\.20\.1/), staging: expect.stringMatching(/^5\.31\.0/) }) }]);
  });

  it("markdown: a table per group with a column per member; no difference → exit 0 even with --detailed-exitcode", async () => {
    const dir = repository(FILES);
    const run = await runCli(["parity", "--dir", dir, "--format", "markdown"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^## Environment parity/);
    expect(run.out).toContain("| Resource | Attribute | <code>staging</code> | <code>prod-us</code> | <code>prod-eu</code> | Why |");
    expect(run.out).toMatch(/\| <code>module\.shop<\/code> \| <code>pool_size<\/code> \| <code>20<\/code> \| <code>20<\/code> \| <code>10<\/code> \| declared \|/);

    const same = repository({ ...FILES, "envs/prod-eu/main.tf": env("prod-eu"), "envs/prod-eu/.terraform.lock.hcl": lock("5.31.0") });
    const clean = await runCli(["parity", "--dir", same, "--detailed-exitcode", "--format", "markdown"]);
    expect(clean.code).toBe(0);
    expect(clean.out).toContain("Every group matches");
  });

  it.each([
    ["no config", (dir: string) => ["parity", "--dir", path.join(dir, "envs")], /driftback\.yml does not exist: parity compares the workspaces it configures/],
    ["a --plan-json without a workspace", (dir: string) => ["parity", "--dir", dir, "--plan-json", "plan.json"], /write it as <workspace>=<plan\.json>/],
    ["a workspace the config does not have", (dir: string) => ["parity", "--dir", dir, "--plan-json", "prod=plan.json"], /prod is not a workspace of \.github\/driftback\.yml \(its workspaces: staging, prod-us, prod-eu\)/],
    ["a plan that is not JSON", (dir: string) => ["parity", "--dir", dir, "--plan-json", `staging=${path.join(dir, "envs/staging/main.tf")}`], /main\.tf \(--plan-json for staging\) is not usable plan JSON/],
  ])("bad input: %s is named, exit 1", async (_name, args, message) => {
    const dir = repository(FILES);
    const run = await runCli(args(dir));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    expect(run.out).toBe("");
  });
});

describe("driftback expect (issue 16 §6: a difference marked expected by design)", () => {
  it("prints the config diff, writes it with --write, and parity then no longer lists the difference", async () => {
    const dir = repository(FILES);
    const shown = await runCli(["expect", "--dir", dir, "--group", "modules/service", "--resource", "module.shop", "--attribute", "pool_size"]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain("+parity:");
    expect(shown.out).toContain("+    module: modules/service");
    expect(readFileSync(path.join(dir, ".github/driftback.yml"), "utf8")).not.toContain("parity:");

    expect((await runCli(["expect", "--dir", dir, "--group", "modules/service", "--resource", "module.shop", "--attribute", "pool_size", "--write"])).code).toBe(0);
    const after = JSON.parse((await runCli(["parity", "--dir", dir])).out);
    expect(after.groups[0].differences.map((d: { attribute: string }) => d.attribute)).toEqual(["db_timeout"]);
    // a second time: nothing to change
    expect((await runCli(["expect", "--dir", dir, "--group", "modules/service", "--resource", "module.shop", "--attribute", "pool_size"])).out).toContain("nothing to change");
  });

  it("an unknown group is named with the groups there are", async () => {
    const run = await runCli(["expect", "--dir", repository(FILES), "--group", "web", "--resource", "x", "--attribute", "y"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("--group web is not a parity group of this repository (its groups: modules/service)");
  });
});
