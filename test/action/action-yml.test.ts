import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readActionInputs } from "../../src/action/inputs.js";

/**
 * Issue 17 §5: action.yml says what the entry reads and writes. Its inputs are exactly those src/action/inputs.ts
 * reads, each passed to the entry's step as INPUT_<NAME>; its outputs are exactly those run.ts writes, each taken
 * from the entry's step; the example workflows use only those inputs, set concurrency and permissions.
 */
const root = new URL("../../", import.meta.url);
const action = parse(readFileSync(new URL("action.yml", root), "utf8")) as {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; uses?: string; run?: string; env?: Record<string, string>; "working-directory"?: string }[] };
};
const inputsSource = readFileSync(new URL("src/action/inputs.ts", root), "utf8");
const runSource = readFileSync(new URL("src/action/run.ts", root), "utf8");
const entryStep = action.runs.steps.find((s) => s.id === "driftback")!;

describe("action.yml", () => {
  it("is a composite action that sets up Node 24, installs and builds from its own path, then runs lib/action/main.js", () => {
    expect(action.runs.using).toBe("composite");
    expect(action.runs.steps[0]).toMatchObject({ uses: expect.stringMatching(/^actions\/setup-node@v\d+$/) });
    const install = action.runs.steps.find((s) => s.run?.includes("npm ci"))!;
    expect(install["working-directory"]).toBe("${{ github.action_path }}");
    expect(install.env).toBeUndefined();
    // the calling step's secrets and the job's OIDC token never reach npm or an install script
    for (const line of install.run!.trim().split("\n")) expect(line).toMatch(/^env -i PATH="\$PATH" HOME="\$HOME" npm /);
    expect(install.run).toContain("--ignore-scripts");
    expect(entryStep.run).toBe('exec node "$GITHUB_ACTION_PATH/lib/action/main.js"');
  });

  it("declares exactly the inputs the entry reads, each passed as INPUT_<NAME>", () => {
    const read = new Set([...inputsSource.matchAll(/(?:input|booleanInput)\(env, "([a-z-]+)"/g)].map((m) => m[1]!));
    expect(new Set(Object.keys(action.inputs))).toEqual(read);
    for (const name of Object.keys(action.inputs)) {
      expect(entryStep.env?.[`INPUT_${name.toUpperCase().replaceAll("-", "_")}`]).toBe(`\${{ inputs.${name} }}`);
    }
    expect(action.inputs["github-token"]!.default).toBe("${{ github.token }}");
    expect(action.inputs.config!.default).toBe(".github/driftback.yml");
  });

  it("its defaults are valid inputs for the entry (with a token in place of ${{ github.token }})", () => {
    const env = Object.fromEntries(Object.entries(entryStep.env!).map(([key, value]) => {
      const name = /inputs\.([a-z-]+)/.exec(value)![1]!;
      return [key, name === "github-token" ? "ghs_x" : (action.inputs[name]!.default ?? "")];
    }));
    expect(readActionInputs(env)).toMatchObject({ configFile: "driftback.yml", workspaces: [], dryRun: false, planForks: false, botLogin: "github-actions[bot]", appId: 15368 });
  });

  it("declares exactly the outputs the entry writes, each from the entry's step", () => {
    const call = /writeOutputs\(runner\.outputPath, \{([^}]*)\}/.exec(runSource)![1]!;
    const written = [...call.matchAll(/"([a-z-]+)":/g)].map((m) => m[1]!);
    expect(Object.keys(action.outputs).sort()).toEqual(written.sort());
    for (const [name, output] of Object.entries(action.outputs)) expect(output.value).toBe(`\${{ steps.driftback.outputs.${name} }}`);
  });
});

describe("examples/workflows", () => {
  const dir = new URL("examples/workflows/", root);
  const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

  const read = (file: string) => parse(readFileSync(new URL(file, dir), "utf8")) as { permissions?: Record<string, string>; jobs: Record<string, { concurrency?: { group: string; "cancel-in-progress": boolean }; steps: { uses?: string; with?: Record<string, unknown> }[] }> };
  const driftbackStep = (file: string) => Object.values(read(file).jobs).flatMap((job) => job.steps).filter((s) => /\/driftback@/.test(s.uses ?? ""));

  it.each(files)("%s uses only the action's inputs, sets a job concurrency group and permissions, and never checks out with a persisted token", (file) => {
    const workflow = read(file);
    expect(workflow.permissions).toBeDefined();
    for (const job of Object.values(workflow.jobs)) expect(job.concurrency?.group).toMatch(/driftback-/);
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const driftback = driftbackStep(file);
    expect(driftback).toHaveLength(1);
    for (const key of Object.keys(driftback[0]!.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
    expect(steps.find((s) => s.uses?.startsWith("hashicorp/setup-terraform"))?.with?.terraform_wrapper).toBe(false);
    for (const checkout of steps.filter((s) => s.uses?.startsWith("actions/checkout"))) expect(checkout.with?.["persist-credentials"]).toBe(false);
  });

  it("all of them act as one identity: the same token, app-id and bot-login (driftback finds its dashboard, comments and pull requests by it)", () => {
    const identity = (file: string) => {
      const given = driftbackStep(file)[0]!.with ?? {};
      return [given["github-token"], given["app-id"], given["bot-login"]];
    };
    const [first, ...rest] = files.map(identity);
    expect(first!.every((value) => typeof value === "string" && value.length > 0)).toBe(true);
    for (const other of rest) expect(other).toEqual(first);
  });

  it("the scheduled scan and the commands share one concurrency group (one writer of the dashboard at a time), plans apart", () => {
    const group = (file: string) => Object.values(read(file).jobs)[0]!.concurrency!;
    expect(group("driftback-scan.yml")).toEqual({ group: "driftback-scan-${{ github.repository }}", "cancel-in-progress": false });
    expect(group("driftback-commands.yml").group).toContain("format('driftback-scan-{0}', github.repository)");
    expect(group("driftback-commands.yml").group).toContain("format('driftback-plan-{0}', github.event.issue.number)");
  });
});
