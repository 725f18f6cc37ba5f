import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";

const workspaces = [{ name: "prod", dir: "infra/prod" }];

describe("backport and apply config", () => {
  it("fills the documented defaults when the sections are left out", () => {
    const result = validateConfig({ workspaces });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.backport).toEqual({
      enabled: true,
      rules: [],
      group_by: "resource",
      draft: false,
      labels: [],
      reviewers: [],
      team_reviewers: [],
      max_open: 10,
      verify: true,
      records: true,
      records_dir: ".driftback/drift",
    });
    expect(result.config.backport.base).toBeUndefined();
    expect(result.config.apply).toEqual({ on_merge: false });
  });

  it("accepts a full section, keeping rules in order and a severity list as written", () => {
    const result = validateConfig({
      workspaces,
      backport: {
        enabled: false,
        rules: [
          { taxonomy: "policy", action: "revert" },
          { attribute: "tags.*", action: "codify" },
          { workspace: "prod-*", severity: ["high", "critical"], action: "revert" },
          { type: "aws_autoscaling_group", address: "module.asg.*", action: "ignore" },
        ],
        group_by: "workspace",
        draft: true,
        labels: ["infra"],
        reviewers: ["octocat"],
        team_reviewers: ["platform-team"],
        max_open: 0,
        base: "release/2024.1",
        verify: false,
        records: false,
        records_dir: "ops/drift",
      },
      apply: { on_merge: true },
    });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.config.backport.rules.map((r) => r.action)).toEqual(["revert", "codify", "revert", "ignore"]);
    expect(result.config.backport.rules[2]!.severity).toEqual(["high", "critical"]);
    expect(result.config.backport).toMatchObject({ group_by: "workspace", max_open: 0, base: "release/2024.1", records_dir: "ops/drift" });
    expect(result.config.apply.on_merge).toBe(true);
  });

  const invalid: { name: string; backport?: unknown; apply?: unknown; path: string; message: RegExp }[] = [
    { name: "a rule with only an action", backport: { rules: [{ action: "codify" }] }, path: "backport.rules[0]", message: /needs at least one of workspace, type, address, attribute, taxonomy or severity/ },
    { name: "a rule without an action", backport: { rules: [{ type: "aws_instance" }] }, path: "backport.rules[0].action", message: /must be one of "codify", "revert", "ignore"/ },
    { name: "an unknown action", backport: { rules: [{ type: "x", action: "fix" }] }, path: "backport.rules[0].action", message: /"codify", "revert", "ignore"/ },
    { name: "an unknown severity", backport: { rules: [{ severity: "urgent", action: "revert" }] }, path: "backport.rules[0].severity", message: /"low", "medium", "high", "critical", or a list of them/ },
    { name: "an unknown taxonomy in a list", backport: { rules: [{ taxonomy: ["policy", "iam"], action: "revert" }] }, path: "backport.rules[0].taxonomy", message: /"configuration", "policy", "resource"/ },
    { name: "an unknown rule key", backport: { rules: [{ resource: "x", action: "revert" }] }, path: "backport.rules[0]", message: /unknown key `resource`/ },
    { name: "an unknown group_by", backport: { group_by: "team" }, path: "backport.group_by", message: /"resource", "workspace", "incident"/ },
    { name: "a negative max_open", backport: { max_open: -1 }, path: "backport.max_open", message: />=0/ },
    { name: "a fractional max_open", backport: { max_open: 2.5 }, path: "backport.max_open", message: /int/ },
    { name: "a base with `..`", backport: { base: "main..x" }, path: "backport.base", message: /valid branch name/ },
    { name: "a base ending in .lock", backport: { base: "main.lock" }, path: "backport.base", message: /valid branch name/ },
    { name: "a reviewer that is not a login", backport: { reviewers: ["Jane Doe"] }, path: "backport.reviewers[0]", message: /GitHub user login/ },
    { name: "a team given with its organisation", backport: { team_reviewers: ["acme/platform"] }, path: "backport.team_reviewers[0]", message: /without the organisation/ },
    { name: "a label longer than GitHub allows", backport: { labels: ["x".repeat(51)] }, path: "backport.labels[0]", message: /50/ },
    { name: "records_dir climbing out of the repository", backport: { records_dir: "../drift" }, path: "backport.records_dir", message: /stay inside the repository/ },
    { name: "an absolute records_dir", backport: { records_dir: "/var/drift" }, path: "backport.records_dir", message: /relative to the repository root/ },
    { name: "verify given as a string", backport: { verify: "yes" }, path: "backport.verify", message: /expected boolean, got string/ },
    { name: "an unknown apply key", apply: { on_merge: true, auto: true }, path: "apply", message: /unknown key `auto`/ },
  ];

  it.each(invalid)("rejects $name, naming $path", ({ backport, apply, path, message }) => {
    const result = validateConfig({ workspaces, ...(backport !== undefined ? { backport } : {}), ...(apply !== undefined ? { apply } : {}) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});
