import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli } from "./support/run-cli.js";

const root = new URL("../", import.meta.url).pathname;
const readme = readFileSync(path.join(root, "README.md"), "utf8");
/** The README's "Use it on your workspace" section, up to the next `## ` heading. */
const section = readme.split(/^## Use it on your workspace\n/m)[1]?.split(/^## /m)[0] ?? "";
/** The fenced blocks of that section, in order, without their fences. */
const blocks = [...section.matchAll(/^ *```(\w+)\n([\s\S]*?)^ *```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]!.replace(/^ {3}/gm, "") }));
const commands = (text: string) => text.split("\n").filter((line) => line.startsWith("$ ")).map((line) => line.slice(2).trim());

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('README: "Use it on your workspace"', () => {
  it("installs the CLI from this repository, never with npx", () => {
    expect(section).not.toBe("");
    expect(commands(blocks[0]!.text)).toEqual(["npm ci && npm run build && npm link"]);
    expect(section).toContain("`node /path/to/driftback/lib/cli.js`");
    expect(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).bin).toEqual({ driftback: "lib/cli.js" });
    // npx would fetch whatever package holds the unpublished name
    for (const file of ["README.md", ...filesUnder(path.join(root, "src")), ...filesUnder(path.join(root, "templates"))]) {
      expect(readFileSync(path.isAbsolute(file) ? file : path.join(root, file), "utf8"), file).not.toMatch(/npx\s+driftback/);
    }
  });

  it("has the five steps in order: plan, show -json, drift, codify --var-file, backport --dry-run --workspace", () => {
    const steps = commands(blocks[1]!.text);
    expect(steps).toHaveLength(5);
    expect(steps[0]).toMatch(/^terraform plan -out=tfplan\b/);
    expect(steps[1]).toBe("terraform show -json tfplan > plan.json");
    expect(steps[2]).toMatch(/^driftback drift --plan-json plan\.json\b/);
    expect(steps[3]).toMatch(/^driftback codify .*--var-file \S+/);
    expect(steps[4]).toMatch(/^driftback backport .*--workspace \S+/);
    expect(steps[4]).toMatch(/ --dry-run\b/);
    // each step is explained, in the same order
    for (const [n, start] of ["terraform plan -out=tfplan", "terraform show -json tfplan > plan.json", "driftback drift", "driftback codify --var-file …", "driftback backport --dry-run --workspace …"].entries()) {
      expect(section).toContain(`${n + 1}. \`${start}\``);
    }
  });

  it("no feature is still announced as coming next", () => {
    expect(readme).not.toMatch(/\(next\)/i);
    expect(readFileSync(path.join(root, "templates/demo.hbs"), "utf8")).not.toMatch(/\(next\)/i);
  });
});

describe("README: the five steps run as written", () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it("steps 3 to 5 work in a repository laid out as the section says, with its .github/driftback.yml", async () => {
    // steps 1 and 2 are terraform's: the bundled example's scan plan stands for their plan.json
    const repo = mkdtempSync(path.join(os.tmpdir(), "driftback-readme-"));
    const workspaceDir = path.join(repo, "infra/prod");
    mkdirSync(workspaceDir, { recursive: true });
    mkdirSync(path.join(repo, ".github"));
    copyFileSync(path.join(root, "examples/workspace/main.tf"), path.join(workspaceDir, "main.tf"));
    copyFileSync(path.join(root, "examples/scan-plan.json"), path.join(workspaceDir, "plan.json"));
    writeFileSync(path.join(workspaceDir, "prod.tfvars"), "");
    const config = blocks.find((b) => b.lang === "yaml")!.text;
    expect(parseYaml(config)).toEqual({ workspaces: [{ name: "prod", dir: "infra/prod", var_files: ["prod.tfvars"] }] });
    writeFileSync(path.join(repo, ".github/driftback.yml"), config);
    process.chdir(workspaceDir);

    const [, , drift, codify, backport] = commands(blocks[1]!.text).map((line) => line.split(/\s+/).slice(1));
    const driftRun = await runCli(drift!);
    expect(driftRun.err).toBe("");
    expect(driftRun.code).toBe(0);
    expect(driftRun.out).toContain("| actionable | <code>aws_instance.web</code> | <code>instance_type</code>");

    const codifyRun = await runCli(codify!);
    expect(codifyRun.err).toBe("");
    expect(codifyRun.code).toBe(0);
    expect(codifyRun.out).toContain('+  instance_type = "t3.large"');
    expect(codifyRun.out).toContain("nothing written (use --write)");

    const backportRun = await runCli(backport!);
    expect(backportRun.err).toBe("");
    expect(backportRun.code).toBe(0);
    expect(backportRun.out).toContain("2 pull requests; nothing was sent to GitHub and no file on disk changed.");
    expect(backportRun.out).toContain("Revert drift: aws_security_group.web");
    expect(backportRun.out).toContain("Codify drift: aws_instance.web instance_type (prod)");
    // the dry run and codify without --write changed nothing
    expect(readFileSync(path.join(workspaceDir, "main.tf"), "utf8")).toBe(readFileSync(path.join(root, "examples/workspace/main.tf"), "utf8"));
  });
});

describe("package.json engines", () => {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const installed = Object.entries<{ engines?: { node?: string } }>(lock.packages).filter(([key, p]) => key !== "" && p.engines?.node && exists(path.join(root, key)));
  const refusing = (version: string) => installed.filter(([, p]) => !satisfies(version, p.engines!.node!)).map(([key, p]) => `${key} wants node ${p.engines!.node}`);

  it("every installed package accepts the Node that runs the tests (npm ci warns EBADENGINE otherwise)", () => {
    expect(installed.length).toBeGreaterThan(50);
    expect(refusing(process.version)).toEqual([]);
  });

  it("the project's own minimum Node is one every installed package accepts", () => {
    const engines = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).engines.node as string;
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!;
    expect(refusing(`${major}.${minor}.0`)).toEqual([]);
    expect(section).toContain(`(Node\n${major}.${minor} or later)`);
  });

  it("reads the engine ranges the lock file uses", () => {
    expect(satisfies("v20.19.0", "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies("20.18.0", "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies("22.1.0", "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies("20.20.2", ">=22")).toBe(false);
    expect(satisfies("20.20.2", ">= 20")).toBe(true);
    expect(satisfies("19.0.0", ">=18.20.0 <20 || >=20.12.1")).toBe(true);
    expect(satisfies("20.1.0", ">=18.20.0 <20 || >=20.12.1")).toBe(false);
    expect(satisfies("20.0.0", "6.* || 8.* || >= 10.*")).toBe(true);
    expect(satisfies("7.0.0", "6.* || 8.* || >= 10.*")).toBe(false);
    expect(satisfies("20.0.0", "*")).toBe(true);
  });
});

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** npm's `engines` ranges as the lock file has them: `||` of comparators (>=, >, <, <=, ^, =, x-ranges such as `6.*`). */
function satisfies(version: string, range: string): boolean {
  const v = version.replace(/^v/, "").split(".").map(Number);
  return range.split("||").some((alternative) =>
    alternative.trim().replace(/([<>=^~]+)\s+/g, "$1").split(/\s+/).filter(Boolean).every((comparator) => matches(v, comparator)),
  );
}

function matches(v: number[], comparator: string): boolean {
  const m = /^(>=|<=|>|<|=|\^)?v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(comparator);
  if (!m) throw new Error(`an engines range this test does not read: ${comparator}`);
  const op = m[1] ?? "=";
  const parts = [m[2], m[3], m[4]].map((x) => (x === undefined || x === "x" || x === "*" ? undefined : Number(x)));
  const given = parts.findIndex((x) => x === undefined);
  const length = given === -1 ? 3 : given;
  if (length === 0) return true;
  const low = parts.map((x) => x ?? 0);
  // the first version above a partial one (20.x -> 21.0.0), or above the caret's range (^20.19.0 -> 21.0.0)
  const next = (upTo: number) => low.map((x, i) => (i < upTo - 1 ? x : i === upTo - 1 ? x + 1 : 0));
  const cmp = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!).find((d) => d !== 0) ?? 0;
  switch (op) {
    case ">=":
      return cmp(v, low) >= 0;
    case ">":
      return length === 3 ? cmp(v, low) > 0 : cmp(v, next(length)) >= 0;
    case "<":
      return cmp(v, low) < 0;
    case "<=":
      return length === 3 ? cmp(v, low) <= 0 : cmp(v, next(length)) < 0;
    case "^":
      if (low[0] === 0) throw new Error(`an engines range this test does not read: ${comparator}`);
      return cmp(v, low) >= 0 && cmp(v, next(1)) < 0;
    default:
      return length === 3 ? cmp(v, low) === 0 : cmp(v, low) >= 0 && cmp(v, next(length)) < 0;
  }
}
