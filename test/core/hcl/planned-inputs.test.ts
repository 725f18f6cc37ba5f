import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../../src/adapters/hcl/toolchain.js";
import { plannedVariablesOf, sameInput } from "../../../src/core/hcl/planned-inputs.js";
import type { DriftTarget } from "../../../src/core/hcl/resolve.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import type { JsonValue } from "../../../src/core/plan/model.js";
import { codifyDrift } from "../../../src/usecases/codify-drift.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

const VARIABLES = 'variable "replicas" {\n  type    = number\n  default = 2\n}\n';
const MAIN = 'resource "sandbox_deployment" "api" {\n  name     = "api"\n  replicas = var.replicas\n}\n';
const replicas = (live: JsonValue = 6): DriftTarget => ({ address: "sandbox_deployment.api", path: ["replicas"], live, liveResource: null, recordedResource: null, sensitive: false, managed: true });

function workspace(files: Record<string, string>, varFiles: string[] = [], planned?: Record<string, JsonValue>): HclWorkspace {
  const ws = new HclWorkspace((source) => parser.parse(source), "envs/prod", varFiles);
  for (const [file, source] of Object.entries({ "envs/prod/variables.tf": VARIABLES, "envs/prod/main.tf": MAIN, ...files })) ws.add(file, source);
  if (planned) ws.planned = plannedVariablesOf({ variables: Object.fromEntries(Object.entries(planned).map(([k, value]) => [k, { value }])) });
  return ws;
}

async function codify(ws: HclWorkspace, target = replicas()) {
  const before = new Map(ws.files().map((f) => [f, ws.source(f)]));
  const [result] = await codifyDrift({ toolchain: hclToolchain }, ws, [target]);
  const changed = ws.files().filter((f) => ws.source(f) !== before.get(f));
  return { result: result!, changed, ws };
}

describe("codify checks the plan's own variables: terraform planned with the var files it was given", () => {
  it("refuses, naming --var-file, when the team plans with a var file codify was not given; the default stays (issue 14, seen 6)", async () => {
    const { result, changed } = await codify(workspace({ "envs/prod/prod.tfvars": "replicas = 3\n", "envs/prod/staging.tfvars": "replicas = 1\n" }, [], { replicas: 3 }));
    expect(result.status).toBe("refused");
    expect(result.status === "refused" && result.reason).toBe(
      "terraform planned `var.replicas` with a value, but the code and the var files driftback read give it another (the default in `envs/prod/variables.tf`); `envs/prod/prod.tfvars` sets it: pass the var files the plan used (`--var-file prod.tfvars`; `var_files` in .github/driftback.yml) and driftback edits the value where terraform reads it, never the default.",
    );
    expect(changed).toEqual([]);
  });

  it("with that var file, edits it there", async () => {
    const { result, ws } = await codify(workspace({ "envs/prod/prod.tfvars": "replicas = 3\n" }, ["prod.tfvars"], { replicas: 3 }));
    expect(result).toMatchObject({ status: "codified", file: "envs/prod/prod.tfvars" });
    expect(ws.source("envs/prod/prod.tfvars")).toBe("replicas = 6\n");
    expect(ws.source("envs/prod/variables.tf")).toBe(VARIABLES);
  });

  it("names a JSON var file that holds the planned value, before others that set the variable", async () => {
    const { result } = await codify(workspace({ "envs/prod/a.tfvars": "replicas = 9\n", "envs/prod/prod.tfvars.json": '{"replicas": 3}' }, [], { replicas: 3 }));
    expect(result.status === "refused" && result.reason).toContain("`envs/prod/prod.tfvars.json` sets it: pass the var files the plan used (`--var-file prod.tfvars.json`;");
  });

  it.each([
    ["a default", {}],
    ["no value at all (a required variable)", { "envs/prod/variables.tf": 'variable "replicas" {\n  type = number\n}\n' }],
  ])("says TF_VAR_ or -var when no var file sets it and the code has %s", async (_name, files) => {
    const { result, changed } = await codify(workspace(files, [], { replicas: 3 }));
    expect(result.status === "refused" && result.reason).toMatch(/, and no var file in `envs\/prod` sets it: it came from `TF_VAR_replicas` or `-var`, which driftback cannot edit\. Set it in a var file passed with `--var-file`/);
    expect(changed).toEqual([]);
  });

  it.each<[string, Record<string, string>, Record<string, JsonValue>]>([
    ["the plan agrees with the default", {}, { replicas: 2 }],
    ["terraform converted the var file's string to the variable's number type", { "envs/prod/terraform.tfvars": 'replicas = "2"\n' }, { replicas: 2 }],
    ["the plan has no variables block (an older format)", {}, {}],
  ])("codifies when %s", async (_name, files, planned) => {
    const { result } = await codify(workspace(files, [], Object.keys(planned).length > 0 ? planned : undefined));
    expect(result.status).toBe("codified");
  });

  it("after a --write with the var file, a second run with the same plan says the code is up to date, not that the var file differs", async () => {
    const ws = workspace({ "envs/prod/prod.tfvars": "replicas = 3\n" }, ["prod.tfvars"], { replicas: 3 });
    expect((await codify(ws)).result.status).toBe("codified");
    expect((await codify(ws)).result.status).toBe("up-to-date");
  });

  it("the same after a --write that edited the default (the plan had no var file): up to date", async () => {
    const ws = workspace({}, [], { replicas: 2 });
    expect((await codify(ws)).result).toMatchObject({ status: "codified", file: "envs/prod/variables.tf" });
    expect((await codify(ws)).result.status).toBe("up-to-date");
  });

  it("but not when a var file codify was not given sets the planned value: the code it reads back is not what terraform uses", async () => {
    const ws = workspace({ "envs/prod/variables.tf": 'variable "replicas" {\n  default = 6\n}\n', "envs/prod/prod.tfvars": "replicas = 3\n" }, [], { replicas: 3 });
    expect((await codify(ws)).result.status).toBe("refused");
  });

  it("never shows the planned value (a variable may hold a secret)", async () => {
    const { result } = await codify(workspace({}, [], { replicas: 31337 }));
    expect(JSON.stringify(result)).not.toContain("31337");
  });

  it("compares values after terraform's conversions", () => {
    expect(sameInput("3", 3)).toBe(true);
    expect(sameInput(true, "true")).toBe(true);
    expect(sameInput({ a: 1 }, { a: 1, optional: null })).toBe(true);
    expect(sameInput({ a: 1 }, { a: 1, optional: "its default" })).toBe(true);
    expect(sameInput(["b", "a"], ["a", "b"])).toBe(true); // a set comes back sorted
    expect(sameInput({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameInput([1, 2], [1, 2, 3])).toBe(false);
    expect(sameInput({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameInput(null, "")).toBe(false);
  });
});
