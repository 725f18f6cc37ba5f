import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configFromAtlantis } from "../../src/config/atlantis.js";
import { configJsonSchema } from "../../src/config/json-schema.js";
import { durationToMs } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";

describe("validateConfig", () => {
  it("fills defaults for a minimal config", () => {
    const result = validateConfig({ workspaces: [{ name: "prod", dir: "infra/prod" }] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      binary: "terraform",
      parallelism: 4,
      plan: { timeout: "20m", forks: "comment-only", drafts: true },
      mask: { attributes: [], values: [] },
    });
    expect(result.config.workspaces[0]).toEqual({ name: "prod", dir: "infra/prod", workspace: "default", var_files: [], backend_config: [], autoplan: [], tier: "dev" });
  });

  const invalid: { name: string; raw: unknown; path: string; message: RegExp }[] = [
    { name: "unknown top-level key", raw: { workspaces: [{ name: "a", dir: "." }], paralelism: 2 }, path: "(top level)", message: /unknown key `paralelism`/ },
    { name: "unknown workspace key", raw: { workspaces: [{ name: "a", dir: ".", varfiles: [] }] }, path: "workspaces[0]", message: /unknown key `varfiles`/ },
    { name: "wrong type", raw: { parallelism: "four", workspaces: [{ name: "a", dir: "." }] }, path: "parallelism", message: /expected number, got string/ },
    { name: "absolute dir", raw: { workspaces: [{ name: "a", dir: "/etc" }] }, path: "workspaces[0].dir", message: /relative to the repository root/ },
    { name: "dir climbing out", raw: { workspaces: [{ name: "a", dir: "../other" }] }, path: "workspaces[0].dir", message: /stay inside the repository/ },
    { name: "var file climbing out of the repo", raw: { workspaces: [{ name: "a", dir: "infra", var_files: ["../../x.tfvars"] }] }, path: "workspaces[0].var_files[0]", message: /stay inside the repository/ },
    { name: "bad tier", raw: { workspaces: [{ name: "a", dir: ".", tier: "production" }] }, path: "workspaces[0].tier", message: /"dev", "staging", "prod", "shared"/ },
    { name: "bad binary", raw: { binary: "terragrunt", workspaces: [{ name: "a", dir: "." }] }, path: "binary", message: /"terraform", "tofu"/ },
    { name: "bad duration", raw: { plan: { timeout: "20 minutes" }, workspaces: [{ name: "a", dir: "." }] }, path: "plan.timeout", message: /duration/ },
    { name: "bad mask regex", raw: { mask: { values: ["(unclosed"] }, workspaces: [{ name: "a", dir: "." }] }, path: "mask.values[0]", message: /"\(unclosed" is not a usable pattern: error parsing regexp/ },
    { name: "mask pattern with a lookahead (RE2 has none)", raw: { mask: { values: ["AKIA(?=X)"] }, workspaces: [{ name: "a", dir: "." }] }, path: "mask.values[0]", message: /"AKIA\(\?=X\)" is not a usable pattern: .*no lookahead/ },
    { name: "missing workspaces", raw: {}, path: "workspaces", message: /required/ },
    { name: "duplicate workspace names", raw: { workspaces: [{ name: "a", dir: "x" }, { name: "a", dir: "y" }] }, path: "workspaces[1].name", message: /duplicates the name of workspaces\[0\]/ },
  ];

  it.each(invalid)("rejects $name, naming $path", ({ raw, path, message }) => {
    const result = validateConfig(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(issue!.fix.length).toBeGreaterThan(5);
  });
});

describe("configFromAtlantis", () => {
  it("maps projects to workspaces with root-relative autoplan globs", () => {
    const atlantis = parseYaml(`
version: 3
projects:
  - dir: infra/prod
    workspace: prod
    autoplan:
      when_modified: ["*.tf", "../modules/**/*.tf"]
  - name: staging
    dir: infra/staging
  - dir: infra/prod
    workspace: prod
`);
    const result = validateConfig(configFromAtlantis(atlantis), "atlantis.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.workspaces.map((w) => [w.name, w.dir, w.workspace])).toEqual([
      ["infra-prod-prod", "infra/prod", "prod"],
      ["staging", "infra/staging", "default"],
      ["infra-prod-prod-2", "infra/prod", "prod"],
    ]);
    expect(result.config.workspaces[0]!.autoplan).toEqual(["infra/prod/*.tf", "infra/modules/**/*.tf"]);
  });

  it("gives an empty workspace list (and so a clear error) for a file without projects", () => {
    const result = validateConfig(configFromAtlantis({ version: 3 }), "atlantis.yaml");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]!.path).toBe("workspaces");
  });
});

describe("schema/driftback.schema.json", () => {
  it("is in sync with the zod schema (run `npm run schema:generate` after changing it)", () => {
    const committed = readFileSync(new URL("../../schema/driftback.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(configJsonSchema());
  });
});

describe("durationToMs", () => {
  it.each([["90s", 90_000], ["20m", 1_200_000], ["1h", 3_600_000], ["250ms", 250]])("%s is %d ms", (text, ms) => {
    expect(durationToMs(text)).toBe(ms);
  });
});
