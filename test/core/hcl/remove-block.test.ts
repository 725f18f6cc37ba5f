import { describe, expect, it } from "vitest";
import { loadHclParser } from "../../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../../src/adapters/hcl/toolchain.js";
import { removeResourceBlock } from "../../../src/core/hcl/remove.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import { expectGolden } from "../../support/golden.js";

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

async function workspace(files: Record<string, string>): Promise<HclWorkspace> {
  const parser = await loadHclParser();
  const ws = new HclWorkspace((source) => parser.parse(source), "infra");
  for (const [file, source] of Object.entries(files)) ws.add(file, source);
  return ws;
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

  it("leaves the workspace as it was: the caller decides whether to keep the edit", async () => {
    const ws = await workspace({ "infra/main.tf": MAIN });
    removeResourceBlock(ws, "aws_instance.worker");
    expect(ws.source("infra/main.tf")).toBe(MAIN);
  });
});
