import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../../src/adapters/hcl/toolchain.js";
import { applyEdits, planEdits } from "../../../src/core/hcl/edit.js";
import { evaluateExpression } from "../../../src/core/hcl/evaluate.js";
import { resolveTarget, type DriftTarget } from "../../../src/core/hcl/resolve.js";
import { readBack } from "../../../src/core/hcl/verify.js";
import { RepoView, type WorkspaceRoot } from "../../../src/core/repo/view.js";
import { scopedWorkspace } from "../../support/repo-view.js";

/**
 * The placement rule (issue 14, must 2): a drifted value is written where it belongs to the drifted
 * instance alone. Each case: a repository, the drift, where the edit lands, and what every other
 * evaluator of the edited code reads afterwards (the value it had).
 */

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

const MODULE_MAIN = `resource "sandbox_deployment" "app" {
  name     = var.name
  replicas = var.replicas
  image    = "shop:1.0"
  env = {
    DB_TIMEOUT = var.db_timeout
    LOG_LEVEL  = "info"
  }
}
`;
const MODULE_VARIABLES = `variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
}

variable "db_timeout" {
  type    = string
  default = "10s"
}
`;
const call = (label: string, name: string, extra = "") => `module "${label}" {\n  source = "../../modules/service"\n  name   = "${name}"\n${extra}}\n`;
const THREE: WorkspaceRoot[] = [
  { name: "staging", dir: "envs/staging", varFiles: [] },
  { name: "prod-us", dir: "envs/prod-us", varFiles: [] },
  { name: "prod-eu", dir: "envs/prod-eu", varFiles: ["eu.tfvars"] },
];
const SHARED = {
  "modules/service/main.tf": MODULE_MAIN,
  "modules/service/variables.tf": MODULE_VARIABLES,
  "envs/staging/main.tf": call("shop", "shop-staging"),
  "envs/prod-us/main.tf": call("shop", "shop-prod-us"),
  "envs/prod-eu/main.tf": call("shop", "shop-prod-eu"),
  "envs/prod-eu/eu.tfvars": "",
};

const target = (address: string, path: (string | number)[], live: unknown): DriftTarget => ({ address, path, live: live as never, liveResource: path.length === 1 ? { [path[0]!]: live as never } : {}, recordedResource: {}, sensitive: false, managed: true });

/** Resolves, edits (all files), reads back, and returns the edited files; throws with the refusal. */
async function codify(files: Record<string, string>, workspaces: WorkspaceRoot[], name: string, t: DriftTarget): Promise<Record<string, string>> {
  const ws = scopedWorkspace(parser, files, workspaces, name);
  const resolution = resolveTarget(ws, t);
  if (resolution.kind === "refused") throw new Error(resolution.reason);
  const plans = planEdits(ws, resolution, t.live);
  if ("refused" in plans) throw new Error(plans.refused);
  const edited: Record<string, string> = {};
  for (const plan of plans) {
    const text = await hclToolchain.format(applyEdits(ws.source(plan.file), plan.edits));
    expect(await hclToolchain.validate(plan.file, text), plan.file).toBeUndefined();
    ws.update(plan.file, text);
    edited[plan.file] = text;
  }
  expect(readBack(ws, t)).toEqual({ ok: true });
  return edited;
}

function refusal(files: Record<string, string>, workspaces: WorkspaceRoot[], name: string, t: DriftTarget): string {
  const resolution = resolveTarget(scopedWorkspace(parser, files, workspaces, name), t);
  return resolution.kind === "refused" ? resolution.reason : `not refused: ${resolution.kind}`;
}

/**
 * What another evaluator reads for the same attribute after the edit: its value must be the one it
 * had. Read as if it were the repository's only root, so the code's value is found, not placed.
 */
function valueSeenBy(files: Record<string, string>, workspaces: WorkspaceRoot[], name: string, address: string, path: (string | number)[]): unknown {
  const root = workspaces.find((w) => w.name === name)!;
  const others = workspaces.filter((w) => w.dir !== root.dir).map((w) => `${w.dir}/`);
  const alone = Object.fromEntries(Object.entries(files).filter(([file]) => !others.some((dir) => file.startsWith(dir))));
  const ws = scopedWorkspace(parser, alone, [root], name);
  const instance = /^module\.(\w+)/.exec(address)?.[1];
  // a sibling module call of the same workspace would make the module shared again: read that instance alone
  const resolution = resolveTarget(instance ? onlyCall(ws, instance) : ws, target(address, path, null));
  if (resolution.kind === "literal") {
    const value = evaluateExpression(resolution.expression);
    return resolution.steps.length === 0 && value.kind === "literal" ? value.value : `${resolution.kind} at ${resolution.file}`;
  }
  return resolution.kind === "refused" ? resolution.reason : `${resolution.kind} at ${resolution.file}`;
}

/** The workspace with its view rebuilt as if the root called only `module.<name>` (the code itself is unchanged). */
function onlyCall(ws: ReturnType<typeof scopedWorkspace>, name: string): ReturnType<typeof scopedWorkspace> {
  const view = ws.scope!.view;
  const calls = new Map([...view.graph.calls].map(([dir, list]) => [dir, dir === ws.rootDir ? list.filter((c) => c.name === name) : list]));
  ws.scope = { view: new RepoView({ calls }, view.workspaces), workspace: ws.scope!.workspace };
  return ws;
}

describe("placement: where a drifted value is written", () => {
  it("a module input the drifted caller does not set: set it in that caller's module block, the default stays", async () => {
    const edited = await codify(SHARED, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["env", "DB_TIMEOUT"], "60s"));
    expect(Object.keys(edited)).toEqual(["envs/prod-eu/main.tf"]);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/db_timeout = "60s"/);
    const after = { ...SHARED, ...edited };
    expect(valueSeenBy(after, THREE, "staging", "module.shop.sandbox_deployment.app", ["env", "DB_TIMEOUT"])).toBe("10s");
    expect(valueSeenBy(after, THREE, "prod-us", "module.shop.sandbox_deployment.app", ["env", "DB_TIMEOUT"])).toBe("10s");
  });

  it("a literal map value in a shared module: a variable (default: the literal) takes its place, the caller passes the live value", async () => {
    const edited = await codify(SHARED, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["env", "LOG_LEVEL"], "debug"));
    expect(Object.keys(edited).sort()).toEqual(["envs/prod-eu/main.tf", "modules/service/main.tf", "modules/service/variables.tf"]);
    expect(edited["modules/service/main.tf"]).toMatch(/LOG_LEVEL\s+= var\.log_level/);
    expect(edited["modules/service/variables.tf"]).toMatch(/variable "log_level" \{[^}]*type\s+= string[^}]*default\s+= "info"[^}]*nullable\s+= false/s);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/log_level\s+= "debug"/);
    const after = { ...SHARED, ...edited };
    expect(valueSeenBy(after, THREE, "staging", "module.shop.sandbox_deployment.app", ["env", "LOG_LEVEL"])).toBe("info");
  });

  it("a key a shared module's map does not have: merged over the map through an overrides input (default {})", async () => {
    const edited = await codify(SHARED, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["env", "FEATURE_X"], "on"));
    expect(edited["modules/service/main.tf"]).toMatch(/env = merge\(\{[\s\S]*\}, var\.env_overrides\)/);
    expect(edited["modules/service/variables.tf"]).toMatch(/variable "env_overrides" \{[^}]*type\s+= map\(string\)[^}]*default\s+= \{\}/s);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/env_overrides = \{\s*FEATURE_X = "on"\s*\}/);
  });

  it("a literal attribute of a shared module's resource: parameterized, and a second key of the same map reuses the caller's input", async () => {
    const first = await codify(SHARED, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["image"], "shop:1.1"));
    expect(first["modules/service/main.tf"]).toMatch(/image\s+= var\.image/);
    expect(first["envs/prod-eu/main.tf"]).toMatch(/image\s+= "shop:1.1"/);
    const after = { ...SHARED, ...first };
    expect(valueSeenBy(after, THREE, "prod-us", "module.shop.sandbox_deployment.app", ["image"])).toBe("shop:1.0");
  });

  it("an attribute a shared module's resource does not set: a new input (default null, unset as before)", async () => {
    const edited = await codify(SHARED, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["memory"], "2Gi"));
    expect(edited["modules/service/main.tf"]).toMatch(/memory\s+= var\.memory/);
    expect(edited["modules/service/variables.tf"]).toMatch(/variable "memory" \{[^}]*default\s+= null/s);
    expect(edited["modules/service/variables.tf"]).not.toMatch(/variable "memory" \{[^}]*nullable/s);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/memory\s+= "2Gi"/);
  });

  it("a local's literal in a shared module: parameterized in the local, the caller passes the live value", async () => {
    const files = { ...SHARED, "modules/service/main.tf": MODULE_MAIN.replace('image    = "shop:1.0"', "image    = local.image") + 'locals {\n  image = "shop:1.0"\n}\n' };
    const edited = await codify(files, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["image"], "shop:1.1"));
    expect(edited["modules/service/main.tf"]).toMatch(/locals \{\s*image = var\.image\s*\}/);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/image\s+= "shop:1.1"/);
  });

  it("an attribute of a nested block in a shared module: the literal inside the block is parameterized", async () => {
    const files = { ...SHARED, "modules/service/main.tf": `${MODULE_MAIN}\nresource "sandbox_instance" "vm" {\n  name          = var.name\n  instance_type = "t3.small"\n\n  root_block_device {\n    volume_size = 20\n  }\n}\n` };
    const edited = await codify(files, THREE, "prod-eu", target("module.shop.sandbox_instance.vm", ["root_block_device", 0, "volume_size"], 50));
    expect(edited["modules/service/main.tf"]).toMatch(/volume_size = var\.volume_size/);
    expect(edited["modules/service/variables.tf"]).toMatch(/variable "volume_size" \{[^}]*type\s+= number[^}]*default\s+= 20/s);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/volume_size\s+= 50/);
  });

  it("a set of nested blocks in a shared module (security group rules): refused, reverted instead", () => {
    const files = { ...SHARED, "modules/service/main.tf": `${MODULE_MAIN}\nresource "sandbox_security_group" "sg" {\n  name = var.name\n\n  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["10.0.0.0/16"]\n  }\n}\n` };
    const live = [{ from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["10.0.0.0/16"] }, { from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }];
    const t = { ...target("module.shop.sandbox_security_group.sg", ["ingress"], live), liveResource: { ingress: live } };
    expect(refusal(files, THREE, "prod-eu", t)).toMatch(/set of nested blocks in code that is shared: `modules\/service` is also evaluated by `staging`/);
  });

  it("a literal in a module only the drifted instance evaluates: edited where it is", async () => {
    const files = { ...SHARED, "envs/staging/main.tf": 'resource "sandbox_instance" "x" {}\n', "envs/prod-us/main.tf": 'resource "sandbox_instance" "y" {}\n' };
    const edited = await codify(files, THREE, "prod-eu", target("module.shop.sandbox_deployment.app", ["env", "LOG_LEVEL"], "debug"));
    expect(Object.keys(edited)).toEqual(["modules/service/main.tf"]);
    expect(edited["modules/service/main.tf"]).toMatch(/LOG_LEVEL\s+= "debug"/);
  });

  it("a module called twice in one workspace (blue and green): blue's block only", async () => {
    const files = { ...SHARED, "envs/prod-eu/main.tf": call("blue", "shop-blue") + call("green", "shop-green") };
    const edited = await codify(files, THREE, "prod-eu", target("module.blue.sandbox_deployment.app", ["replicas"], 6));
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/module "blue" \{[^}]*replicas = 6[^}]*\}\s*module "green" \{[^}]*\}/s);
    const after = { ...files, ...edited };
    expect(valueSeenBy(after, THREE, "prod-eu", "module.green.sandbox_deployment.app", ["replicas"])).toBe(2);
  });

  it("nested shared modules: each shared level gets an input passed on unchanged, the drifted root sets it", async () => {
    const files = {
      "modules/platform/main.tf": 'variable "name" {\n  type = string\n}\n\nmodule "svc" {\n  source = "../service"\n  name   = var.name\n}\n',
      "modules/service/main.tf": MODULE_MAIN,
      "modules/service/variables.tf": MODULE_VARIABLES,
      "envs/staging/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "staging"\n}\n',
      "envs/prod-us/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "prod-us"\n}\n',
      "envs/prod-eu/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "prod-eu"\n}\n',
    };
    const edited = await codify(files, THREE, "prod-eu", target("module.platform.module.svc.sandbox_deployment.app", ["replicas"], 6));
    expect(edited["modules/platform/main.tf"]).toMatch(/replicas = var\.replicas/);
    expect(edited["modules/platform/main.tf"]).toMatch(/variable "replicas" \{[^}]*default\s+= 2/s);
    expect(edited["envs/prod-eu/main.tf"]).toMatch(/replicas = 6/);
    expect(edited["modules/service/variables.tf"]).toBeUndefined();
    const after = { ...files, ...edited };
    expect(valueSeenBy(after, THREE, "staging", "module.platform.module.svc.sandbox_deployment.app", ["replicas"])).toBe(2);
  });

  it("a module called with for_each over a map of objects: lookup(each.value, …) in the call, the key in the drifted entry only", async () => {
    const roots: WorkspaceRoot[] = [{ name: "prod", dir: "envs/prod", varFiles: [] }];
    const files = {
      ...SHARED,
      "envs/prod/main.tf": 'module "svc" {\n  source   = "../../modules/service"\n  for_each = {\n    api = { name = "api" }\n    web = { name = "web" }\n  }\n  name = each.value.name\n}\n',
    };
    const edited = await codify(files, roots, "prod", target('module.svc["web"].sandbox_deployment.app', ["env", "LOG_LEVEL"], "debug"));
    expect(edited["envs/prod/main.tf"]).toMatch(/log_level\s+= lookup\(each\.value, "log_level", "info"\)/);
    expect(edited["envs/prod/main.tf"]).toMatch(/web = \{ name = "web", log_level = "debug" \}/);
    expect(edited["envs/prod/main.tf"]).toMatch(/api = \{ name = "api" \}/);
    // a second instance drifting the same way takes the key in its own entry
    const again = await codify({ ...files, ...edited }, roots, "prod", target('module.svc["api"].sandbox_deployment.app', ["env", "LOG_LEVEL"], "warn"));
    expect(again["envs/prod/main.tf"]).toMatch(/api = \{ name = "api", log_level = "warn" \}/);
    expect(again["modules/service/main.tf"]).toBeUndefined();
  });

  it("a var file two workspaces read: this workspace's own -var-file overrides it", async () => {
    const roots: WorkspaceRoot[] = [
      { name: "eu", dir: "envs/prod", varFiles: ["eu.tfvars"] },
      { name: "us", dir: "envs/prod", varFiles: ["us.tfvars"] },
    ];
    const files = { "envs/prod/main.tf": 'variable "size" {}\n\nresource "sandbox_instance" "x" {\n  instance_type = var.size\n}\n', "envs/prod/terraform.tfvars": 'size = "t3.small"\n', "envs/prod/eu.tfvars": "", "envs/prod/us.tfvars": "" };
    const edited = await codify(files, roots, "eu", target("sandbox_instance.x", ["instance_type"], "t3.large"));
    expect(edited).toEqual({ "envs/prod/eu.tfvars": 'size = "t3.large"\n' });
  });

  it("a literal in a root two workspaces share: a root variable, set in this workspace's own -var-file", async () => {
    const roots: WorkspaceRoot[] = [
      { name: "eu", dir: "envs/prod", varFiles: ["eu.tfvars"] },
      { name: "us", dir: "envs/prod", varFiles: ["us.tfvars"] },
    ];
    const files = { "envs/prod/main.tf": 'resource "sandbox_instance" "x" {\n  instance_type = "t3.small"\n}\n', "envs/prod/eu.tfvars": "", "envs/prod/us.tfvars": "" };
    const edited = await codify(files, roots, "eu", target("sandbox_instance.x", ["instance_type"], "t3.large"));
    expect(edited["envs/prod/main.tf"]).toMatch(/instance_type = var\.instance_type/);
    expect(edited["envs/prod/main.tf"]).toMatch(/variable "instance_type" \{[^}]*default\s+= "t3.small"/s);
    expect(edited["envs/prod/eu.tfvars"]).toBe('instance_type = "t3.large"\n');
  });

  it("a literal in a root two workspaces share, this one's own var file being JSON: a new key in it, the rest of the file as it was", async () => {
    const roots: WorkspaceRoot[] = [
      { name: "eu", dir: "envs/prod", varFiles: ["eu.tfvars.json"] },
      { name: "us", dir: "envs/prod", varFiles: ["us.tfvars"] },
    ];
    const files = { "envs/prod/main.tf": 'resource "sandbox_instance" "x" {\n  instance_type = "t3.small"\n}\n', "envs/prod/eu.tfvars.json": '{\n    "region": "eu-west-1"\n}\n', "envs/prod/us.tfvars": "" };
    const ws = scopedWorkspace(parser, files, roots, "eu");
    const t = target("sandbox_instance.x", ["instance_type"], "t3.large");
    const resolution = resolveTarget(ws, t);
    if (resolution.kind === "refused") throw new Error(resolution.reason);
    const plans = planEdits(ws, resolution, t.live);
    if ("refused" in plans) throw new Error(plans.refused);
    for (const plan of plans) ws.update(plan.file, applyEdits(ws.source(plan.file), plan.edits));
    expect(ws.source("envs/prod/eu.tfvars.json")).toBe('{\n    "region": "eu-west-1",\n    "instance_type": "t3.large"\n}\n');
    expect(readBack(ws, t)).toEqual({ ok: true });
  });

  it.each([
    ["a root two workspaces share when this one names no var file of its own", [{ name: "a", dir: "env", varFiles: [] }, { name: "b", dir: "env", varFiles: [] }], { "env/main.tf": 'resource "sandbox_instance" "x" {\n  instance_type = "t3.small"\n}\n' }, "sandbox_instance.x", ["instance_type"], /names no `-var-file` of its own/],
    ["a module called with for_each over a set", [{ name: "a", dir: "env", varFiles: [] }], { "env/main.tf": 'module "svc" {\n  source   = "../mod"\n  for_each = toset(["x", "y"])\n}\n', "mod/main.tf": 'resource "sandbox_instance" "x" {\n  instance_type = "t3.small"\n}\n' }, 'module.svc["x"].sandbox_instance.x', ["instance_type"], /for_each over something other than a literal map of objects/],
    ["a module called with count", [{ name: "a", dir: "env", varFiles: [] }], { "env/main.tf": 'module "svc" {\n  source = "../mod"\n  count  = 2\n}\n', "mod/main.tf": 'resource "sandbox_instance" "x" {\n  instance_type = "t3.small"\n}\n' }, "module.svc[1].sandbox_instance.x", ["instance_type"], /called with count/],
    ["a registry module", [{ name: "a", dir: "env", varFiles: [] }], { "env/main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n' }, "module.vpc.aws_vpc.this", ["cidr_block"], /not from this repository/],
    ["an expression in a shared module", THREE, { ...SHARED, "modules/service/main.tf": MODULE_MAIN.replace('"shop:1.0"', '"shop:${var.name}"') }, "module.shop.sandbox_deployment.app", ["image"], /only rewrites literal values/],
  ])("refuses %s", (_name, roots, files, address, path, reason) => {
    expect(refusal(files as Record<string, string>, roots as WorkspaceRoot[], (roots as WorkspaceRoot[])[0]!.name === "staging" ? "prod-eu" : (roots as WorkspaceRoot[])[0]!.name, target(address, path, "x"))).toMatch(reason);
  });

  it("with backport.verify false, only the root's own files are edited: a module input yes, a module's literal no", async () => {
    const rootOnly = (t: DriftTarget) => {
      const ws = scopedWorkspace(parser, SHARED, THREE, "prod-eu");
      ws.scope = { ...ws.scope!, rootOnly: "`backport.verify` is false" };
      return resolveTarget(ws, t);
    };
    const input = rootOnly(target("module.shop.sandbox_deployment.app", ["env", "DB_TIMEOUT"], "60s"));
    expect(input.kind === "lifted" && input.changes.map((c) => `${c.kind} ${c.file}`)).toEqual(["argument envs/prod-eu/main.tf"]);
    const literal = rootOnly(target("module.shop.sandbox_deployment.app", ["env", "LOG_LEVEL"], "debug"));
    expect(literal.kind === "refused" && literal.reason).toMatch(/`backport.verify` is false/);
  });

  describe("generated code terraform accepts", () => {
    const declarations = (text: string) => [...text.matchAll(/variable "([^"]+)" \{([^}]*)\}/g)].map((m) => ({ name: m[1]!, body: m[2]! }));

    it("never declares a null default with nullable = false (a null literal, an input passed through a shared module)", async () => {
      const files = {
        ...SHARED,
        "modules/platform/main.tf": 'variable "name" {\n  type = string\n}\n\nmodule "svc" {\n  source = "../service"\n  name   = var.name\n}\n',
        "modules/service/main.tf": MODULE_MAIN.replace('image    = "shop:1.0"', "image    = null"),
        "envs/staging/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "s"\n}\n',
        "envs/prod-us/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "u"\n}\n',
        "envs/prod-eu/main.tf": 'module "platform" {\n  source = "../../modules/platform"\n  name   = "e"\n}\n',
      };
      for (const path of [["image"], ["memory"]]) {
        const edited = await codify(files, THREE, "prod-eu", target("module.platform.module.svc.sandbox_deployment.app", path, "x"));
        for (const text of Object.values(edited)) {
          for (const d of declarations(text)) if (/default\s+= null/.test(d.body)) expect(d.body, d.name).not.toMatch(/nullable\s+= false/);
        }
        const passed = declarations(edited["modules/platform/main.tf"]!).filter((d) => d.name !== "name");
        expect(passed.map((d) => d.body)).toEqual([expect.stringMatching(/type\s+= string[\s\S]*default\s+= null/)]);
      }
    });

    it("never names a new input after an argument terraform reserves (version, count, …)", async () => {
      const files = { ...SHARED, "modules/service/main.tf": 'resource "x_cluster" "c" {\n  name    = var.name\n  version = "1.29"\n}\n' };
      const edited = await codify(files, THREE, "prod-eu", target("module.shop.x_cluster.c", ["version"], "1.30"));
      expect(edited["modules/service/main.tf"]).toMatch(/version = var\.c_version|version = var\.version_2/);
      expect(edited["envs/prod-eu/main.tf"]).not.toMatch(/^\s*version\s*=/m);
    });

    it("types a merged overrides input by what it carries (a map of objects takes any)", async () => {
      const files = { ...SHARED, "modules/service/main.tf": 'resource "x_app" "a" {\n  name = var.name\n  rules = {\n    a = { port = 80 }\n  }\n}\n' };
      const edited = await codify(files, THREE, "prod-eu", target("module.shop.x_app.a", ["rules", "b"], { port: 443 }));
      expect(declarations(edited["modules/service/variables.tf"]!).find((d) => d.name === "rules_overrides")!.body).toMatch(/type\s+= any/);
    });
  });

  it.each([
    ["a count instance whose value the caller sets", { "modules/service/main.tf": 'variable "size" {\n  type = string\n}\n\nresource "x_vm" "w" {\n  count = 2\n  size  = var.size\n}\n', "envs/prod-eu/main.tf": 'module "shop" {\n  source = "../../modules/service"\n  size   = "small"\n}\n' }, "module.shop.x_vm.w[0]", /one of several instances/],
    ["a count instance whose value is a shared module default", { "modules/service/main.tf": 'variable "size" {\n  default = "small"\n}\n\nresource "x_vm" "w" {\n  count = 2\n  size  = var.size\n}\n' }, "module.shop.x_vm.w[1]", /one of several instances/],
    ["a for_each call whose other entry already holds the key", { "envs/prod-eu/main.tf": 'module "shop" {\n  source   = "../../modules/service"\n  for_each = {\n    blue  = { name = "b", size = "huge" }\n    green = { name = "g" }\n  }\n  name = each.value.name\n}\n', "modules/service/main.tf": 'variable "name" {}\n\nresource "x_vm" "w" {\n  size = "small"\n}\n' }, 'module.shop["green"].x_vm.w', /`blue` entry already has `size`/],
  ])("refuses %s", (_name, extra, address, reason) => {
    const { "modules/service/variables.tf": _v, ...rest } = SHARED;
    expect(refusal({ ...rest, ...extra } as Record<string, string>, THREE, "prod-eu", target(address, ["size"], "large"))).toMatch(reason);
  });

  it("without the repository's workspaces, a module's literal is not edited, and says why", () => {
    const ws = scopedWorkspace(parser, SHARED, THREE, "prod-eu");
    ws.scope = undefined;
    const resolution = resolveTarget(ws, target("module.shop.sandbox_deployment.app", ["env", "LOG_LEVEL"], "debug"));
    expect(resolution.kind === "refused" && resolution.reason).toMatch(/given a directory, not the repository's workspaces/);
  });
});
