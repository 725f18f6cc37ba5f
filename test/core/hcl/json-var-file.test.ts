import { beforeAll, describe, expect, it } from "vitest";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { applyEdits } from "../../../src/core/hcl/edit.js";
import { jsonAssignmentIn, jsonValueAt, parseJsonSpans, planJsonEdit, winningJsonAssignment } from "../../../src/core/hcl/json-var-file.js";
import { resolveTarget, type DriftTarget } from "../../../src/core/hcl/resolve.js";
import { HclWorkspace } from "../../../src/core/hcl/workspace.js";
import type { JsonValue, PathStep } from "../../../src/core/plan/model.js";

const edited = (source: string, name: string, steps: PathStep[], live: JsonValue): string => {
  const edit = planJsonEdit(source, name, steps, live);
  if ("refused" in edit) return `refused: ${edit.refused}`;
  return applyEdits(source, [edit]);
};

describe("JSON var files: the value's text, edited in place", () => {
  it.each<[string, string, string, PathStep[], JsonValue, string]>([
    ["a top-level scalar, the rest of the file untouched", '{\n    "size":   "small",\n  "other" : 1\n}\n', "size", [], "large", '{\n    "size":   "large",\n  "other" : 1\n}\n'],
    ["a number", '{"replicas": 2, "x": true}', "replicas", [], 6, '{"replicas": 6, "x": true}'],
    ["a key inside a multi-line map", '{\n  "env": {\n    "A": "1",\n    "B": "2"\n  }\n}\n', "env", ["B"], "3", '{\n  "env": {\n    "A": "1",\n    "B": "3"\n  }\n}\n'],
    ["a new key in a one-line map", '{"tags": {"team": "core"}}\n', "tags", ["owner"], "alice", '{"tags": {"team": "core", "owner": "alice"}}\n'],
    ["a new key in a multi-line map, at its indentation", '{\n  "env": {\n    "A": "1"\n  }\n}\n', "env", ["B"], "2", '{\n  "env": {\n    "A": "1",\n    "B": "2"\n  }\n}\n'],
    ["a new key in an empty map", '{"tags": {}}', "tags", ["a", "b"], 1, '{"tags": {"a": {"b": 1}}}'],
    ["a list element", '{"zones": ["a", "b"]}', "zones", [1], "c", '{"zones": ["a", "c"]}'],
    ["a whole multi-line object, laid out like the file", '{\n  "env": {\n    "A": "1"\n  }\n}\n', "env", [], { A: "1", B: "2" }, '{\n  "env": {\n    "A": "1",\n    "B": "2"\n  }\n}\n'],
    ["CRLF line endings kept", '{\r\n  "env": {\r\n    "A": "1"\r\n  }\r\n}\r\n', "env", ["B"], "2", '{\r\n  "env": {\r\n    "A": "1",\r\n    "B": "2"\r\n  }\r\n}\r\n'],
    ["a string terraform reads literally: ${} and quotes stay as they are", '{"motd": "hi"}', "motd", [], 'say "${x}" \\ ok', '{"motd": "say \\"${x}\\" \\\\ ok"}'],
    ["unicode and the last of a repeated key (terraform's parser refuses repeats; JSON keeps the last)", '{"a": "é", "a": "x"}', "a", [], "ü", '{"a": "é", "a": "ü"}'],
    ["a path through a scalar is refused", '{"size": "small"}', "size", ["x"], 1, "refused: `size` has no place for that key there: the value is not an object"],
    ["a variable the file does not set is refused", '{"size": "small"}', "other", [], 1, "refused: it does not set `other`"],
  ])("%s", (_name, source, name, steps, live, expected) => {
    const out = edited(source, name, steps, live);
    expect(out).toBe(expected);
    if (!out.startsWith("refused")) expect(jsonValueAt(out, name, steps)).toEqual(live);
  });

  it.each([
    ['{"a": 1,}', "line 1, column 9: expected a quoted key"],
    ['{\n  "a": tru\n}', "line 2, column 8: unexpected \"t\""],
    ['{"a": "b', 'line 1, column 7: a string is not closed'],
    ["", "line 1, column 1: the text ends where a value should be"],
    ['{"a": 1} x', "line 1, column 10: unexpected text after the value"],
  ])("says where %j stops being JSON", (source, message) => {
    expect(() => parseJsonSpans(source)).toThrow(message);
  });

  it("reads a top-level entry with its span; a file that is not an object is said so", () => {
    const source = '\ufeff{ "size": "small" }';
    expect(jsonAssignmentIn("a.json", source, "size")).toEqual({ file: "a.json", name: "size", start: 3, end: 18, value: "small" });
    expect(() => jsonAssignmentIn("a.json", "[1]", "size")).toThrow("it is not a JSON object of variable names");
  });
});

describe("var file precedence, as terraform 1.11 reads them (checked with the sandbox provider)", () => {
  let parser: HclParser;
  beforeAll(async () => {
    parser = await loadHclParser();
  });
  const workspace = (files: Record<string, string>, varFiles: string[] = []) => {
    const ws = new HclWorkspace((source) => parser.parse(source), "root", varFiles);
    for (const [file, source] of Object.entries(files)) ws.add(file, source);
    return ws;
  };
  const MAIN = 'variable "v" {\n  default = 1\n}\nresource "sandbox_deployment" "api" {\n  replicas = var.v\n}\n';
  const target: DriftTarget = { address: "sandbox_deployment.api", path: ["replicas"], live: 9, liveResource: null, recordedResource: null, sensitive: false, managed: true };
  const where = (ws: HclWorkspace) => {
    const r = resolveTarget(ws, target);
    return r.kind === "refused" ? r.reason : `${r.kind} ${"file" in r ? r.file : ""}`;
  };

  // each row adds one file; the winner is the one terraform used in the real run
  it.each<[string, Record<string, string>, string[], string]>([
    ["terraform.tfvars alone", { "root/terraform.tfvars": "v = 2\n" }, [], "literal root/terraform.tfvars"],
    ["terraform.tfvars.json over terraform.tfvars", { "root/terraform.tfvars": "v = 2\n", "root/terraform.tfvars.json": '{"v": 3}' }, [], "json root/terraform.tfvars.json"],
    ["an auto file over both", { "root/terraform.tfvars": "v = 2\n", "root/terraform.tfvars.json": '{"v": 3}', "root/a.auto.tfvars": "v = 4\n" }, [], "literal root/a.auto.tfvars"],
    ["a.auto.tfvars.json after a.auto.tfvars (name order)", { "root/terraform.tfvars.json": '{"v": 3}', "root/a.auto.tfvars": "v = 4\n", "root/a.auto.tfvars.json": '{"v": 5}' }, [], "json root/a.auto.tfvars.json"],
    ["b.auto.tfvars after a.auto.tfvars.json", { "root/a.auto.tfvars.json": '{"v": 5}', "root/b.auto.tfvars": "v = 6\n" }, [], "literal root/b.auto.tfvars"],
    ["a -var-file over every auto file", { "root/b.auto.tfvars": "v = 6\n", "root/extra.tfvars.json": '{"v": 7}' }, ["extra.tfvars.json"], "json root/extra.tfvars.json"],
    ["the last -var-file wins", { "root/one.tfvars.json": '{"v": 7}', "root/two.tfvars": "v = 8\n" }, ["one.tfvars.json", "two.tfvars"], "literal root/two.tfvars"],
    ["a var file not named is not read", { "root/prod.tfvars.json": '{"v": 7}' }, [], "literal root/main.tf"],
    ["a JSON var file that does not parse is refused by name", { "root/terraform.tfvars.json": '{"v": }' }, [], "`root/terraform.tfvars.json` is not a JSON var file driftback can read (line 1, column 7: unexpected \"}\"), so it cannot tell whether it sets `var.v`."],
  ])("%s", (_name, files, varFiles, expected) => {
    expect(where(workspace({ "root/main.tf": MAIN, ...files }, varFiles))).toBe(expected);
  });

  it("a JSON var file the winner outranks is never edited", () => {
    const ws = workspace({ "root/main.tf": MAIN, "root/terraform.tfvars.json": '{"v": 3}', "root/b.auto.tfvars": "v = 6\n" });
    expect(winningJsonAssignment(ws, "v")).toBeUndefined();
    expect(where(ws)).toBe("literal root/b.auto.tfvars");
  });
});
