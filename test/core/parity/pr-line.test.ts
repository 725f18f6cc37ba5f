import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { loadWorkspace } from "../../../src/adapters/hcl/load-workspace.js";
import type { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import { declaredSides, parityLines, type GroupSides } from "../../../src/core/parity/pr-line.js";
import type { MemberValue, ParityGroup } from "../../../src/core/parity/types.js";
import { Masker } from "../../../src/core/render/mask.js";
import { renderComment } from "../../../src/core/render/preview.js";
import { bundledTemplates } from "../../../src/templates.js";

let parser: HclParser;
const roots: string[] = [];
beforeAll(async () => {
  parser = await loadHclParser();
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const MEMBERS = ["staging", "prod-us", "prod-eu"];

function moduleGroup(names: string[] = MEMBERS): ParityGroup {
  return { name: "modules/service", origin: "automatic", module: "modules/service", members: names.map((name) => ({ id: name, workspace: name, root: `envs/${name}`, modules: [{ name: "service" }] })), expected: [] };
}

async function load(files: Record<string, string>, names: string[] = MEMBERS): Promise<Map<string, HclWorkspace>> {
  const root = mkdtempSync(path.join(tmpdir(), "parity-pr-line-"));
  roots.push(root);
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  const out = new Map<string, HclWorkspace>();
  for (const name of names) out.set(name, (await loadWorkspace(parser, root, `envs/${name}`)).workspace);
  return out;
}

const SERVICE = 'variable "pool_size" {\n  default = 20\n}\nvariable "db_password" {\n  default = "base-pw-1"\n}\nresource "sandbox_deployment" "app" {\n  replicas = var.pool_size\n}\n';
const call = (extra = "") => `module "service" {\n  source = "../../modules/service"\n${extra}}\n`;
const BASE: Record<string, string> = { "modules/service/main.tf": SERVICE, "envs/staging/main.tf": call(), "envs/prod-us/main.tf": call(), "envs/prod-eu/main.tf": call() };

async function linesFor(base: Record<string, string>, head: Record<string, string>, masker = new Masker()) {
  const sides = declaredSides(moduleGroup(), moduleGroup(), { head: await load(head), base: await load(base) });
  return parityLines([sides], masker);
}

const v = (value: unknown): MemberValue => ({ value: value as never });

describe("parity lines from the base and head code of a group", () => {
  it("a value changed in one member only: that member changed, the others keep the base value", async () => {
    const view = await linesFor(BASE, { ...BASE, "envs/prod-eu/main.tf": call("  pool_size = 40\n") });
    expect(view).toEqual({
      changes: [
        {
          group: "modules/service",
          attribute: "pool_size",
          changed: { names: ["prod-eu"], others: 0 },
          kept: { names: ["staging", "prod-us"], others: 0 },
          keptMany: true,
          keptValue: "20",
          keptSensitive: false,
          keptUnset: false,
          differently: false,
        },
      ],
      aligned: [],
      more: 0,
    });
  });

  it("a module default changed for every member alike says nothing", async () => {
    expect(await linesFor(BASE, { ...BASE, "modules/service/main.tf": SERVICE.replace("default = 20", "default = 30") })).toBeUndefined();
  });

  it("a difference the base already had is not the pull request's: no line, even when the PR moves it", async () => {
    const base = { ...BASE, "envs/prod-eu/main.tf": call("  pool_size = 40\n") };
    expect(await linesFor(base, { ...base, "envs/prod-eu/main.tf": call("  pool_size = 50\n") })).toBeUndefined();
  });

  it("a difference the pull request closes is one shorter line", async () => {
    const base = { ...BASE, "envs/prod-eu/main.tf": call("  pool_size = 40\n") };
    expect(await linesFor(base, BASE)).toEqual({ changes: [], aligned: [{ group: "modules/service", attribute: "pool_size" }], more: 0 });
  });

  it("a masked input never shows the value the others keep", async () => {
    const view = await linesFor(BASE, { ...BASE, "envs/staging/main.tf": call('  db_password = "head-pw-2"\n') });
    expect(view!.changes[0]).toMatchObject({ attribute: "db_password", changed: { names: ["staging"] }, keptValue: null, keptSensitive: true, keptMany: true });
    expect(JSON.stringify(view)).not.toMatch(/pw-/);
  });

  it("two members changed to different values say so", async () => {
    const view = await linesFor(BASE, { ...BASE, "envs/prod-eu/main.tf": call("  pool_size = 40\n"), "envs/prod-us/main.tf": call("  pool_size = 50\n") });
    expect(view!.changes[0]).toMatchObject({ changed: { names: ["prod-us", "prod-eu"] }, kept: { names: ["staging"] }, keptMany: false, differently: true });
  });
});

describe("parityLines on given values", () => {
  const group = moduleGroup(["a", "b", "c"]);
  const sided = (attribute: string, base: Record<string, MemberValue>, head: Record<string, MemberValue>) => ({ resource: "module.service", attribute, base, head });

  it("an unknown member counts for neither side; an unset kept value reads as unset", () => {
    const sides: GroupSides = {
      group,
      values: [
        sided("pool_size", { a: v(1), b: v(1), c: { unknown: "function" } }, { a: v(2), b: v(1), c: { unknown: "function" } }),
        sided("tier", { a: { absent: true }, b: { absent: true }, c: { absent: true } }, { a: v("gold"), b: { absent: true }, c: { absent: true } }),
      ],
    };
    const view = parityLines([sides], new Masker())!;
    expect(view.changes.map((c) => [c.attribute, c.changed.names, c.kept.names, c.keptValue, c.keptUnset])).toEqual([
      ["pool_size", ["a"], ["b"], "1", false],
      ["tier", ["a"], ["b", "c"], null, true],
    ]);
  });

  it("caps the lines and counts the rest", () => {
    const values = Array.from({ length: 13 }, (_, i) => sided(`input_${i}`, { a: v(1), b: v(1), c: v(1) }, { a: v(2), b: v(1), c: v(1) }));
    const view = parityLines([{ group, values }], new Masker(), { max: 10 })!;
    expect(view.changes).toHaveLength(10);
    expect(view.more).toBe(3);
  });

  it("a member the base lacks is compared with the value the base members agreed on", () => {
    const view = parityLines([{ group, values: [sided("pool_size", { a: v(1), b: v(1) }, { a: v(1), b: v(1), c: v(9) })] }], new Masker())!;
    expect(view.changes[0]).toMatchObject({ changed: { names: ["c"] }, kept: { names: ["a", "b"] } });
  });

  it("a member the pull request does not touch moved with the base branch, not with the PR: no line", () => {
    const touched = new Set(["a"]);
    // the base branch set c to 2 since the PR branched: the head still has c's old value
    const baseMoved = sided("pool_size", { a: v(1), b: v(1), c: v(2) }, { a: v(1), b: v(1), c: v(1) });
    const newInC = sided("tier", { a: v(1), b: v(1), c: v(1) }, { a: v(1), b: v(1), c: v(3) });
    const newInA = sided("size", { a: v(1), b: v(1), c: v(1) }, { a: v(3), b: v(1), c: v(1) });
    const view = parityLines([{ group, values: [baseMoved, newInC, newInA] }], new Masker(), { touched })!;
    expect(view.aligned).toEqual([]);
    expect(view.changes.map((c) => c.attribute)).toEqual(["size"]);
    // without the touched workspaces every line is taken at its word
    expect(parityLines([{ group, values: [baseMoved, newInC, newInA] }], new Masker())!.changes).toHaveLength(2);
  });

  it("a group whose base side is unreadable or new says nothing", () => {
    expect(parityLines([{ group, values: [sided("pool_size", {}, { a: v(1), b: v(2), c: v(2) })] }], new Masker())).toBeUndefined();
  });
});

describe("the comment's parity section", () => {
  const templates = bundledTemplates();
  const ctx = { masker: new Masker(), templates };
  const line = (over: object = {}) => ({
    group: "modules/service",
    attribute: "pool_size",
    changed: { names: ["prod-eu"], others: 0 },
    kept: { names: ["staging", "prod-us"], others: 0 },
    keptMany: true,
    keptValue: "20",
    keptSensitive: false,
    keptUnset: false,
    differently: false,
    ...over,
  });

  it("reads as one sentence per line, near the top", () => {
    const body = renderComment({ results: [], headSha: "abcdef1234567", parity: { changes: [line()], aligned: [{ group: "modules/service", attribute: "tier" }], more: 2 } }, ctx);
    expect(body).toContain("- <code>modules/service</code>: changes <code>pool_size</code> in <code>prod-eu</code> only; <code>staging</code> and <code>prod-us</code> keep <code>20</code>\n");
    expect(body).toContain("- aligns <code>tier</code> across <code>modules/service</code>\n");
    expect(body).toContain("- and 2 more\n");
    expect(body.indexOf("Environment parity")).toBeLessThan(body.indexOf("nothing to plan"));
  });

  it("words the other shapes: several changed differently, one keeping a masked value, a long list, all changed", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
    const body = renderComment(
      {
        results: [],
        parity: {
          changes: [
            line({ changed: { names: ["a", "b"], others: 0 }, kept: { names: ["c"], others: 0 }, keptMany: false, keptValue: null, keptSensitive: true, differently: true }),
            line({ kept: { names: names(5), others: 7 } }),
            line({ changed: { names: ["a", "b", "c"], others: 0 }, kept: { names: [], others: 0 }, keptValue: null, differently: true }),
          ],
          aligned: [],
          more: 0,
        },
      },
      ctx,
    );
    expect(body).toContain("changes <code>pool_size</code> in <code>a</code> and <code>b</code>, to different values; <code>c</code> keeps (sensitive value)\n");
    expect(body).toContain("only; <code>m0</code>, <code>m1</code>, <code>m2</code>, <code>m3</code>, <code>m4</code> and 7 more keep <code>20</code>\n");
    expect(body).toContain("changes <code>pool_size</code> to different values in <code>a</code>, <code>b</code> and <code>c</code>\n");
  });

  it("escapes hostile names and values", () => {
    const body = renderComment({ results: [], parity: { changes: [line({ attribute: "x`</code>@team", keptValue: "[a](https://evil)" })], aligned: [], more: 0 } }, ctx);
    expect(body).not.toContain("</code>@team");
    expect(body).not.toContain("[a](https://evil)");
  });

  it("counts toward the comment's size limit like the rest of the comment", () => {
    const input = { results: [], parity: { changes: [line()], aligned: [], more: 0 } };
    const full = renderComment(input, ctx);
    expect(renderComment({ ...input, maxChars: full.length }, ctx)).toBe(full);
    expect(renderComment({ ...input, maxChars: full.length - 1 }, ctx)).not.toContain("Environment parity");
  });

  it("leaves the section out when there are no lines", () => {
    expect(renderComment({ results: [] }, ctx)).not.toContain("Environment parity");
  });
});

describe("parityLines bounds what the repository chooses", () => {
  it("shortens a long attribute, group and member name, so a line stays a line", () => {
    const long = "k".repeat(5_000);
    const group: ParityGroup = { name: long, origin: "configured", members: ["a", "b", long].map((id) => ({ id, workspace: id, root: id, modules: [] })), expected: [] };
    const values = [{ resource: "var", attribute: long, base: { a: v(1), b: v(1), [long]: v(1) }, head: { a: v(1), b: v(1), [long]: v(2) } }];
    const view = parityLines([{ group, values }], new Masker())!;
    expect(JSON.stringify(view).length).toBeLessThan(600);
    expect(view.changes[0]!.changed.names[0]).toMatch(/^k+…$/);
  });
});
