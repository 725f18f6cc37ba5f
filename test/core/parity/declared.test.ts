import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { loadWorkspace } from "../../../src/adapters/hcl/load-workspace.js";
import type { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import { declaredDifferences } from "../../../src/core/parity/declared.js";
import type { ExpectedGlob, ModuleStep, ParityDifference, ParityGroup } from "../../../src/core/parity/types.js";

let parser: HclParser;
const roots: string[] = [];
beforeAll(async () => {
  parser = await loadHclParser();
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Writes a repository to a temp dir and loads each workspace (dir -> its -var-files), keyed by the dir's last name. */
async function repo(files: Record<string, string>, workspaces: Record<string, string[]>): Promise<Map<string, HclWorkspace>> {
  const root = mkdtempSync(path.join(tmpdir(), "parity-declared-"));
  roots.push(root);
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  const out = new Map<string, HclWorkspace>();
  for (const [dir, varFiles] of Object.entries(workspaces)) out.set(path.posix.basename(dir), (await loadWorkspace(parser, root, dir, varFiles)).workspace);
  return out;
}

function moduleGroup(names: string[], modules: (name: string) => ModuleStep[] = () => [{ name: "service" }], expected: ExpectedGlob[] = []): ParityGroup {
  return {
    name: "service",
    origin: "automatic",
    module: "modules/service",
    members: names.map((name) => ({ id: name, workspace: name, root: `envs/${name}`, modules: modules(name) })),
    expected,
  };
}

const SERVICE = `
variable "name" {}
variable "region" {}
variable "image" {}
variable "pool_size" {
  default = 10
}
variable "env" {
  type    = map(string)
  default = {}
}
variable "allowed_cidrs" {
  type    = list(string)
  default = []
}
variable "tier" {
  default = "standard"
}
variable "api_token" {
  default = null
}
resource "sandbox_deployment" "app" {
  name      = var.name
  replicas  = var.pool_size
}
`;

/** Three environments calling modules/service; prod-us sets values through its var file `prod-us.tfvars`. */
const ENVIRONMENTS: Record<string, string> = {
  "modules/service/main.tf": SERVICE,
  "envs/staging/main.tf": `
variable "image_tag" {
  default = "1.4.0"
}
variable "db_password" {
  sensitive = true
}
locals {
  tier = "standard"
}
module "service" {
  source        = "../../modules/service"
  name          = "shop-staging"
  region        = "eu-west-1"
  image         = var.image_tag
  env           = { DB_TIMEOUT = "10s", LOG_LEVEL = "info" }
  allowed_cidrs = ["10.0.0.0/8"]
  tier          = local.tier
  api_token     = var.db_password
}
`,
  "envs/staging/terraform.tfvars": `db_password = "staging-hunter2"\n`,
  "envs/prod-us/main.tf": `
variable "image_tag" {}
variable "pool_size" {}
variable "db_password" {
  sensitive = true
}
locals {
  tier = "premium"
}
module "service" {
  source        = "../../modules/service"
  name          = "shop-prod-us"
  region        = "us-east-1"
  image         = var.image_tag
  pool_size     = var.pool_size
  env           = { DB_TIMEOUT = "60s", LOG_LEVEL = "info" }
  allowed_cidrs = ["10.0.0.0/8", "192.168.0.0/16"]
  tier          = local.tier
  api_token     = var.db_password
}
`,
  "envs/prod-us/prod-us.tfvars": `image_tag   = "1.4.0"\npool_size   = 20\ndb_password = "prod-us-s3cr3t"\n`,
  // the root's other var files are not read unless named: this one must change nothing
  "envs/prod-us/unused.tfvars": `pool_size = 99\n`,
  "envs/prod-eu/main.tf": `
module "service" {
  source        = "../../modules/service"
  name          = "shop-prod-eu"
  region        = "eu-central-1"
  image         = "1.4.0"
  env           = { DB_TIMEOUT = "60s", LOG_LEVEL = "info" }
  allowed_cidrs = ["10.0.0.0/8", "192.168.0.0/16"]
  tier          = upper("premium")
  api_token     = "prod-eu-pa55"
}
`,
};

const ENVIRONMENT_DIRS = { "envs/staging": [], "envs/prod-us": ["prod-us.tfvars"], "envs/prod-eu": [] };
const MEMBERS = ["staging", "prod-us", "prod-eu"];

const byAttribute = (differences: ParityDifference[]) => Object.fromEntries(differences.map((d) => [`${d.resource} ${d.attribute}`, d.values]));

describe("declaredDifferences: a module group of three environments", () => {
  it("lists exactly what differs between the environments' calls (golden)", async () => {
    const result = declaredDifferences(moduleGroup(MEMBERS), await repo(ENVIRONMENTS, ENVIRONMENT_DIRS));
    expect(result.unknown).toEqual([]);
    const sensitive = { sensitive: true, hash: expect.stringMatching(/^[0-9a-f]{64}$/) };
    expect(result.differences).toEqual([
      {
        kind: "declared",
        resource: "module.service",
        attribute: "allowed_cidrs",
        values: { staging: { value: ["10.0.0.0/8"] }, "prod-us": { value: ["10.0.0.0/8", "192.168.0.0/16"] }, "prod-eu": { value: ["10.0.0.0/8", "192.168.0.0/16"] } },
      },
      // a root variable declared sensitive in one member makes the input a secret for every member
      { kind: "declared", resource: "module.service", attribute: "api_token", values: { staging: sensitive, "prod-us": sensitive, "prod-eu": sensitive } },
      { kind: "declared", resource: "module.service", attribute: "env.DB_TIMEOUT", values: { staging: { value: "10s" }, "prod-us": { value: "60s" }, "prod-eu": { value: "60s" } } },
      { kind: "declared", resource: "module.service", attribute: "name", values: { staging: { value: "shop-staging" }, "prod-us": { value: "shop-prod-us" }, "prod-eu": { value: "shop-prod-eu" } } },
      // prod-us sets it through its var file (20, not the unread unused.tfvars' 99); the others leave the module's default
      { kind: "declared", resource: "module.service", attribute: "pool_size", values: { staging: { value: 10 }, "prod-us": { value: 20 }, "prod-eu": { value: 10 } } },
      { kind: "declared", resource: "module.service", attribute: "region", values: { staging: { value: "eu-west-1" }, "prod-us": { value: "us-east-1" }, "prod-eu": { value: "eu-central-1" } } },
      // a root local each; prod-eu's function call is unknown, not a third value
      {
        kind: "declared",
        resource: "module.service",
        attribute: "tier",
        values: { staging: { value: "standard" }, "prod-us": { value: "premium" }, "prod-eu": { unknown: "the function call `upper(…)`" } },
      },
    ]);
    const differences = byAttribute(result.differences);
    // image: a variable's default (staging), a var file (prod-us) and a literal (prod-eu) all resolve to 1.4.0
    expect(differences["module.service image"]).toBeUndefined();
    expect(differences["module.service env.LOG_LEVEL"]).toBeUndefined();
  });

  it("never puts a sensitive value anywhere in the result, and tells equal secrets from different ones by hash", async () => {
    const workspaces = await repo(ENVIRONMENTS, ENVIRONMENT_DIRS);
    const result = declaredDifferences(moduleGroup(MEMBERS), workspaces);
    expect(JSON.stringify(result)).not.toMatch(/hunter2|s3cr3t|pa55/);
    const token = byAttribute(result.differences)["module.service api_token"]!;
    expect(new Set(Object.values(token).map((v) => ("hash" in v ? v.hash : "none"))).size).toBe(3);

    // the same secret in two members: one hash, so only the third differs
    const same = await repo({ ...ENVIRONMENTS, "envs/staging/terraform.tfvars": `db_password = "prod-us-s3cr3t"\n` }, ENVIRONMENT_DIRS);
    const values = byAttribute(declaredDifferences(moduleGroup(MEMBERS), same).differences)["module.service api_token"]!;
    expect(values.staging).toEqual(values["prod-us"]);
    expect(values["prod-eu"]).not.toEqual(values.staging);
  });

  it("a module variable marked sensitive hides its input even when every member sets a literal", async () => {
    const files = {
      "modules/service/main.tf": 'variable "password" {\n  sensitive = true\n}\n',
      "envs/a/main.tf": 'module "service" {\n  source   = "../../modules/service"\n  password = "alpha-secret"\n}\n',
      "envs/b/main.tf": 'module "service" {\n  source   = "../../modules/service"\n  password = "beta-secret"\n}\n',
      // not a literal: its text holds part of the secret, so the reason must not quote it
      "envs/c/main.tf": 'module "service" {\n  source   = "../../modules/service"\n  password = "gamma-secret-${local.suffix}x"\n}\nlocals {\n  suffix = upper("q")\n}\n',
    };
    const result = declaredDifferences(moduleGroup(["a", "b", "c"]), await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] }));
    expect(result.differences.map((d) => d.attribute)).toEqual(["password"]);
    expect(result.differences[0]!.values.a).toMatchObject({ sensitive: true });
    expect(result.differences[0]!.values.c).toEqual({ unknown: "a sensitive value the code alone does not give" });
    expect(JSON.stringify(result)).not.toMatch(/secret/);
  });

  it("a var-file value that differs from another member's literal is one difference, by its resolved value", async () => {
    const files = { ...ENVIRONMENTS, "envs/prod-us/prod-us.tfvars": `image_tag = "1.5.0"\npool_size = 10\ndb_password = "x"\n` };
    const differences = byAttribute(declaredDifferences(moduleGroup(MEMBERS), await repo(files, ENVIRONMENT_DIRS)).differences);
    expect(differences["module.service image"]).toEqual({ staging: { value: "1.4.0" }, "prod-us": { value: "1.5.0" }, "prod-eu": { value: "1.4.0" } });
    // 10 from prod-us's var file against the default 10 of the others: alike
    expect(differences["module.service pool_size"]).toBeUndefined();
  });

  it("drops what the group expects to differ", async () => {
    const group = moduleGroup(MEMBERS, undefined, [{ attribute: "name" }, { address: "module.*", attribute: "region" }]);
    const result = declaredDifferences(group, await repo(ENVIRONMENTS, ENVIRONMENT_DIRS));
    expect(result.differences.map((d) => d.attribute)).toEqual(["allowed_cidrs", "api_token", "env.DB_TIMEOUT", "pool_size", "tier"]);
  });

  it("a member whose workspace was not read is unknown, never equal or different", async () => {
    const workspaces = await repo(ENVIRONMENTS, ENVIRONMENT_DIRS);
    workspaces.delete("prod-eu");
    const result = declaredDifferences(moduleGroup(MEMBERS), workspaces);
    expect(result.unknown).toEqual([{ member: "prod-eu", reason: "the code of workspace `prod-eu` was not read" }]);
    for (const difference of result.differences) expect(difference.values["prod-eu"]).toEqual({ unknown: "the code of workspace `prod-eu` was not read" });
    // with prod-eu unknown, staging and prod-us still disagree on the CIDRs and agree on nothing new
    expect(result.differences.map((d) => d.attribute)).toContain("allowed_cidrs");
  });

  it("a member whose module call is not in its code is unknown", async () => {
    const group = moduleGroup(MEMBERS, (name) => [{ name: name === "prod-eu" ? "shop" : "service" }]);
    const result = declaredDifferences(group, await repo(ENVIRONMENTS, ENVIRONMENT_DIRS));
    expect(result.unknown).toEqual([{ member: "prod-eu", reason: "`module.shop` is not declared in `envs/prod-eu`" }]);
    expect(byAttribute(result.differences)["module.service tier"]).toEqual({ staging: { value: "standard" }, "prod-us": { value: "premium" }, "prod-eu": { unknown: "`module.shop` is not declared in `envs/prod-eu`" } });
  });

  it("a function call in one member is unknown and makes no difference with one other readable member", async () => {
    const group = moduleGroup(["prod-us", "prod-eu"]);
    const differences = byAttribute(declaredDifferences(group, await repo(ENVIRONMENTS, ENVIRONMENT_DIRS)).differences);
    expect(differences["module.service tier"]).toBeUndefined();
    expect(Object.keys(differences).sort()).toEqual(["module.service api_token", "module.service name", "module.service pool_size", "module.service region"]);
  });
});

describe("declaredDifferences: unknown values", () => {
  it("a key under a member's unknown value is unknown for it, not absent", async () => {
    const call = (env: string) => `module "service" {\n  source = "../../modules/service"\n  env    = ${env}\n}\n`;
    const files = {
      "modules/service/main.tf": 'variable "env" {\n  default = {}\n}\n',
      "envs/a/main.tf": call('merge({ DB_TIMEOUT = "10s" }, {})'),
      "envs/b/main.tf": call('{ DB_TIMEOUT = "60s" }'),
      "envs/c/main.tf": call('{ DB_TIMEOUT = "10s" }'),
    };
    const workspaces = await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] });
    expect(declaredDifferences(moduleGroup(["a", "b", "c"]), workspaces).differences).toEqual([
      { kind: "declared", resource: "module.service", attribute: "env.DB_TIMEOUT", values: { a: { unknown: "the function call `merge(…)`" }, b: { value: "60s" }, c: { value: "10s" } } },
    ]);
    // one readable member against an unknown one: nothing to say
    expect(declaredDifferences(moduleGroup(["a", "b"]), workspaces).differences).toEqual([]);
  });
});

describe("declaredDifferences: module paths", () => {
  it("follows a nested path (plat -> svc) and a module variable up to the argument of the call above", async () => {
    const files = {
      "modules/service/main.tf": 'variable "size" {\n  default = "small"\n}\nvariable "zone" {}\n',
      "modules/platform/main.tf": 'variable "size" {\n  default = "medium"\n}\nvariable "zone" {}\nmodule "svc" {\n  source = "../service"\n  size   = var.size\n  zone   = var.zone\n}\n',
      "envs/a/main.tf": 'module "plat" {\n  source = "../../modules/platform"\n  zone   = "a-1"\n}\n',
      "envs/b/main.tf": 'module "plat" {\n  source = "../../modules/platform"\n  size   = "large"\n  zone   = "a-1"\n}\n',
      "envs/c/main.tf": 'module "plat" {\n  source = "../../modules/platform"\n  size   = "medium"\n  zone   = "c-1"\n}\n',
    };
    const group = moduleGroup(["a", "b", "c"], () => [{ name: "plat" }, { name: "svc" }]);
    const result = declaredDifferences(group, await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] }));
    expect(result.unknown).toEqual([]);
    expect(result.differences).toEqual([
      // a: platform's default (medium), not service's (small); b: its own argument
      { kind: "declared", resource: "module.plat.module.svc", attribute: "size", values: { a: { value: "medium" }, b: { value: "large" }, c: { value: "medium" } } },
      { kind: "declared", resource: "module.plat.module.svc", attribute: "zone", values: { a: { value: "a-1" }, b: { value: "a-1" }, c: { value: "c-1" } } },
    ]);
  });

  it("follows a module variable up into a for_each call above by the member's key (plat[\"eu\"] -> svc)", async () => {
    const files = {
      "modules/service/main.tf": 'variable "zone" {}\n',
      "modules/platform/main.tf": 'variable "zone" {}\nmodule "svc" {\n  source = "../service"\n  zone   = var.zone\n}\n',
      "envs/multi/main.tf": 'module "plat" {\n  source   = "../../modules/platform"\n  for_each = { eu = "eu-1", us = "us-1" }\n  zone     = each.value\n}\n',
    };
    const members = ["eu", "us"].map((key) => ({ id: key, workspace: "multi", root: "envs/multi", modules: [{ name: "plat", key }, { name: "svc" }] }));
    const result = declaredDifferences({ name: "svc", origin: "automatic", module: "modules/service", members, expected: [] }, await repo(files, { "envs/multi": [] }));
    expect(result.differences).toEqual([{ kind: "declared", resource: "module.plat.module.svc", attribute: "zone", values: { eu: { value: "eu-1" }, us: { value: "us-1" } } }]);
  });

  it("locals that refer to each other end as unknown", async () => {
    const call = (tier: string) => `module "service" {\n  source = "../../modules/service"\n  tier   = ${tier}\n}\nlocals {\n  a = local.b\n  b = local.a\n}\n`;
    const files = { "modules/service/main.tf": 'variable "tier" {}\n', "envs/a/main.tf": call("local.a"), "envs/b/main.tf": call('"x"'), "envs/c/main.tf": call('"y"') };
    const [difference] = declaredDifferences(moduleGroup(["a", "b", "c"]), await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] })).differences;
    expect(difference!.values.a).toEqual({ unknown: "`local.a` refers to itself" });
  });

  it("reads each.value and each.key of a call whose for_each is a literal map, for the member's key", async () => {
    const files = {
      "modules/service/main.tf": 'variable "cpu" {}\nvariable "label" {}\nvariable "memory" {\n  default = 512\n}\n',
      "envs/multi/main.tf": `
module "service" {
  source   = "../../modules/service"
  for_each = {
    eu = { cpu = 256, memory = 1024 }
    us = { cpu = 512, memory = 1024 }
  }
  cpu    = each.value.cpu
  memory = each.value.memory
  label  = each.key
}
`,
    };
    const group: ParityGroup = {
      name: "service",
      origin: "automatic",
      module: "modules/service",
      members: ["eu", "us"].map((key) => ({ id: `multi:module.service["${key}"]`, workspace: "multi", root: "envs/multi", modules: [{ name: "service", key }] })),
      expected: [],
    };
    const workspaces = await repo(files, { "envs/multi": [] });
    const result = declaredDifferences(group, workspaces);
    expect(result.differences).toEqual([
      { kind: "declared", resource: "module.service", attribute: "cpu", values: { 'multi:module.service["eu"]': { value: 256 }, 'multi:module.service["us"]': { value: 512 } } },
      { kind: "declared", resource: "module.service", attribute: "label", values: { 'multi:module.service["eu"]': { value: "eu" }, 'multi:module.service["us"]': { value: "us" } } },
    ]);

  });

  it("without an instance key, each.value is unknown with the reason, never a difference", async () => {
    const files = {
      "modules/service/main.tf": 'variable "cpu" {}\n',
      "envs/multi/main.tf": 'module "service" {\n  source   = "../../modules/service"\n  for_each = { eu = { cpu = 256 } }\n  cpu      = each.value.cpu\n}\n',
      "envs/b/main.tf": 'module "service" {\n  source = "../../modules/service"\n  cpu    = 256\n}\n',
      "envs/c/main.tf": 'module "service" {\n  source = "../../modules/service"\n  cpu    = 512\n}\n',
    };
    const result = declaredDifferences(moduleGroup(["multi", "b", "c"]), await repo(files, { "envs/multi": [], "envs/b": [], "envs/c": [] }));
    expect(result.differences).toEqual([
      {
        kind: "declared",
        resource: "module.service",
        attribute: "cpu",
        values: { multi: { unknown: "`each.value.cpu`: `module.service` has for_each, and this member names no instance key" }, b: { value: 256 }, c: { value: 512 } },
      },
    ]);
  });

  it("a for_each the code does not give as a map leaves each.value unknown", async () => {
    const files = {
      "modules/service/main.tf": 'variable "cpu" {}\n',
      "envs/a/main.tf": 'module "service" {\n  source   = "../../modules/service"\n  for_each = toset(["x"])\n  cpu      = each.value.cpu\n}\n',
      "envs/b/main.tf": 'module "service" {\n  source = "../../modules/service"\n  cpu    = 256\n}\n',
      "envs/c/main.tf": 'module "service" {\n  source = "../../modules/service"\n  cpu    = 512\n}\n',
    };
    const group = moduleGroup(["a", "b", "c"], (name) => [{ name: "service", ...(name === "a" ? { key: "x" } : {}) }]);
    const [difference] = declaredDifferences(group, await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] })).differences;
    expect(difference!.values.a).toEqual({ unknown: "the for_each of `module.service` is not a map the code gives (the function call `toset(…)`)" });
  });
});

describe("declaredDifferences: var files and modules from outside the repository", () => {
  it("a JSON var file outranks terraform.tfvars as terraform reads them", async () => {
    const files = {
      "modules/service/main.tf": 'variable "size" {}\n',
      "envs/a/main.tf": 'variable "size" {}\nmodule "service" {\n  source = "../../modules/service"\n  size   = var.size\n}\n',
      "envs/a/terraform.tfvars": "size = 1\n",
      "envs/a/z.auto.tfvars.json": '{ "size": 3 }\n',
      "envs/b/main.tf": 'module "service" {\n  source = "../../modules/service"\n  size   = 1\n}\n',
    };
    const [difference] = declaredDifferences(moduleGroup(["a", "b"]), await repo(files, { "envs/a": [], "envs/b": [] })).differences;
    expect(difference).toMatchObject({ attribute: "size", values: { a: { value: 3 }, b: { value: 1 } } });
  });

  it("an input a member leaves to a registry module's default is unknown: that default is not in the repository", async () => {
    const call = (args: string) => `module "service" {\n  source  = "acme/service/sandbox"\n  version = "1.2.0"\n${args}}\n`;
    const files = { "envs/a/main.tf": call("  size = 1\n"), "envs/b/main.tf": call("  zone = \"b-1\"\n"), "envs/c/main.tf": call("  size = 2\n") };
    const group = { ...moduleGroup(["a", "b", "c"]), module: "acme/service/sandbox" };
    const result = declaredDifferences(group, await repo(files, { "envs/a": [], "envs/b": [], "envs/c": [] }));
    const notHere = { unknown: "not set: the default of `acme/service/sandbox` is not in this repository" };
    // zone: only b says, so nothing to compare it with
    expect(result.differences).toEqual([{ kind: "declared", resource: "module.service", attribute: "size", values: { a: { value: 1 }, b: notHere, c: { value: 2 } } }]);
  });
});

describe("declaredDifferences: a configured group of whole workspaces", () => {
  it("compares root variables by name and root resources' attributes by address, nested blocks flattened", async () => {
    const main = (settings: string) => `
variable "pool_size" {
  default = 10
}
variable "tags" {
  default = { team = "shop", tier = "web" }
}
variable "token" {
  sensitive = true
  default   = "root-token-123"
}
locals {
  replicas = 3
}
resource "sandbox_deployment" "app" {
  count     = 1
  name      = "app"
  replicas  = local.replicas
  pool      = var.pool_size
  owner     = sandbox_team.main.id
  ${settings}
  lifecycle {
    ignore_changes = [name]
  }
}
`;
    const files = {
      "envs/staging/main.tf": main("settings {\n    timeout = 30\n  }\n  port {\n    number = 80\n  }\n  port {\n    number = 443\n  }"),
      "envs/prod/main.tf": main("settings {\n    timeout = 60\n  }\n  port {\n    number = 80\n  }\n  port {\n    number = 8443\n  }"),
      "envs/prod/terraform.tfvars": 'pool_size = 20\ntags      = { team = "shop", tier = "api" }\n',
    };
    const group: ParityGroup = {
      name: "environments",
      origin: "configured",
      members: ["staging", "prod"].map((name) => ({ id: name, workspace: name, root: `envs/${name}`, modules: [] })),
      expected: [],
    };
    const result = declaredDifferences(group, await repo(files, { "envs/staging": [], "envs/prod": [] }));
    expect(result.unknown).toEqual([]);
    expect(result.differences).toEqual([
      { kind: "declared", resource: "sandbox_deployment.app", attribute: "pool", values: { staging: { value: 10 }, prod: { value: 20 } } },
      { kind: "declared", resource: "sandbox_deployment.app", attribute: "port[1].number", values: { staging: { value: 443 }, prod: { value: 8443 } } },
      { kind: "declared", resource: "sandbox_deployment.app", attribute: "settings.timeout", values: { staging: { value: 30 }, prod: { value: 60 } } },
      { kind: "declared", resource: "var", attribute: "pool_size", values: { staging: { value: 10 }, prod: { value: 20 } } },
      { kind: "declared", resource: "var", attribute: "tags.tier", values: { staging: { value: "web" }, prod: { value: "api" } } },
    ]);
    expect(JSON.stringify(result)).not.toContain("root-token-123");
  });

  it("a block one workspace repeats is indexed in every workspace; a dynamic block is unknown; root module calls compare their inputs", async () => {
    const files = {
      "modules/queue/main.tf": 'variable "size" {\n  default = 5\n}\n',
      "envs/a/main.tf": `
resource "sandbox_deployment" "app" {
  port {
    number = 80
  }
}
resource "sandbox_firewall" "edge" {
  rule {
    port = 22
  }
}
module "queue" {
  source = "../../modules/queue"
}
`,
      "envs/b/main.tf": `
resource "sandbox_deployment" "app" {
  port {
    number = 81
  }
  port {
    number = 443
  }
}
resource "sandbox_firewall" "edge" {
  dynamic "rule" {
    for_each = [22]
    content {
      port = rule.value
    }
  }
}
module "queue" {
  source = "../../modules/queue"
  size   = 50
}
`,
    };
    const group: ParityGroup = { name: "g", origin: "configured", members: ["a", "b"].map((n) => ({ id: n, workspace: n, root: `envs/${n}`, modules: [] })), expected: [] };
    const result = declaredDifferences(group, await repo(files, { "envs/a": [], "envs/b": [] }));
    expect(result.differences).toEqual([
      { kind: "declared", resource: "module.queue", attribute: "size", values: { a: { value: 5 }, b: { value: 50 } } },
      { kind: "declared", resource: "sandbox_deployment.app", attribute: "port[0].number", values: { a: { value: 80 }, b: { value: 81 } } },
      { kind: "declared", resource: "sandbox_deployment.app", attribute: "port[1].number", values: { a: { absent: true }, b: { value: 443 } } },
    ]);
  });

  it("a resource only one workspace declares shows its attributes as absent in the other", async () => {
    const files = {
      "envs/a/main.tf": 'resource "sandbox_queue" "jobs" {\n  size = 5\n}\n',
      "envs/b/main.tf": "",
    };
    const group: ParityGroup = { name: "g", origin: "configured", members: ["a", "b"].map((n) => ({ id: n, workspace: n, root: `envs/${n}`, modules: [] })), expected: [] };
    const result = declaredDifferences(group, await repo(files, { "envs/a": [], "envs/b": [] }));
    expect(result.differences).toEqual([{ kind: "declared", resource: "sandbox_queue.jobs", attribute: "size", values: { a: { value: 5 }, b: { absent: true } } }]);
  });
});
