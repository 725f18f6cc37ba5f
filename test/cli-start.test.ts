import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { demoCommand } from "../src/commands/demo.js";
import { bundledTemplates, cliTemplates } from "../src/templates.js";

// Issue 17 §2: a command loads its own dependencies when it runs; `--help` loads commander, the option parsers (src/cli-options.ts) and three small helpers.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const REGISTER = fileURLToPath(new URL("./support/loaded-modules/register.mjs", import.meta.url));

/** The project's source files and the packages a `driftback <args>` process loads. */
function loaded(args: string[]): { sources: string[]; packages: string[] } {
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), "cli-start-")), "modules.log");
  execFileSync(process.execPath, ["--import", REGISTER, "--import", "tsx", path.join(ROOT, "src/cli.ts"), ...args], { cwd: ROOT, env: { ...process.env, LOADED_MODULES_LOG: log }, stdio: ["ignore", "ignore", "pipe"] });
  const urls = [...new Set(readFileSync(log, "utf8").trim().split("\n"))];
  const sources = urls.filter((u) => u.startsWith(`file://${ROOT}src/`)).map((u) => u.slice(`file://${ROOT}`.length)).sort();
  const packages = [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))].filter((p) => p !== "tsx" && p !== "esbuild" && !p.startsWith("@esbuild")).sort();
  return { sources, packages };
}

describe("driftback loads each command's dependencies when that command runs", () => {
  it("--help loads commander and three small helpers, no command's module", () => {
    const { sources, packages } = loaded(["--help"]);
    expect(sources).toEqual(["src/cli-options.ts", "src/cli.ts", "src/commands/cli-words.ts", "src/core/printable.ts", "src/core/render/limits.ts"]);
    expect(packages).toEqual(["ansi-regex", "commander", "strip-ansi"]);
  });

  it("--version loads no more than --help: package.json is read, not imported", () => {
    expect(loaded(["--version"]).sources).toEqual(["src/cli-options.ts", "src/cli.ts", "src/commands/cli-words.ts", "src/core/printable.ts", "src/core/render/limits.ts"]);
  });

  it("preview loads neither the App's stack (Probot, BullMQ, Octokit) nor the HCL toolchain", () => {
    const { sources, packages } = loaded(["preview", path.join(ROOT, "examples/plan.json")]);
    for (const heavy of ["probot", "bullmq", "ioredis", "@octokit/rest", "@cdktf/hcl-tools", "@cdktf/hcl2json", "web-tree-sitter", "execa"]) expect(packages).not.toContain(heavy);
    // the one adapter is the bounded file reader
    expect(sources.filter((s) => s.startsWith("src/adapters/") || s.startsWith("src/usecases/") || s.startsWith("src/handlers/"))).toEqual(["src/adapters/local-file.ts"]);
  });
});

describe("the CLI's templates (each compiled on first use)", () => {
  it("render exactly what the eagerly compiled ones do", async () => {
    expect(await demoCommand(cliTemplates())).toBe(await demoCommand(bundledTemplates()));
  });
});
