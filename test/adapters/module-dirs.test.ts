import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { localModuleDirs } from "../../src/adapters/hcl/load-workspace.js";

it("follows local module sources transitively and ignores registry and broken ones", async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "modules-"));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write("infra/prod/main.tf", 'module "net" {\n  source = "../../modules/net"\n}\nmodule "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n');
  write("infra/prod/broken.tf", 'module "x" {\n');
  write("infra/prod/extra.tf.json", JSON.stringify({ module: { dns: { source: "../../modules/dns" } } }));
  write("modules/net/main.tf", 'module "subnets" {\n  source = "./subnets"\n}\n');
  write("modules/net/subnets/main.tf", 'resource "null_resource" "s" {}\n');
  write("modules/dns/main.tf", 'module "escape" {\n  source = "../../../outside"\n}\n');
  expect((await localModuleDirs(root, "infra/prod")).sort()).toEqual(["modules/dns", "modules/net", "modules/net/subnets"]);
});
