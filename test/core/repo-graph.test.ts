import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../src/adapters/hcl/parser.js";
import { repoGraphOf } from "../../src/core/repo/graph.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

const graphOf = (files: Record<string, string>) => repoGraphOf((source) => parser.parse(source), new Map(Object.entries(files)));

describe("repoGraphOf", () => {
  it("reads each call's literal version, from .tf and .tf.json", () => {
    const graph = graphOf({
      "envs/prod/main.tf": 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "~> 5.1"\n}\nmodule "app" {\n  source  = "./app"\n  version = var.v\n}\n',
      "envs/staging/main.tf.json": JSON.stringify({ module: { vpc: { source: "terraform-aws-modules/vpc/aws", version: "5.4.0" }, app: { source: "../prod/app" } } }),
    });
    expect(graph.calls.get("envs/prod")).toEqual([
      { name: "vpc", source: "terraform-aws-modules/vpc/aws", dir: undefined, repeated: false, version: "~> 5.1" },
      { name: "app", source: "./app", dir: "envs/prod/app", repeated: false },
    ]);
    expect(graph.calls.get("envs/staging")).toEqual([
      { name: "vpc", source: "terraform-aws-modules/vpc/aws", repeated: false, version: "5.4.0" },
      { name: "app", source: "../prod/app", dir: "envs/prod/app", repeated: false },
    ]);
  });

  it("lists the dirs that declare a managed resource, not those with only data sources, calls or variables", () => {
    const graph = graphOf({
      "modules/service/main.tf": 'variable "name" {}\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
      "modules/lookup/main.tf": 'data "aws_caller_identity" "me" {}\noutput "account" {\n  value = data.aws_caller_identity.me.account_id\n}\n',
      "modules/wrapper/main.tf": 'module "inner" {\n  source = "../service"\n}\n',
      "modules/json/main.tf.json": JSON.stringify({ resource: { aws_sqs_queue: { jobs: { name: "jobs" } } } }),
      "modules/json-data/main.tf.json": JSON.stringify({ data: { aws_region: { current: {} } }, resource: { aws_sqs_queue: {} } }),
      "modules/json-list/main.tf.json": JSON.stringify({ resource: [{ aws_sns_topic: [{ alerts: {} }] }] }),
    });
    expect([...graph.resourceDirs].sort()).toEqual(["modules/json", "modules/json-list", "modules/service"]);
    expect([...graph.calls.keys()].sort()).toEqual(["modules/json", "modules/json-data", "modules/json-list", "modules/lookup", "modules/service", "modules/wrapper"]);
  });

  it("leaves a .tf.json that is not JSON unread, declaring nothing", () => {
    const graph = graphOf({ "modules/broken/main.tf.json": '{"resource": ' });
    expect(graph.unread).toEqual(["modules/broken/main.tf.json"]);
    expect(graph.resourceDirs.size).toBe(0);
  });
});
