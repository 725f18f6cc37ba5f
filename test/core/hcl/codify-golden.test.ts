import { cpSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codifyCommand } from "../../../src/commands/codify.js";
import { CASES_DIR, caseNames, readCase, scratchCopy, snapshot } from "../../support/codify-cases.js";

describe("codify: golden before/after workspaces", () => {
  it("has the cases the engine promises", () => {
    expect(caseNames()).toEqual(expect.arrayContaining(["literal-string", "map-keys", "absent-attribute", "nested-blocks", "var-files", "locals", "modules", "for-each", "heredoc", "crlf", "unicode-and-templates", "refusals", "set-element-moved", "absent-managed", "map-key-beside-expressions"]));
  });

  it.each(caseNames())("%s", async (name) => {
    const spec = readCase(name);
    const dir = scratchCopy(name);
    const untouched = snapshot(dir);

    const dry = await codifyCommand({ cwd: dir, dir: ".", planJson: "plan.json", varFiles: spec.var_files ?? [], write: false });
    expect(snapshot(dir), "without --write no file changes").toEqual(untouched);

    const { results } = await codifyCommand({ cwd: dir, dir: ".", planJson: "plan.json", varFiles: spec.var_files ?? [], write: true });
    expect(results.map((r) => r.status)).toEqual(dry.results.map((r) => r.status));
    for (const expected of spec.expect) {
      const result = results.find((r) => r.path === expected.path && (expected.address === undefined || r.address === expected.address));
      expect(result, `no result for ${expected.path} in ${JSON.stringify(results, null, 1)}`).toBeDefined();
      expect(result!.status, JSON.stringify(result)).toBe(expected.status);
      if (result!.status === "codified") {
        if (expected.file) expect(result!.file).toBe(expected.file);
        expect(result!.diff).toMatch(/^Index|^===|^---/m);
      } else if (result!.status === "refused") {
        expect(result!.reason).toContain(expected.reason ?? "");
        expect(result!.snippet.length).toBeGreaterThan(0);
      }
    }

    const golden = path.join(CASES_DIR, name, "after");
    if (!existsSync(golden) || process.env.UPDATE_GOLDEN === "1") {
      if (process.env.CI) throw new Error(`missing golden ${golden}`);
      mkdirSync(golden, { recursive: true });
      cpSync(dir, golden, { recursive: true, filter: (src) => path.basename(src) !== "plan.json" });
    }
    expect(snapshot(dir)).toEqual(snapshot(golden));
  });
});

describe("refusal snippets", () => {
  it("are valid HCL the reviewer can paste", async () => {
    const { parse } = await import("@cdktf/hcl2json");
    const dir = scratchCopy("refusals");
    const { results } = await codifyCommand({ cwd: dir, dir: ".", planJson: "plan.json", varFiles: [], write: false });
    const snippets = Object.fromEntries(results.map((r) => [r.path, r.status === "refused" ? r.snippet : ""]));
    expect(snippets["tags.Env"]).toBe('tags = {\n  Env = "dev"\n}');
    expect(snippets["password"]).toMatch(/^# password is sensitive/);
    for (const snippet of Object.values(snippets)) await expect(parse("snippet.tf", `${snippet}\n`), snippet).resolves.toBeTypeOf("object");
  });
});
