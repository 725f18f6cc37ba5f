import { parse as hcl2json } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../src/adapters/hcl/toolchain.js";
import type { DriftTarget } from "../../src/core/hcl/resolve.js";
import { HclWorkspace } from "../../src/core/hcl/workspace.js";
import type { JsonValue } from "../../src/core/plan/model.js";
import { codifyDrift } from "../../src/usecases/codify-drift.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

/** Tags built by an expression: codify refuses, and the pull request body suggests the live value instead. */
const MAIN = `locals {
  common = { team = "web" }
}

resource "aws_instance" "web" {
  ami  = "ami-1"
  tags = merge(local.common, { Name = "web" })
}
`;

async function snippetFor(path: (string | number)[], live: JsonValue): Promise<string> {
  const ws = new HclWorkspace((source) => parser.parse(source), "infra");
  ws.add("infra/main.tf", MAIN);
  const target: DriftTarget = { address: "aws_instance.web", path, live, liveResource: null, recordedResource: null, sensitive: false, managed: true };
  const [result] = await codifyDrift({ toolchain: hclToolchain }, ws, [target]);
  if (result?.status !== "refused") throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result.snippet;
}

describe("the snippet a refused codify suggests is HCL terraform accepts, whatever the keys", () => {
  it.each([
    ["a map key `for` (it would open a for expression)", ["tags", "for"], "team-a", { tags: { for: "team-a" } }],
    ["a map key `null`", ["tags", "null"], "x", { tags: { null: "x" } }],
    ["a map key `in` and `if`", ["tags"], { in: "a", if: "b", for: "c" }, { tags: { in: "a", if: "b", for: "c" } }],
    ["a map key with a slash and a dot", ["tags", "kubernetes.io/role"], "web", { tags: { "kubernetes.io/role": "web" } }],
    ["a map key starting with a digit", ["tags", "1st"], "yes", { tags: { "1st": "yes" } }],
  ])("%s", async (_name, path, live, expected) => {
    const snippet = await snippetFor(path, live as JsonValue);
    await expect(hcl2json("snippet.tf", `${snippet}\n`), snippet).resolves.toEqual(expected);
  });
});

describe("a drift the code already says", () => {
  it("is up to date, not refused: the plan was made before the code changed (as when codify runs again after --write)", async () => {
    const ws = new HclWorkspace((source) => parser.parse(source), "infra");
    ws.add("infra/main.tf", 'resource "aws_instance" "web" {\n  instance_type = "t3.large"\n}\n');
    const target: DriftTarget = { address: "aws_instance.web", path: ["instance_type"], live: "t3.large", liveResource: null, recordedResource: null, sensitive: false, managed: true };
    const results = await codifyDrift({ toolchain: hclToolchain }, ws, [target]);
    expect(results).toEqual([{ address: "aws_instance.web", path: "instance_type", status: "up-to-date", via: "the resource block" }]);
    expect(ws.source("infra/main.tf")).toContain('instance_type = "t3.large"');
  });
});
