import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { declaresResource, noneDeclared } from "../../../src/core/hcl/declared.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

function workspace(files: Record<string, string>): HclWorkspace {
  const ws = new HclWorkspace((source) => parser.parse(source), "root");
  for (const [file, source] of Object.entries(files)) ws.add(file, source);
  return ws;
}

const FILES = {
  "root/main.tf": `resource "aws_instance" "web" {
  count = 2
}

module "app" {
  source = "../modules/app"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
`,
  "modules/app/main.tf": 'resource "aws_s3_bucket" "logs" {}\n',
};

describe("declaresResource: does the code hold the block a drifted address names", () => {
  it.each([
    ["a root resource", "aws_instance.web", true],
    ["a counted instance of it", "aws_instance.web[1]", true],
    ["a resource in a local module", 'module.app.aws_s3_bucket.logs', true],
    ["anything inside a registry module (its code is not here)", 'module.vpc.aws_vpc.this[0]', true],
    ["a resource of another type", "aws_instance.api", false],
    ["a resource the local module does not have", "module.app.aws_s3_bucket.other", false],
    ["a module that is not called", "module.db.aws_db_instance.main", false],
    ["text that is no address", "not an address!", false],
  ])("%s: %s", (_name, address, expected) => {
    expect(declaresResource(workspace(FILES), address)).toBe(expected);
  });
});

describe("noneDeclared: the wrong --dir, not a partial match", () => {
  it("lists every address (once) when the code declares none of them", () => {
    expect(noneDeclared(workspace(FILES), ["aws_db_instance.main", "aws_db_instance.main", "aws_lb.front"])).toEqual(["aws_db_instance.main", "aws_lb.front"]);
  });

  it("is satisfied by one declared address, and by no drift at all", () => {
    expect(noneDeclared(workspace(FILES), ["aws_db_instance.main", "aws_instance.web[0]"])).toBeUndefined();
    expect(noneDeclared(workspace(FILES), [])).toBeUndefined();
  });
});
