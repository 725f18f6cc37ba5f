import { readFileSync } from "node:fs";
import path from "node:path";
import type { Tree } from "web-tree-sitter";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import type { ParseHcl } from "../../../src/core/hcl/workspace.js";
import { parseLockFile, providerAddress } from "../../../src/core/parity/lock-file.js";
import type { ParityGroup, ParityMember } from "../../../src/core/parity/types.js";
import { newestFirst, splitRef, UNPINNED, versionRows, workspaceVersions, type WorkspaceVersions } from "../../../src/core/parity/versions.js";
import { createSandbox, terraformOk } from "../../support/sandbox.js";

const probe = inject("realTerraform");

let parser: HclParser;
/** Trees parsed and not yet deleted: every read must delete what it parsed. */
let live = 0;
const parse: ParseHcl = (source) => {
  const tree: Tree = parser.parse(source);
  live++;
  const original = tree.delete.bind(tree);
  tree.delete = () => {
    live--;
    original();
  };
  return tree;
};

beforeAll(async () => {
  parser = await loadHclParser();
});

/** A lock file as `terraform init` writes it (two providers, sorted, `=` aligned, h1 and zh hashes). */
function lockFile(aws: string, awsConstraints: string): string {
  return `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "${aws}"
  constraints = "${awsConstraints}"
  hashes = [
    "h1:8x0yJtZ5Yy6q4zH3D6Tz5n3Ck1kOPqZ0y6kD2n8cX6E=",
    "zh:0a0b8e2d3c1f5e7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a",
    "zh:1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version     = "3.6.0"
  constraints = "~> 3.5"
  hashes = [
    "h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w=",
    "zh:03360ed3ecd31e8c5dac9c95fe0858be50f3e9a0d0c654b5e504109c2159287d",
  ]
}
`;
}

const VPC = "terraform-aws-modules/vpc/aws";
const NET = "git::https://github.com/acme/mods.git//net";

function rootFiles(dir: string, options: { requiredVersion: string; vpc: string; netRef: string }): [string, string][] {
  return [
    [
      `${dir}/versions.tf`,
      `terraform {
  required_version = "${options.requiredVersion}"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
`,
    ],
    [
      `${dir}/main.tf`,
      `module "vpc" {
  source  = "${VPC}"
  version = "${options.vpc}"
  name    = "main"
}

module "net" {
  source = "${NET}?ref=${options.netRef}"
}

module "app" {
  source = "../../modules/app"
  env    = "${dir}"
}
`,
    ],
  ];
}

/** The shared local module: its own provider constraint, and a module of its own. */
const APP_MODULE: [string, string][] = [
  [
    "modules/app/versions.tf",
    `terraform {
  required_version = ">= 0.13" # a module's required_version is not the workspace's
  required_providers {
    random = {
      source                = "hashicorp/random"
      version               = "~> 3.5"
      configuration_aliases = [random.alt]
    }
  }
}
`,
  ],
  ["modules/app/main.tf", `module "labels" {\n  source = "./labels"\n}\n`],
  ["modules/app/labels/main.tf", `module "back" {\n  source = "../" # a cycle must not loop\n}\n\nmodule "null_label" {\n  source  = "cloudposse/label/null"\n  version = "0.25.0"\n}\n`],
];

function repository(): Map<string, string> {
  return new Map([
    ...rootFiles("envs/staging", { requiredVersion: ">= 1.6", vpc: "1.4.0", netRef: "v1.4.0" }),
    ["envs/staging/.terraform.lock.hcl", lockFile("5.31.0", "~> 5.0")],
    ...rootFiles("envs/prod-us", { requiredVersion: ">= 1.5", vpc: "1.2.0", netRef: "v1.2.0" }),
    ["envs/prod-us/.terraform.lock.hcl", lockFile("5.20.1", "~> 5.0")],
    // prod-eu commits no lock file
    ...rootFiles("envs/prod-eu", { requiredVersion: ">= 1.5", vpc: "1.2.0", netRef: "v1.2.0" }),
    ...APP_MODULE,
  ]);
}

function member(workspace: string, id = workspace): ParityMember {
  return { id, workspace, root: `envs/${workspace}`, modules: [] };
}

function group(members: ParityMember[]): ParityGroup {
  return { name: "app", origin: "configured", members, expected: [] };
}

function versionsOf(files: ReadonlyMap<string, string>, workspaces: string[]): Map<string, WorkspaceVersions> {
  return new Map(workspaces.map((w) => [w, workspaceVersions(parse, files, `envs/${w}`)]));
}

describe("workspaceVersions", () => {
  it("reads required_version, locked providers, constraints of the root and its local modules, and remote module versions", () => {
    const versions = workspaceVersions(parse, repository(), "envs/staging");
    expect(versions).toEqual({
      terraform: ">= 1.6",
      providers: new Map([
        ["registry.terraform.io/hashicorp/aws", "5.31.0"],
        ["registry.terraform.io/hashicorp/random", "3.6.0"],
      ]),
      providerConstraints: new Map([
        ["registry.terraform.io/hashicorp/aws", "~> 5.0"],
        ["registry.terraform.io/hashicorp/random", "~> 3.5"],
      ]),
      modules: new Map([
        [VPC, "1.4.0"],
        [NET, "v1.4.0"],
        ["cloudposse/label/null", "0.25.0"],
      ]),
      problems: [],
    });
    expect(live).toBe(0);
  });

  it("has no providers and no problem without a lock file", () => {
    const versions = workspaceVersions(parse, repository(), "envs/prod-eu");
    expect(versions.providers).toEqual(new Map());
    expect(versions.problems).toEqual([]);
    expect(versions.providerConstraints.get("registry.terraform.io/hashicorp/aws")).toBe("~> 5.0");
  });

  it("reads the old string syntax, normalizes sources, joins several constraints and versions", () => {
    const files = new Map([
      [
        "main.tf",
        `terraform {
  required_version = "< 2.0"
  required_providers {
    aws    = "~> 4.0"
    google = { source = "HashiCorp/Google", version = ">= 5.0" }
  }
}
terraform {
  required_version = ">= 1.5"
}
module "a" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "1.2.0"
}
module "b" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "1.10.0"
}
module "c" {
  source = "github.com/acme/x?ref=v2"
}
module "d" {
  source = "git::ssh://git@github.com/acme/y.git"
}
`,
      ],
      ["modules/m/main.tf", `terraform {\n  required_providers {\n    aws = { version = ">= 4.2" }\n  }\n}\n`],
      ["other.tf", `module "m" {\n  source = "./modules/m"\n}\n`],
    ]);
    const versions = workspaceVersions(parse, files, "");
    expect(versions.terraform).toBe("< 2.0, >= 1.5");
    expect(versions.providerConstraints).toEqual(
      new Map([
        ["registry.terraform.io/hashicorp/aws", ">= 4.2, ~> 4.0"],
        ["registry.terraform.io/hashicorp/google", ">= 5.0"],
      ]),
    );
    expect(versions.modules).toEqual(
      new Map([
        ["terraform-aws-modules/vpc/aws", "1.10.0, 1.2.0"],
        ["github.com/acme/x", "v2"],
        ["git::ssh://git@github.com/acme/y.git", UNPINNED],
      ]),
    );
  });

  it("names an unparsable lock file and an unparsable .tf file instead of failing, and reads the rest", () => {
    const files = new Map(repository());
    files.set("envs/staging/.terraform.lock.hcl", `provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.31.0"\n  hashes = [\n`);
    files.set("envs/staging/broken.tf", `module "x" {\n  source = \n`);
    const versions = workspaceVersions(parse, files, "envs/staging");
    expect(versions.providers).toEqual(new Map());
    expect(versions.problems).toHaveLength(2);
    expect(versions.problems[0]).toMatch(/^envs\/staging\/broken\.tf: is not valid HCL \(line \d+\)/);
    expect(versions.problems[1]).toMatch(/^envs\/staging\/\.terraform\.lock\.hcl: is not valid HCL \(line \d+\)/);
    expect(versions.modules.get(VPC)).toBe("1.4.0");
    expect(live).toBe(0);
  });

  it("names a local module whose files were not given", () => {
    const files = new Map([["infra/main.tf", `module "gone" {\n  source = "./gone"\n}\n`]]);
    expect(workspaceVersions(parse, files, "infra/").problems).toEqual(["infra/gone: a local module the workspace calls, but no .tf file of it was given"]);
  });
});

describe("parseLockFile", () => {
  it("reads versions and constraints by normalized address", () => {
    const lock = parseLockFile(parse, lockFile("5.31.0", "~> 5.0, < 5.40.0"));
    expect(lock).toEqual({
      providers: new Map([
        ["registry.terraform.io/hashicorp/aws", { version: "5.31.0", constraints: "~> 5.0, < 5.40.0" }],
        ["registry.terraform.io/hashicorp/random", { version: "3.6.0", constraints: "~> 3.5" }],
      ]),
    });
  });

  it("names a provider block without a version and keeps the others", () => {
    const lock = parseLockFile(parse, `provider "registry.terraform.io/hashicorp/aws" {\n  hashes = []\n}\n\nprovider "registry.terraform.io/hashicorp/null" {\n  version = "3.2.1"\n}\n`);
    expect(lock.providers).toEqual(new Map([["registry.terraform.io/hashicorp/null", { version: "3.2.1" }]]));
    expect(lock.problem).toBe("has no literal version for registry.terraform.io/hashicorp/aws");
  });

  it("reports a parser failure as a problem", () => {
    const failing: ParseHcl = () => {
      throw new Error("wasm trap");
    };
    expect(parseLockFile(failing, "provider {}")).toEqual({ providers: new Map(), problem: "could not be parsed (wasm trap)" });
  });

  describe.skipIf(!probe.available)("a lock file the real terraform writes", { timeout: 60_000 }, () => {
    it("reads terraform init's lock file and compares it with another version", async () => {
      const sandbox = createSandbox("lock-file", {
        "main.tf": `terraform {\n  required_providers {\n    sandbox = { source = "example.com/driftback/sandbox", version = "~> 0.1" }\n  }\n}\n`,
      });
      await terraformOk(sandbox, ["init", "-input=false"]);
      const real = readFileSync(path.join(sandbox.dir, ".terraform.lock.hcl"), "utf8");
      expect(parseLockFile(parse, real)).toEqual({ providers: new Map([["example.com/driftback/sandbox", { version: "0.1.0", constraints: "~> 0.1" }]]) });

      const tf = `terraform {\n  required_providers {\n    sandbox = { source = "example.com/driftback/sandbox", version = "~> 0.1" }\n  }\n}\n`;
      const files = new Map([
        ["envs/a/main.tf", tf],
        ["envs/a/.terraform.lock.hcl", real],
        ["envs/b/main.tf", tf],
        ["envs/b/.terraform.lock.hcl", real.replace('version     = "0.1.0"', 'version     = "0.2.0"')],
      ]);
      expect(versionRows(group([member("a"), member("b")]), versionsOf(files, ["a", "b"]))).toEqual([
        { kind: "provider", name: "example.com/driftback/sandbox", values: { b: "0.2.0 (~> 0.1)", a: "0.1.0 (~> 0.1)" } },
      ]);
    });
  });
});

describe("versionRows", () => {
  it("lists terraform, then providers, then modules, each by name, members newest first", () => {
    const members = [member("prod-eu"), member("prod-us"), member("staging")];
    const rows = versionRows(group(members), versionsOf(repository(), ["staging", "prod-us", "prod-eu"]));
    expect(rows).toEqual([
      { kind: "terraform", name: "required_version", values: { staging: ">= 1.6", "prod-eu": ">= 1.5", "prod-us": ">= 1.5" } },
      {
        kind: "provider",
        name: "registry.terraform.io/hashicorp/aws",
        values: { staging: "5.31.0 (~> 5.0)", "prod-us": "5.20.1 (~> 5.0)", "prod-eu": "unlocked (~> 5.0)" },
      },
      {
        kind: "provider",
        name: "registry.terraform.io/hashicorp/random",
        // `~> 3.5` reads as 3.5, older than the locked 3.6.0
        values: { "prod-us": "3.6.0 (~> 3.5)", staging: "3.6.0 (~> 3.5)", "prod-eu": "unlocked (~> 3.5)" },
      },
      { kind: "module", name: NET, values: { staging: "v1.4.0", "prod-eu": "v1.2.0", "prod-us": "v1.2.0" } },
      { kind: "module", name: VPC, values: { staging: "1.4.0", "prod-eu": "1.2.0", "prod-us": "1.2.0" } },
    ]);
    // the key order is the display order; toEqual alone would not see it
    expect(rows.map((row) => Object.keys(row.values))).toEqual([
      ["staging", "prod-eu", "prod-us"],
      ["staging", "prod-us", "prod-eu"],
      ["prod-us", "staging", "prod-eu"],
      ["staging", "prod-eu", "prod-us"],
      ["staging", "prod-eu", "prod-us"],
    ]);
  });

  it("has no rows when the members' versions are the same", () => {
    const files = repository();
    files.set("envs/prod-eu/.terraform.lock.hcl", files.get("envs/prod-us/.terraform.lock.hcl")!);
    expect(versionRows(group([member("prod-us"), member("prod-eu")]), versionsOf(files, ["prod-us", "prod-eu"]))).toEqual([]);
  });

  it("gives null to a member without the module or provider, listed last", () => {
    const files = repository();
    files.set("envs/prod-us/main.tf", `module "app" {\n  source = "../../modules/app"\n}\n`);
    const rows = versionRows(group([member("prod-us"), member("staging")]), versionsOf(files, ["prod-us", "staging"]));
    expect(rows.filter((row) => row.kind === "module")).toEqual([
      { kind: "module", name: NET, values: { staging: "v1.4.0", "prod-us": null } },
      { kind: "module", name: VPC, values: { staging: "1.4.0", "prod-us": null } },
    ]);
    expect(rows.filter((row) => row.kind === "module").map((row) => Object.keys(row.values))).toEqual([
      ["staging", "prod-us"],
      ["staging", "prod-us"],
    ]);
  });

  it("gives two instances in one workspace that workspace's versions, and skips members of unknown workspaces", () => {
    const members = [member("prod-us", 'prod-us:module.shop["a"]'), member("prod-us", 'prod-us:module.shop["b"]'), member("staging"), member("qa")];
    const rows = versionRows(group(members), versionsOf(repository(), ["staging", "prod-us"]));
    expect(rows.find((row) => row.name === VPC)?.values).toEqual({ staging: "1.4.0", 'prod-us:module.shop["a"]': "1.2.0", 'prod-us:module.shop["b"]': "1.2.0" });
    expect(rows.every((row) => !("qa" in row.values))).toBe(true);
  });

  it("has no rows for a group with one known member", () => {
    expect(versionRows(group([member("staging"), member("qa")]), versionsOf(repository(), ["staging"]))).toEqual([]);
  });
});

describe("newestFirst", () => {
  it("orders by dotted numbers, v prefix allowed, pre-releases before their release, then values without a number, then null", () => {
    const values = ["main", "1.2.0", null, "v1.10.0", "1.4", "v1.4.0-rc1", "deadbeef", "2.0.0", "1.4.0", "3f9c2e1"];
    expect([...values].sort(newestFirst)).toEqual(["2.0.0", "v1.10.0", "1.4", "1.4.0", "v1.4.0-rc1", "1.2.0", "main", "deadbeef", "3f9c2e1", null]);
  });

  it("reads the first version of a constraint or a provider value", () => {
    expect([">= 1.5", "~> 1.10", "1.6.0 (~> 1.0)", "unlocked (~> 2.0)"].sort(newestFirst)).toEqual(["unlocked (~> 2.0)", "~> 1.10", "1.6.0 (~> 1.0)", ">= 1.5"]);
  });
});

describe("module sources and provider addresses", () => {
  it.each([
    ["git::https://github.com/acme/mods.git//net?ref=v1.4.0", { key: "git::https://github.com/acme/mods.git//net", ref: "v1.4.0" }],
    ["github.com/acme/x?ref=v2", { key: "github.com/acme/x", ref: "v2" }],
    ["git::https://example.com/x.git?depth=1&ref=release%2F2024", { key: "git::https://example.com/x.git?depth=1", ref: "release/2024" }],
    ["terraform-aws-modules/vpc/aws", { key: "terraform-aws-modules/vpc/aws" }],
  ])("%s", (source, expected) => {
    expect(splitRef(source)).toEqual(expected);
  });

  it.each([
    ["aws", "registry.terraform.io/hashicorp/aws"],
    ["hashicorp/aws", "registry.terraform.io/hashicorp/aws"],
    ["Integrations/GitHub", "registry.terraform.io/integrations/github"],
    ["example.com/driftback/sandbox", "example.com/driftback/sandbox"],
  ])("%s", (source, expected) => {
    expect(providerAddress(source)).toBe(expected);
  });
});
