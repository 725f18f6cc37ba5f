import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { evaluateExpression } from "../../../src/core/hcl/evaluate.js";
import { resolveTarget, type DriftTarget } from "../../../src/core/hcl/resolve.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

function workspace(files: Record<string, string>, varFiles: string[] = []): HclWorkspace {
  const ws = new HclWorkspace((source) => parser.parse(source), "root", varFiles);
  for (const [file, source] of Object.entries(files)) ws.add(file, source);
  return ws;
}

const target = (address: string, path: (string | number)[], live: unknown = "new"): DriftTarget => ({ address, path, live: live as never, liveResource: null, recordedResource: null, sensitive: false, managed: true });

function located(ws: HclWorkspace, t: DriftTarget): { file: string; value: unknown; via: string } | string {
  const r = resolveTarget(ws, t);
  if (r.kind === "refused") return r.reason;
  if (r.kind !== "literal") return r.kind;
  const value = evaluateExpression(r.expression);
  return { file: r.file, value: value.kind === "literal" ? value.value : value.kind, via: r.via };
}

describe("resolveTarget", () => {
  it("follows module.a.module.b down to the resource and up through module inputs", () => {
    const ws = workspace({
      "root/main.tf": 'module "a" {\n  source = "./modules/a"\n  size   = "small"\n}\n',
      "root/modules/a/main.tf": 'variable "size" {}\nmodule "b" {\n  source = "../b"\n  size   = var.size\n}\n',
      "root/modules/b/main.tf": 'variable "size" {}\nresource "aws_instance" "web" {\n  instance_type = var.size\n  ami           = "ami-1"\n}\n',
    });
    expect(located(ws, target("module.a.module.b.aws_instance.web", ["instance_type"]))).toEqual({ file: "root/main.tf", value: "small", via: "the `size` input of `module.a`" });
    // a literal inside a module: without the repository's workspaces nobody can say who else calls it
    expect(located(ws, target("module.a.module.b.aws_instance.web", ["ami"]))).toMatch(/given a directory, not the repository's workspaces/);
  });

  it("follows each.value of a module's for_each to the collection entry of that key", () => {
    const ws = workspace({
      "root/main.tf": 'module "svc" {\n  source   = "./svc"\n  for_each = {\n    api = { cpu = 256 }\n    web = { cpu = 512 }\n  }\n  cpu = each.value.cpu\n}\n',
      "root/svc/main.tf": 'variable "cpu" {}\nresource "aws_ecs_task_definition" "this" {\n  cpu = var.cpu\n}\n',
    });
    expect(located(ws, target('module.svc["web"].aws_ecs_task_definition.this', ["cpu"], 1024))).toMatchObject({ file: "root/main.tf", value: 512, via: "the for_each collection" });
  });

  it("takes a variable's value from the highest-precedence var file", () => {
    const files = {
      "root/main.tf": 'variable "size" {\n  default = "nano"\n}\nresource "aws_instance" "web" {\n  instance_type = var.size\n}\n',
      "root/terraform.tfvars": 'size = "micro"\n',
      "root/a.auto.tfvars": 'size = "small"\n',
      "root/b.auto.tfvars": 'size = "medium"\n',
      "root/prod.tfvars": 'size = "large"\n',
      "root/extra.tfvars": 'other = 1\n',
    };
    const t = target("aws_instance.web", ["instance_type"]);
    expect(located(workspace(files, ["prod.tfvars", "extra.tfvars"]), t)).toMatchObject({ file: "root/prod.tfvars", value: "large" });
    expect(located(workspace(files), t)).toMatchObject({ file: "root/b.auto.tfvars", value: "medium" });
    const { "root/a.auto.tfvars": _a, "root/b.auto.tfvars": _b, ...plain } = files;
    expect(located(workspace(plain), t)).toMatchObject({ file: "root/terraform.tfvars", value: "micro" });
    const { "root/terraform.tfvars": _t, ...defaultsOnly } = plain;
    expect(located(workspace(defaultsOnly), t)).toMatchObject({ file: "root/main.tf", value: "nano", via: "the default of `var.size`" });
  });

  it("names why it refuses", () => {
    const ws = workspace({ "root/main.tf": 'variable "x" {}\nresource "a" "b" {\n  v = var.x\n  w = data.aws_ami.u.id\n  z = each.key\n}\n' });
    expect(located(ws, target("a.b", ["v"]))).toMatch(/has no value in the var files or as a default \(it may come from TF_VAR_x or -var\)/);
    expect(located(ws, target("a.b", ["w"]))).toMatch(/a reference to `data.aws_ami.u.id`/);
    expect(located(ws, target("a.b[\"k\"]", ["z"]))).toMatch(/each.key/);
    expect(located(ws, target("data.aws_ami.u", ["id"]))).toMatch(/data source/);
    expect(located(ws, target("a.b", ["missing_attr"]))).toBe("absent");
    expect(located(ws, { ...target("a.b", ["missing_attr"]), managed: false })).toMatch(/does not show terraform setting it back/);
    expect(located(ws, target("a.b", ["arn"]))).toMatch(/computed by the provider/);
  });
});
