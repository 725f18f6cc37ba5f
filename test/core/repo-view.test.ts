import { describe, expect, it } from "vitest";
import type { ModuleCall } from "../../src/core/hcl/module-calls.js";
import { describeEvaluators, RepoView, type WorkspaceRoot } from "../../src/core/repo/view.js";

const local = (name: string, dir: string, repeated = false): ModuleCall => ({ name, source: `./${dir}`, dir, repeated });

/** envs/{staging,prod} and an unconfigured envs/dev call modules/app; prod calls it twice, and modules/app calls modules/db. */
const GRAPH = new Map<string, ModuleCall[]>([
  ["envs/staging", [local("app", "modules/app")]],
  ["envs/prod", [local("blue", "modules/app"), local("green", "modules/app"), { name: "vpc", source: "terraform-aws-modules/vpc/aws", repeated: false }]],
  ["envs/dev", [local("app", "modules/app"), local("loop", "modules/loop")]],
  ["envs/batch", [local("jobs", "modules/job", true)]],
  ["modules/app", [local("db", "modules/db")]],
  ["modules/db", []],
  ["modules/job", []],
  ["modules/loop", [local("self", "modules/loop")]],
]);
const WORKSPACES: WorkspaceRoot[] = [
  { name: "staging", dir: "envs/staging", varFiles: ["../common.tfvars"] },
  { name: "prod", dir: "envs/prod/", varFiles: ["prod.tfvars", "../common.tfvars"] },
  { name: "prod-eu", dir: "./envs/prod", varFiles: ["eu.tfvars"] },
  { name: "batch", dir: "envs/batch", varFiles: [] },
];
const view = new RepoView({ calls: GRAPH }, WORKSPACES);

describe("RepoView: who evaluates which code", () => {
  it("lists every evaluation of a module: each call, each workspace, and roots no workspace plans", () => {
    const app = view.evaluatorsOf("modules/app").map((e) => `${e.workspace ?? `(${e.root})`}:${e.modules.join(".")}`);
    expect(app.sort()).toEqual(["(envs/dev):app", "prod-eu:blue", "prod-eu:green", "prod:blue", "prod:green", "staging:app"]);
    expect(view.evaluatorsOf("modules/db")).toHaveLength(6);
    expect(view.evaluatorsOf("modules/db")[0]!.modules).toEqual(["app", "db"]);
  });

  it("marks evaluations through count or for_each as repeated", () => {
    expect(view.evaluatorsOf("modules/job")).toEqual([{ workspace: "batch", root: "envs/batch", modules: ["jobs"], repeated: true }]);
  });

  it("says a dir is the drifted instance's own only when nothing else evaluates it", () => {
    expect(view.othersEvaluating("envs/staging", { workspace: "staging", modules: [] })).toBeUndefined();
    expect(view.othersEvaluating("envs/prod", { workspace: "prod", modules: [] })!.map((e) => e.workspace)).toEqual(["prod-eu"]);
    expect(view.othersEvaluating("modules/app", { workspace: "staging", modules: [{ name: "app" }] })).toHaveLength(5);
    // one instance of a for_each call shares its module with its siblings
    expect(view.othersEvaluating("modules/job", { workspace: "batch", modules: [{ name: "jobs", key: "a" }] })).toHaveLength(1);
    // a dir the view does not know is never anyone's own
    expect(view.othersEvaluating("modules/unknown", { workspace: "staging", modules: [{ name: "x" }] })).toEqual([]);
  });

  it("knows which workspaces read a file: .tf by evaluation, auto var files by dir, -var-files by name", () => {
    expect(view.readersOf("modules/db/main.tf")).toEqual(["prod", "prod-eu", "staging"]);
    expect(view.readersOf("envs/prod/terraform.tfvars")).toEqual(["prod", "prod-eu"]);
    expect(view.readersOf("envs/prod/x.auto.tfvars.json")).toEqual(["prod", "prod-eu"]);
    expect(view.readersOf("envs/prod/prod.tfvars")).toEqual(["prod"]);
    expect(view.readersOf("envs/common.tfvars")).toEqual(["prod", "staging"]);
    expect(view.othersReading("envs/prod/eu.tfvars", "prod-eu")).toBeUndefined();
    expect(view.othersReading("envs/common.tfvars", "staging")).toEqual(["prod"]);
  });

  it("does not loop on a module that calls itself", () => {
    expect(view.evaluatorsOf("modules/loop")).toEqual([{ root: "envs/dev", modules: ["loop"], repeated: false }]);
  });

  it("describes evaluators for a reason, a few by name", () => {
    expect(describeEvaluators(view.evaluatorsOf("modules/app"), 2)).toBe("`staging` (`module.app`), `prod` (`module.blue`) and 4 more");
    expect(describeEvaluators(view.evaluatorsOf("modules/job"))).toBe("`batch` (`module.jobs`, once per count/for_each instance)");
    expect(describeEvaluators([{ root: "envs/dev", modules: [], repeated: false }])).toBe("`envs/dev` (a root no configured workspace plans)");
  });
});
