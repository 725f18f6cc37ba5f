import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/validate.js";
import { markExpected } from "../../../src/core/parity/expect-config.js";
import { parse } from "yaml";

const CONFIG = `# driftback for acme/infra
workspaces:
  - name: staging
    dir: envs/staging
  - name: prod
    dir: envs/prod # the big one
parity:
  - name: web
    workspaces: [staging, prod]
    expected:
      - { attribute: "tags.Owner" }
`;

describe("markExpected: a parity difference marked expected in .github/driftback.yml", () => {
  it("adds the glob to a configured group, keeping comments and layout, and the result validates", () => {
    const edit = markExpected(CONFIG, { name: "web", origin: "configured" }, { address: "aws_instance.web", attribute: "instance_type" });
    expect(edit.ok).toBe(true);
    if (!edit.ok) return;
    expect(edit.text).toContain("# driftback for acme/infra");
    expect(edit.text).toContain("dir: envs/prod # the big one");
    expect(edit.text).toContain('- {address: aws_instance.web, attribute: instance_type}');
    const config = validateConfig(parse(edit.text));
    expect(config.ok && config.config.parity[0]!.expected).toEqual([{ attribute: "tags.Owner" }, { address: "aws_instance.web", attribute: "instance_type" }]);
  });

  it("an automatic group gets a configured group of its own that keeps matching by its module", () => {
    const edit = markExpected(CONFIG, { name: "modules/service", origin: "automatic", module: "modules/service" }, { address: "module.shop", attribute: "pool_size" });
    expect(edit.ok).toBe(true);
    if (!edit.ok) return;
    const config = validateConfig(parse(edit.text));
    expect(config.ok && config.config.parity[1]).toEqual({ name: "modules/service", module: "modules/service", expected: [{ address: "module.shop", attribute: "pool_size" }] });
  });

  it("the same glob twice changes nothing; expected_only gets it where it is", () => {
    const once = markExpected(CONFIG, { name: "web", origin: "configured" }, { attribute: "tags.Owner" });
    expect(once.ok && once.text).toBe(CONFIG);
    const only = CONFIG.replace("expected:", "expected_only:");
    const edit = markExpected(only, { name: "web", origin: "configured" }, { attribute: "image" });
    expect(edit.ok && validateConfig(parse(edit.text))).toMatchObject({ ok: true, config: { parity: [{ expected_only: [{ attribute: "tags.Owner" }, { attribute: "image" }] }] } });
  });

  it("a config without parity gets the list; bad input is a reason, never a wrong edit", () => {
    const bare = "workspaces:\n  - name: a\n    dir: a\n";
    const edit = markExpected(bare, { name: "modules/x", origin: "automatic", module: "modules/x" }, { attribute: "size" });
    expect(edit.ok && parse(edit.text).parity).toEqual([{ name: "modules/x", module: "modules/x", expected: [{ attribute: "size" }] }]);
    expect(markExpected("workspaces: [", { name: "web", origin: "configured" }, { attribute: "x" })).toMatchObject({ ok: false, reason: expect.stringContaining("not valid YAML") });
    expect(markExpected(CONFIG, { name: "api", origin: "configured" }, { attribute: "x" })).toEqual({ ok: false, reason: "no parity group named api in the config" });
    expect(markExpected("parity: 3\n", { name: "web", origin: "configured" }, { attribute: "x" })).toMatchObject({ ok: false, reason: expect.stringContaining("not a list") });
  });
});
