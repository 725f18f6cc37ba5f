import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";

const WORKSPACES = [
  { name: "staging", dir: "envs/staging" },
  { name: "prod", dir: "envs/prod" },
];

const withParity = (parity: unknown) => validateConfig({ workspaces: WORKSPACES, parity });

describe("config: parity groups", () => {
  it("defaults to no configured group", () => {
    const result = validateConfig({ workspaces: WORKSPACES });
    expect(result.ok && result.config.parity).toEqual([]);
  });

  it("accepts groups of workspaces and of a module, with expected or expected_only", () => {
    const parity = [
      { name: "web", workspaces: ["staging", "prod-*"], expected: [{ attribute: "tags.Owner" }, { address: "module.shop", attribute: "size" }] },
      { name: "service", module: "modules/service", expected_only: [{ address: "aws_s3_bucket.*" }] },
      { name: "vpc", module: "terraform-aws-modules/vpc/aws" },
    ];
    const result = withParity(parity);
    expect(result.ok).toBe(true);
    expect(result.ok && result.config.parity).toEqual(parity);
  });

  const invalid: { name: string; parity: unknown; path: string; message: RegExp }[] = [
    { name: "neither workspaces nor module", parity: [{ name: "g" }], path: "parity[0]", message: /needs `workspaces` .* or `module`/ },
    { name: "both workspaces and module", parity: [{ name: "g", workspaces: ["a", "b"], module: "modules/x" }], path: "parity[0].module", message: /together with `workspaces`/ },
    { name: "expected with expected_only", parity: [{ name: "g", module: "modules/x", expected: [{ attribute: "a" }], expected_only: [{ attribute: "b" }] }], path: "parity[0].expected_only", message: /together with `expected`/ },
    { name: "an empty expected rule", parity: [{ name: "g", module: "modules/x", expected: [{}] }], path: "parity[0].expected[0]", message: /at least one of address or attribute/ },
    { name: "a type in an expected rule (parity has no types)", parity: [{ name: "g", module: "modules/x", expected: [{ type: "aws_instance" }] }], path: "parity[0].expected[0]", message: /unknown key `type`/ },
    { name: "an empty name", parity: [{ name: "", module: "modules/x" }], path: "parity[0].name", message: /1 character/ },
    { name: "a missing name", parity: [{ module: "modules/x" }], path: "parity[0].name", message: /required/ },
    { name: "an empty workspace list", parity: [{ name: "g", workspaces: [] }], path: "parity[0].workspaces", message: /1 item/ },
    { name: "an empty module", parity: [{ name: "g", module: "" }], path: "parity[0].module", message: /1 character/ },
    { name: "a duplicate name", parity: [{ name: "g", module: "modules/x" }, { name: "h", module: "modules/y" }, { name: "g", workspaces: ["*"] }], path: "parity[2].name", message: /duplicates the name of parity\[0\]/ },
    { name: "parity that is not a list", parity: { name: "g" }, path: "parity", message: /expected array, got object/ },
  ];

  it.each(invalid)("rejects $name, naming $path", ({ parity, path, message }) => {
    const result = withParity(parity);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});
