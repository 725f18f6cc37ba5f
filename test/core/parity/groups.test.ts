import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import type { ParityConfig } from "../../../src/config/schema.js";
import type { ModuleCall } from "../../../src/core/hcl/module-calls.js";
import { DEFAULT_EXPECTED } from "../../../src/core/parity/default-expected.js";
import { parityGroups, withoutRef } from "../../../src/core/parity/groups.js";
import type { ParityGroup } from "../../../src/core/parity/types.js";
import { repoGraphOf } from "../../../src/core/repo/graph.js";
import type { RepoGraph } from "../../../src/core/repo/view.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

const local = (name: string, dir: string, repeated = false): ModuleCall => ({ name, source: `./${dir}`, dir, repeated });
const remote = (name: string, source: string, version?: string): ModuleCall => ({ name, source, repeated: false, ...(version ? { version } : {}) });

const ENVS = [
  { name: "staging", dir: "envs/staging" },
  { name: "prod-us", dir: "envs/prod-us" },
  { name: "prod-eu", dir: "envs/prod-eu" },
];

const graph = (calls: Record<string, ModuleCall[]>, resourceDirs: string[], unread?: string[]): RepoGraph => ({
  calls: new Map(Object.entries(calls)),
  resourceDirs: new Set(resourceDirs),
  ...(unread ? { unread } : {}),
});

const ids = (group: ParityGroup | undefined) => group?.members.map((m) => m.id);
const named = (groups: ParityGroup[], name: string) => groups.find((g) => g.name === name);

/** The graph of real HCL text, as loadRepoGraph builds it from a checkout. */
const graphOfFiles = (files: Record<string, string>) => repoGraphOf((source) => parser.parse(source), new Map(Object.entries(files)));

describe("parityGroups: automatic groups", () => {
  it("groups three environments calling modules/service, from real HCL", () => {
    const files = {
      "modules/service/main.tf": 'variable "name" {}\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
      "envs/staging/main.tf": 'module "service" {\n  source = "../../modules/service"\n  name   = "staging"\n}\n',
      "envs/prod-us/main.tf": 'module "service" {\n  source = "../../modules/service"\n  name   = "prod-us"\n}\n',
      // a different call name still matches, by source
      "envs/prod-eu/main.tf.json": JSON.stringify({ module: { shop: { source: "../../modules/service", name: "prod-eu" } } }),
    };
    const { groups, problems } = parityGroups({ graph: graphOfFiles(files), workspaces: ENVS, config: [] });
    expect(problems).toEqual([]);
    expect(groups).toEqual([
      {
        name: "modules/service",
        origin: "automatic",
        module: "modules/service",
        members: [
          { id: "staging", workspace: "staging", root: "envs/staging", modules: [{ name: "service" }] },
          { id: "prod-us", workspace: "prod-us", root: "envs/prod-us", modules: [{ name: "service" }] },
          { id: "prod-eu", workspace: "prod-eu", root: "envs/prod-eu", modules: [{ name: "shop" }] },
        ],
        expected: DEFAULT_EXPECTED,
      },
    ]);
  });

  it("keeps two modules with the same dir name in different places apart", () => {
    const calls = {
      "envs/staging": [local("svc", "modules/service"), local("team", "team-a/modules/service")],
      "envs/prod-us": [local("svc", "modules/service"), local("team", "team-a/modules/service")],
      "envs/prod-eu": [local("svc", "modules/service")],
    };
    const { groups } = parityGroups({ graph: graph(calls, ["modules/service", "team-a/modules/service"]), workspaces: ENVS, config: [] });
    expect(groups.map((g) => [g.name, ids(g)])).toEqual([
      ["modules/service", ["staging", "prod-us", "prod-eu"]],
      ["team-a/modules/service", ["staging", "prod-us"]],
    ]);
  });

  it("makes no group of a local module declaring no resource, from real HCL (data sources only)", () => {
    const files = {
      "modules/lookup/main.tf": 'data "aws_caller_identity" "me" {}\n',
      "envs/staging/main.tf": 'module "lookup" {\n  source = "../../modules/lookup"\n}\n',
      "envs/prod-us/main.tf": 'module "lookup" {\n  source = "../../modules/lookup"\n}\n',
    };
    expect(parityGroups({ graph: graphOfFiles(files), workspaces: ENVS, config: [] }).groups).toEqual([]);
  });

  it("groups a registry module at two versions, and a git module at two refs, once each: that is version drift", () => {
    const calls = {
      "envs/staging": [remote("vpc", "terraform-aws-modules/vpc/aws", "1.4.0"), remote("net", "git::https://example.com/net.git//vpc?ref=v1.4.0")],
      "envs/prod-us": [remote("network", "terraform-aws-modules/vpc/aws", "1.2.0"), remote("net", "git::https://example.com/net.git//vpc?ref=v1.2.0")],
      "envs/prod-eu": [],
    };
    const { groups } = parityGroups({ graph: graph(calls, []), workspaces: ENVS, config: [] });
    expect(groups.map((g) => [g.name, g.module, ids(g)])).toEqual([
      ["git::https://example.com/net.git//vpc", "git::https://example.com/net.git//vpc", ["staging", "prod-us"]],
      ["terraform-aws-modules/vpc/aws", "terraform-aws-modules/vpc/aws", ["staging", "prod-us"]],
    ]);
  });

  it("names each instance when one workspace calls the module twice (blue/green)", () => {
    const calls = { "envs/main": [local("green", "modules/app"), local("blue", "modules/app")] };
    const { groups } = parityGroups({ graph: graph(calls, ["modules/app"]), workspaces: [{ name: "main", dir: "envs/main" }], config: [] });
    expect(groups[0]!.members).toEqual([
      { id: "main:module.blue", workspace: "main", root: "envs/main", modules: [{ name: "blue" }] },
      { id: "main:module.green", workspace: "main", root: "envs/main", modules: [{ name: "green" }] },
    ]);
  });

  it("marks a member reached through for_each as repeated, from real HCL", () => {
    const files = {
      "modules/app/main.tf": 'resource "x_app" "a" {}\n',
      "envs/staging/main.tf": 'module "app" {\n  source = "../../modules/app"\n}\n',
      "envs/prod-us/main.tf": 'module "app" {\n  source   = "../../modules/app"\n  for_each = toset(["a", "b"])\n}\n',
    };
    const [group] = parityGroups({ graph: graphOfFiles(files), workspaces: ENVS, config: [] }).groups;
    expect(group!.members.map((m) => [m.id, m.repeated ?? false])).toEqual([
      ["staging", false],
      ["prod-us", true],
    ]);
  });

  it("groups both a module and the module it nests, each member with its path; a root calling several modules joins several groups", () => {
    const calls = {
      "envs/staging": [local("shop", "modules/shop"), local("dns", "modules/dns")],
      "envs/prod-us": [local("shop", "modules/shop", true), local("dns", "modules/dns")],
      "modules/shop": [local("db", "modules/db")],
      "modules/db": [],
    };
    const { groups } = parityGroups({ graph: graph(calls, ["modules/shop", "modules/db", "modules/dns"]), workspaces: ENVS, config: [] });
    expect(groups.map((g) => g.name)).toEqual(["modules/db", "modules/dns", "modules/shop"]);
    expect(named(groups, "modules/db")!.members).toEqual([
      { id: "staging", workspace: "staging", root: "envs/staging", modules: [{ name: "shop" }, { name: "db" }] },
      // the repeated call above it makes the nested instance repeated too
      { id: "prod-us", workspace: "prod-us", root: "envs/prod-us", modules: [{ name: "shop" }, { name: "db" }], repeated: true },
    ]);
  });

  it("groups a module nested under a module without resources, not that wrapper", () => {
    const calls = { "envs/staging": [local("wrap", "modules/wrapper")], "envs/prod-us": [local("wrap", "modules/wrapper")], "modules/wrapper": [local("db", "modules/db")] };
    const { groups } = parityGroups({ graph: graph(calls, ["modules/db"]), workspaces: ENVS, config: [] });
    expect(groups.map((g) => [g.name, ids(g)])).toEqual([["modules/db", ["staging", "prod-us"]]]);
  });

  it("makes two members of two configured workspaces sharing one root, in config order", () => {
    const workspaces = [
      { name: "prod-us", dir: "envs/prod/" },
      { name: "prod-eu", dir: "./envs/prod" },
    ];
    const { groups } = parityGroups({ graph: graph({ "envs/prod": [local("app", "modules/app")] }, ["modules/app"]), workspaces, config: [] });
    expect(groups[0]!.members.map((m) => [m.id, m.root])).toEqual([
      ["prod-us", "envs/prod"],
      ["prod-eu", "envs/prod"],
    ]);
  });

  it("makes no group of one member, and does not loop on a module calling itself", () => {
    const calls = { "envs/staging": [local("app", "modules/app")], "modules/app": [local("self", "modules/app")] };
    expect(parityGroups({ graph: graph(calls, ["modules/app"]), workspaces: ENVS, config: [] })).toEqual({ groups: [], problems: [] });
  });

  it("says when files could not be read, since their calls are missing", () => {
    const { problems } = parityGroups({ graph: graph({}, [], ["envs/prod-eu/main.tf.json"]), workspaces: ENVS, config: [] });
    expect(problems).toEqual([expect.stringContaining("`envs/prod-eu/main.tf.json`")]);
  });
});

describe("parityGroups: configured groups", () => {
  const calls = {
    "envs/staging": [local("service", "modules/service")],
    "envs/prod-us": [local("service", "modules/service")],
    "envs/prod-eu": [local("service", "modules/service")],
  };
  const g = graph(calls, ["modules/service"]);
  const run = (config: ParityConfig[]) => parityGroups({ graph: g, workspaces: ENVS, config });

  it("compares the workspaces matching a configured group's globs whole, with the defaults plus its expected", () => {
    const { groups, problems } = run([{ name: "prod", workspaces: ["prod-*"], expected: [{ attribute: "tags.Owner" }] }]);
    expect(problems).toEqual([]);
    expect(named(groups, "prod")).toEqual({
      name: "prod",
      origin: "configured",
      members: [
        { id: "prod-us", workspace: "prod-us", root: "envs/prod-us", modules: [] },
        { id: "prod-eu", workspace: "prod-eu", root: "envs/prod-eu", modules: [] },
      ],
      expected: [...DEFAULT_EXPECTED, { attribute: "tags.Owner" }],
    });
    // the automatic group of the module is still there
    expect(groups.map((group) => group.name)).toEqual(["modules/service", "prod"]);
  });

  it("replaces the automatic group of a configured module, with its name and expected_only", () => {
    const { groups, problems } = run([{ name: "service", module: "./modules/service/", expected_only: [{ address: "aws_s3_bucket.*" }] }]);
    expect(problems).toEqual([]);
    expect(groups).toEqual([{ name: "service", origin: "configured", module: "modules/service", members: expect.any(Array), expected: [{ address: "aws_s3_bucket.*" }] }]);
    expect(ids(groups[0])).toEqual(["staging", "prod-us", "prod-eu"]);
  });

  it("finds a configured registry or git module by its source, with or without the ref", () => {
    const remoteGraph = graph({ "envs/staging": [remote("vpc", "git::https://example.com/vpc.git?ref=v2")], "envs/prod-us": [remote("vpc", "git::https://example.com/vpc.git?ref=v1")] }, []);
    for (const module of ["git::https://example.com/vpc.git", "git::https://example.com/vpc.git?ref=v9"]) {
      const { groups } = parityGroups({ graph: remoteGraph, workspaces: ENVS, config: [{ name: "vpc", module }] });
      expect(groups.map((group) => [group.name, group.origin, ids(group)])).toEqual([["vpc", "configured", ["staging", "prod-us"]]]);
    }
  });

  it("groups a configured module even when it declares no resource (the config asks for it)", () => {
    const { groups } = parityGroups({ graph: graph(calls, []), workspaces: ENVS, config: [{ name: "service", module: "modules/service" }] });
    expect(ids(groups[0])).toEqual(["staging", "prod-us", "prod-eu"]);
  });

  it("reports a configured group that finds fewer than two members instead of comparing it", () => {
    const { groups, problems } = run([
      { name: "one", workspaces: ["staging", "dev-*"] },
      { name: "none", workspaces: ["qa"] },
      { name: "ghost", module: "modules/ghost" },
    ]);
    expect(groups.map((group) => group.name)).toEqual(["modules/service"]);
    expect(problems).toEqual([
      expect.stringMatching(/^parity group `one`: its workspaces \(`staging`, `dev-\*`\) match only `staging`; .*name more workspaces or remove the group/),
      expect.stringMatching(/^parity group `none`: .*match no configured workspace/),
      expect.stringMatching(/^parity group `ghost`: no configured workspace calls module `modules\/ghost`/),
    ]);
  });

  it("reports a configured module with a single instance", () => {
    const { groups, problems } = parityGroups({ graph: graph({ "envs/staging": [local("app", "modules/app")] }, ["modules/app"]), workspaces: ENVS, config: [{ name: "app", module: "modules/app" }] });
    expect(groups).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/^parity group `app`: module `modules\/app` has only 1 instance .*`staging`/)]);
  });

  it("leaves out an automatic group whose name a configured group took, and says so", () => {
    const { groups, problems } = run([{ name: "modules/service", workspaces: ["staging", "prod-us"] }]);
    expect(groups.map((group) => [group.name, group.origin])).toEqual([["modules/service", "configured"]]);
    expect(problems).toEqual([expect.stringContaining("automatic parity group of module `modules/service` is left out")]);
  });

  it("sorts groups by name whatever the config order", () => {
    const { groups } = run([
      { name: "zeta", workspaces: ["*"] },
      { name: "alpha", workspaces: ["prod-eu", "staging"] },
    ]);
    expect(groups.map((group) => group.name)).toEqual(["alpha", "modules/service", "zeta"]);
    expect(ids(named(groups, "alpha"))).toEqual(["staging", "prod-eu"]);
  });
});

describe("withoutRef", () => {
  it("drops the ref query parameter only", () => {
    expect(withoutRef("git::https://example.com/vpc.git//modules/a?ref=v1.2.0")).toBe("git::https://example.com/vpc.git//modules/a");
    expect(withoutRef("git::https://example.com/vpc.git?depth=1&ref=v1")).toBe("git::https://example.com/vpc.git?depth=1");
    expect(withoutRef("hashicorp/consul/aws")).toBe("hashicorp/consul/aws");
  });
});
