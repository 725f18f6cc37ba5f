import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../src/config/schema.js";
import { parsePlan } from "../src/core/plan/parse.js";
import { Masker } from "../src/core/render/mask.js";
import { renderComment } from "../src/core/render/preview.js";
import { bundledTemplates } from "../src/templates.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("starts with the two commands: the main job and the tests", () => {
    const [, main, tests] = readme.split("\n").filter((line) => line.trim() !== "");
    expect(main).toMatch(/`npm ci && npm run demo`/);
    expect(tests).toMatch(/`npm ci && npm test`/);
  });

  it("shows the comment the CLI renders for the example plan, byte for byte", () => {
    const example = readme.split("<!-- example:start -->\n")[1]!.split("\n<!-- example:end -->")[0]!;
    const model = parsePlan(readFileSync(new URL("../examples/plan.json", import.meta.url), "utf8"));
    const rendered = renderComment(
      { results: [{ kind: "planned", name: "prod", dir: "infra/prod", terraformWorkspace: "default", tool: `terraform ${model.terraformVersion}`, model }] },
      { masker: new Masker(), templates: bundledTemplates() },
    );
    expect(example).toBe(rendered);
  });

  it("documents every configuration key", () => {
    const keys = new Set<string>();
    const walk = (schema: any) => {
      for (const [key, value] of Object.entries<any>(schema?.properties ?? {})) {
        keys.add(key);
        walk(value);
        walk(value.items);
      }
    };
    walk((configSchema as any).toJSONSchema ? (configSchema as any).toJSONSchema() : JSON.parse(readFileSync(new URL("../schema/driftback.schema.json", import.meta.url), "utf8")));
    expect(keys.size).toBeGreaterThan(15);
    for (const key of keys) expect(readme, `README's configuration reference misses \`${key}\``).toContain(key);
  });
});
