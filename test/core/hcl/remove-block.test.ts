import { describe, expect, it } from "vitest";
import { loadHclParser } from "../../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../../src/adapters/hcl/toolchain.js";
import { removeResourceBlock } from "../../../src/core/hcl/remove.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import type { WorkspaceRoot } from "../../../src/core/repo/view.js";
import { expectGolden } from "../../support/golden.js";
import { scopedWorkspace } from "../../support/repo-view.js";

const MAIN = `terraform {
  required_version = ">= 1.5"
}

resource "aws_instance" "api" {
  ami = "ami-1"
}

# the batch worker
# (runs nightly)
resource "aws_instance" "worker" {
  ami           = "ami-9"
  instance_type = "t3.small"
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
`;

/** The repository holds `infra` as its one configured workspace, plus whatever other roots `files` has. */
async function workspace(files: Record<string, string>, workspaces: WorkspaceRoot[] = [{ name: "infra", dir: "infra", varFiles: [] }], name = "infra"): Promise<HclWorkspace> {
  return scopedWorkspace(await loadHclParser(), files, workspaces, name);
}

const golden = (name: string) => new URL(`../../fixtures/remove-block/${name}`, import.meta.url);

describe("removeResourceBlock: codifying a resource deleted outside Terraform", () => {
  it.each([
    ["a block with its comment lines, from the middle of a file", { "infra/main.tf": MAIN }, "aws_instance.worker", "middle-with-comment.tf"],
    ["the first block of a file", { "infra/main.tf": MAIN.slice(MAIN.indexOf("resource")) }, "aws_instance.api", "first-block.tf"],
    ["a block from a CRLF file, keeping CRLF", { "infra/main.tf": MAIN.replaceAll("\n", "\r\n") }, "aws_s3_bucket.logs", "crlf.tf"],
    [
      "a block inside a local module",
      { "infra/main.tf": 'module "app" {\n  source = "./modules/app"\n}\n', "infra/modules/app/main.tf": MAIN },
      "module.app.aws_instance.worker",
      "module.tf",
    ],
  ])("removes %s", async (_name, files, address, expected) => {
    const ws = await workspace(files);
    const removal = removeResourceBlock(ws, address);
    if ("refused" in removal) throw new Error(removal.refused);
    expectGolden(removal.source, golden(expected));
    expect(await hclToolchain.validate(removal.file, removal.source)).toBeUndefined();
    expect(removal.source).not.toContain(`"${address.split(".").at(-1)}"`);
  });

  it.each([
    ["one instance of a counted resource", 'resource "aws_instance" "web" {\n  count = 2\n}\n', "aws_instance.web[0]", /every instance/],
    ["a resource whose block has count, addressed without a key", 'resource "aws_instance" "web" {\n  count = 1\n}\n', "aws_instance.web", /count/],
    ["a resource something else refers to", 'resource "aws_instance" "web" {}\n\noutput "ip" {\n  value = aws_instance.web.private_ip\n}\n', "aws_instance.web", /`infra\/main\.tf:4` refers to/],
    ["a resource named in depends_on", 'resource "aws_instance" "web" {}\n\nresource "aws_eip" "ip" {\n  depends_on = [aws_instance.web]\n}\n', "aws_instance.web", /refers to/],
    ["a block that is not there", 'resource "aws_instance" "web" {}\n', "aws_instance.other", /nothing to remove/],
    ["a data source", 'data "aws_ami" "x" {}\n', "data.aws_ami.x", /data source/],
    ["a module from a registry", 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n', "module.vpc.aws_vpc.this", /not from this repository/],
    ["a module called with for_each", 'module "app" {\n  source   = "./app"\n  for_each = toset(["a"])\n}\n', 'module.app["a"].aws_instance.x', /every instance of the module/],
    ["a file that does not parse", 'resource "aws_instance" "web" {\n  ami = \n}\n', "aws_instance.web", /does not parse/],
  ])("refuses %s", async (_name, source, address, reason) => {
    const ws = await workspace({ "infra/main.tf": source, "infra/app/main.tf": 'resource "aws_instance" "x" {}\n' });
    const removal = removeResourceBlock(ws, address);
    expect("refused" in removal && removal.refused).toMatch(reason);
  });

  describe("across the repository (issue 14, seen 3)", () => {
    const module = 'resource "aws_instance" "sidecar" {\n  ami = "ami-1"\n}\n';
    const caller = (name: string) => `module "${name}" {\n  source = "../../modules/app"\n}\n`;
    const two = [
      { name: "staging", dir: "envs/staging", varFiles: [] },
      { name: "prod", dir: "envs/prod", varFiles: [] },
    ];

    it("refuses a block in a module called twice in one workspace (blue and green)", async () => {
      const files = { "envs/prod/main.tf": caller("blue") + caller("green"), "modules/app/main.tf": module };
      const removal = removeResourceBlock(await workspace(files, two.slice(1), "prod"), "module.blue.aws_instance.sidecar");
      expect("refused" in removal && removal.refused).toMatch(/`modules\/app` is evaluated by more than this instance \(`prod` \(`module\.green`\)\)/);
    });

    it("refuses a block in a module another configured workspace calls", async () => {
      const files = { "envs/prod/main.tf": caller("app"), "envs/staging/main.tf": caller("app"), "modules/app/main.tf": module };
      const removal = removeResourceBlock(await workspace(files, two, "prod"), "module.app.aws_instance.sidecar");
      expect("refused" in removal && removal.refused).toMatch(/`staging` \(`module\.app`\)/);
    });

    it("refuses a block in a module a root no workspace plans calls, naming that root", async () => {
      const files = { "envs/prod/main.tf": caller("app"), "envs/dev/main.tf": caller("app"), "modules/app/main.tf": module };
      const removal = removeResourceBlock(await workspace(files, two.slice(1), "prod"), "module.app.aws_instance.sidecar");
      expect("refused" in removal && removal.refused).toMatch(/`envs\/dev` \(a root no configured workspace plans\)/);
    });

    it("refuses a block in the root two workspaces share", async () => {
      const files = { "envs/prod/main.tf": module };
      const shared = [
        { name: "prod-a", dir: "envs/prod", varFiles: ["a.tfvars"] },
        { name: "prod-b", dir: "envs/prod", varFiles: ["b.tfvars"] },
      ];
      const removal = removeResourceBlock(await workspace(files, shared, "prod-a"), "aws_instance.sidecar");
      expect("refused" in removal && removal.refused).toMatch(/`prod-b`/);
    });

    it("removes a block in a module only this workspace calls, once", async () => {
      const files = { "envs/prod/main.tf": caller("app"), "envs/staging/main.tf": 'resource "aws_s3_bucket" "x" {}\n', "modules/app/main.tf": module };
      const removal = removeResourceBlock(await workspace(files, two, "prod"), "module.app.aws_instance.sidecar");
      expect(removal).toMatchObject({ file: "modules/app/main.tf", source: "" });
    });

    it("refuses a module's block without the repository's workspaces (a directory given alone)", async () => {
      const parser = await loadHclParser();
      const ws = new HclWorkspace((source) => parser.parse(source), "envs/prod");
      ws.add("envs/prod/main.tf", caller("app"));
      ws.add("modules/app/main.tf", module);
      const removal = removeResourceBlock(ws, "module.app.aws_instance.sidecar");
      expect("refused" in removal && removal.refused).toMatch(/cannot tell who else calls this module/);
    });
  });

  it("leaves the workspace as it was: the caller decides whether to keep the edit", async () => {
    const ws = await workspace({ "infra/main.tf": MAIN });
    removeResourceBlock(ws, "aws_instance.worker");
    expect(ws.source("infra/main.tf")).toBe(MAIN);
  });
});
