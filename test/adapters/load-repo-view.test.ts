import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRepoGraph, loadRepoView } from "../../src/adapters/hcl/load-repo-view.js";
import { loadWorkspace } from "../../src/adapters/hcl/load-workspace.js";
import { loadHclParser, type HclParser } from "../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../src/adapters/hcl/toolchain.js";
import { codifyDrift } from "../../src/usecases/codify-drift.js";

/** The repository-wide view read from a checkout (issue 14 review): links, .tf.json roots, files it cannot read. */

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

function repo(files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "repo-view-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  for (const [link, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(dir, link)), { recursive: true });
    symlinkSync(target, path.join(dir, link));
  }
  return dir;
}

const MODULE = { "modules/service/main.tf": 'resource "x_app" "a" {\n  size = "s"\n}\n' };
const WORKSPACES = [
  { name: "a", dir: "envs/a", varFiles: [] },
  { name: "b", dir: "envs/b", varFiles: [] },
];

describe("loadRepoView", () => {
  it("counts a call through a linked dir as a call of the real module, and never edits through the link", async () => {
    const dir = repo({ ...MODULE, "envs/a/main.tf": 'module "s" {\n  source = "./mods/service"\n}\n', "envs/b/main.tf": 'module "s" {\n  source = "../../modules/service"\n}\n' }, { "envs/a/mods": "../../modules" });
    const view = await loadRepoView(parser, dir, WORKSPACES);
    expect(view.readersOf("modules/service/main.tf")).toEqual(["a", "b"]);
    const { workspace: ws } = await loadWorkspace(parser, dir, "envs/a", [], { skipUnreadable: true });
    expect([...ws.linked]).toEqual(["envs/a/mods/service/main.tf"]);
    ws.scope = { view, workspace: "a" };
    const [result] = await codifyDrift({ toolchain: hclToolchain }, ws, [{ address: "module.s.x_app.a", path: ["size"], live: "l", liveResource: { size: "l" }, recordedResource: { size: "s" }, sensitive: false, managed: true }]);
    expect(result).toMatchObject({ status: "refused", reason: expect.stringContaining("`envs/a/mods/service/main.tf` is reached through a symbolic link") });
  });

  it("lists the dirs declaring resources at their real path, the dir a call through a link names", async () => {
    const dir = repo({ ...MODULE, "modules/lookup/main.tf": 'data "x_app" "a" {}\n', "envs/a/main.tf": 'module "s" {\n  source = "./mods/service"\n}\n' }, { "envs/a/mods": "../../modules" });
    const graph = await loadRepoGraph(parser, dir);
    expect([...graph.resourceDirs]).toEqual(["modules/service"]);
    expect(graph.calls.get("envs/a")![0]!.dir).toBe("modules/service");
    const view = await loadRepoView(parser, dir, WORKSPACES);
    expect([...view.graph.resourceDirs!]).toEqual(["modules/service"]);
  });

  it("reads module calls of .tf.json roots", async () => {
    const dir = repo({ ...MODULE, "envs/a/main.tf": 'module "s" {\n  source = "../../modules/service"\n}\n', "envs/b/main.tf.json": JSON.stringify({ module: { s: { source: "../../modules/service", for_each: { x: {} } } } }) });
    const view = await loadRepoView(parser, dir, WORKSPACES);
    expect(view.evaluatorsOf("modules/service").map((e) => `${e.workspace}:${e.modules.join(".")}:${e.repeated}`).sort()).toEqual(["a:s:false", "b:s:true"]);
  });

  it("makes every module's callers unknown when a file cannot be read (too large for the parser)", async () => {
    const dir = repo({ ...MODULE, "envs/a/main.tf": 'module "s" {\n  source = "../../modules/service"\n}\n', "envs/b/generated.tf": `# ${"x".repeat(2 * 1024 * 1024 + 10)}\n` });
    const view = await loadRepoView(parser, dir, WORKSPACES);
    const others = view.othersEvaluating("modules/service", { workspace: "a", modules: [{ name: "s" }] });
    expect(others).toEqual([{ root: "envs/b/generated.tf", modules: [], repeated: false, unknown: true }]);
    // a root's own dir is still its own
    expect(view.othersEvaluating("envs/a", { workspace: "a", modules: [] })).toBeUndefined();
  });
});
