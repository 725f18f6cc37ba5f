import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkspace, localModuleDirs } from "../../src/adapters/hcl/load-workspace.js";
import { loadHclParser, MAX_HCL_FILE_BYTES } from "../../src/adapters/hcl/parser.js";
import { LocalFileError } from "../../src/adapters/local-file.js";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "load-ws-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const RESOURCE = 'resource "sandbox_instance" "web" {\n  size = "small"\n}\n';

describe("loadWorkspace reads files safely", () => {
  it("refuses a .tf over the size limit by name and limit, before parsing it", async () => {
    const root = tree({ "infra/main.tf": RESOURCE });
    writeFileSync(path.join(root, "infra/generated.tf"), "");
    truncateSync(path.join(root, "infra/generated.tf"), 20 * 1024 * 1024); // sparse: 20 MB on paper, nothing on disk
    const load = loadWorkspace(await loadHclParser(), root, "infra");
    await expect(load).rejects.toThrow(LocalFileError);
    await expect(loadWorkspace(await loadHclParser(), root, "infra")).rejects.toThrow(
      /^source file infra\/generated\.tf is 20\.0 MB, over driftback's limit of 2\.0 MB; split it into smaller files/,
    );
    // the process-wide parser is untouched
    expect((await loadHclParser()).parse(RESOURCE).rootNode.hasError).toBe(false);
  });

  it("follows a symbolic link to a file inside the repository", async () => {
    const root = tree({ "common/providers.tf": RESOURCE, "infra/variables.tf": 'variable "x" {}\n' });
    symlinkSync("../common/providers.tf", path.join(root, "infra/providers.tf"));
    const { workspace } = await loadWorkspace(await loadHclParser(), root, "infra");
    expect(workspace.findResource("infra", "sandbox_instance", "web")?.file).toBe("infra/providers.tf");
  });

  it("refuses, by name, a symbolic link to a file outside the repository", async () => {
    const outside = tree({ "secret.tf": 'password = "hunter2"\n' });
    const root = tree({ "infra/main.tf": RESOURCE });
    symlinkSync(path.join(outside, "secret.tf"), path.join(root, "infra/leak.tf"));
    await expect(loadWorkspace(await loadHclParser(), root, "infra")).rejects.toThrow(/^infra\/leak\.tf is a symbolic link \(or lies under one\) to a file outside .*; driftback does not follow it there/);
  });

  it("refuses a module dir that is a symbolic link to a dir outside the repository (a link above the file)", async () => {
    const outside = tree({ "main.tf": 'resource "x" "y" {}\n' });
    const root = tree({ "infra/main.tf": 'module "m" {\n  source = "./mods"\n}\n' });
    symlinkSync(outside, path.join(root, "infra/mods"));
    await expect(loadWorkspace(await loadHclParser(), root, "infra")).rejects.toThrow(/^infra\/mods\/main\.tf is a symbolic link \(or lies under one\) to a file outside/);
  });

  it("marks a file read through a link inside the repository, so it is never edited", async () => {
    const root = tree({ "common/providers.tf": RESOURCE, "infra/main.tf": 'variable "x" {}\n' });
    symlinkSync("../common/providers.tf", path.join(root, "infra/providers.tf"));
    const { workspace } = await loadWorkspace(await loadHclParser(), root, "infra");
    expect([...workspace.linked]).toEqual(["infra/providers.tf"]);
  });

  it("names a dangling symbolic link", async () => {
    const root = tree({ "infra/main.tf": RESOURCE });
    symlinkSync("nowhere.tf", path.join(root, "infra/gone.tf"));
    await expect(loadWorkspace(await loadHclParser(), root, "infra")).rejects.toThrow(/^infra\/gone\.tf is reached through a symbolic link that cannot be followed: no such file or directory; check the path \(ENOENT\)$/);
  });

  it("names a missing var file instead of a raw ENOENT", async () => {
    const root = tree({ "infra/main.tf": RESOURCE });
    await expect(loadWorkspace(await loadHclParser(), root, "infra", ["prod.tfvars"])).rejects.toThrow(/^cannot read infra\/prod\.tfvars: no such file or directory; check the path \(ENOENT\)$/);
  });

  it("lists the .tf files tree-sitter found syntax errors in", async () => {
    const root = tree({ "infra/main.tf": RESOURCE, "infra/broken.tf": 'resource "a" "b" {\n  x = \n}\n' });
    const { unparsable } = await loadWorkspace(await loadHclParser(), root, "infra");
    expect(unparsable).toEqual(["infra/broken.tf"]);
  });

  it("module discovery skips what it cannot read instead of failing a pull request's preview", async () => {
    const outside = tree({ "x.tf": RESOURCE });
    const root = tree({ "infra/main.tf": 'module "net" {\n  source = "../modules/net"\n}\n', "modules/net/main.tf": RESOURCE });
    symlinkSync(path.join(outside, "x.tf"), path.join(root, "infra/outside.tf"));
    writeFileSync(path.join(root, "infra/huge.tf"), "");
    truncateSync(path.join(root, "infra/huge.tf"), MAX_HCL_FILE_BYTES + 1);
    expect(await localModuleDirs(root, "infra")).toEqual(["modules/net"]);
  });
});
