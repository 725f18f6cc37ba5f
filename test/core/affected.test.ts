import { describe, expect, it } from "vitest";
import type { WorkspaceConfig } from "../../src/config/schema.js";
import { affectedWorkspaces } from "../../src/core/workspaces/affected.js";

const ws = (name: string, dir: string, extra: Partial<WorkspaceConfig> = {}): WorkspaceConfig => ({
  name,
  dir,
  workspace: "default",
  var_files: [],
  backend_config: [],
  autoplan: [],
  tier: "dev",
  ...extra,
});

const footprints = [
  { workspace: ws("prod", "infra/prod", { var_files: ["../../shared/prod.tfvars"] }), moduleDirs: ["modules/net"] },
  { workspace: ws("staging", "infra/staging", { autoplan: ["policies/**/*.rego"] }), moduleDirs: [] },
  { workspace: ws("infra-root", "infra"), moduleDirs: [] },
];

describe("affectedWorkspaces", () => {
  const cases: [string, string[], string[]][] = [
    ["a file in the workspace dir", ["infra/prod/main.tf"], ["prod"]],
    ["a file in a local module the workspace calls", ["modules/net/vpc.tf"], ["prod"]],
    ["a var file the workspace names, outside its dir", ["shared/prod.tfvars"], ["prod"]],
    ["a file matching an autoplan glob", ["policies/deny/ingress.rego"], ["staging"]],
    ["documentation only", ["infra/prod/README.md"], []],
    ["a nested workspace dir claims its own files", ["infra/staging/main.tf"], ["staging"]],
    ["the parent dir keeps files outside nested workspaces", ["infra/versions.tf"], ["infra-root"]],
    ["an unrelated file", ["src/app.ts"], []],
  ];
  it.each(cases)("%s", (_name, files, expected) => {
    expect(affectedWorkspaces(files, footprints).map((w) => w.name)).toEqual(expected);
  });

  it("plans every workspace that shares a dir", () => {
    const shared = [
      { workspace: ws("prod", "stack", { workspace: "prod" }), moduleDirs: [] },
      { workspace: ws("dev", "stack", { workspace: "dev" }), moduleDirs: [] },
    ];
    expect(affectedWorkspaces(["stack/main.tf"], shared).map((w) => w.name)).toEqual(["prod", "dev"]);
  });

  it("treats dir '.' as the whole repository", () => {
    expect(affectedWorkspaces(["main.tf"], [{ workspace: ws("root", "."), moduleDirs: [] }]).map((w) => w.name)).toEqual(["root"]);
  });
});
