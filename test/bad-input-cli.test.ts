import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";
import { scratchCopy } from "./support/codify-cases.js";
import { captureOutput as capture } from "./support/run-cli.js";

/** Planted in bad files: it must never reach stdout or stderr. */
const CANARY = "hunter2-canary-7f3a";
const EXAMPLE = fileURLToPath(new URL("../examples/plan.json", import.meta.url));
const PROJECT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL("../examples", import.meta.url));
/** What terraform 1.11 prints for a state (see test/fixtures/states/README.md). */
const STATE = fileURLToPath(new URL("fixtures/states/show-json-state-tf1.11.json", import.meta.url));
const NO_STATE = fileURLToPath(new URL("fixtures/states/show-json-no-state-tf1.11.json", import.meta.url));
const STATE_ADVICE = /this is a state, not a plan: run `terraform plan -out=tfplan`, then `terraform show -json tfplan`\n$/;

let dir = "";
const at = (name: string) => path.join(dir, name);

/** The files the rows point at, made once: plans that are not plans, workspaces that are not workspaces. */
function makeCorpus(): void {
  dir = mkdtempSync(path.join(os.tmpdir(), "bad-input-"));
  const write = (name: string, content: string | Buffer) => writeFileSync(at(name), content);
  const plan = (fields: Record<string, unknown>) => JSON.stringify({ format_version: "1.2", resource_changes: [], ...fields });
  write("empty.json", "");
  write("binary.bin", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10]));
  write("planfile.tfplan", Buffer.concat([Buffer.from("PK\u0003\u0004"), Buffer.alloc(64, 1)]));
  write("array.json", "[]");
  write("number.json", "42");
  write("state.json", JSON.stringify({ version: 4, resources: [] }));
  write("version-number.json", plan({ format_version: 1.2 }));
  write("version-garbage.json", plan({ format_version: `latest-${CANARY}` }));
  write("version-99.json", readFileSync(EXAMPLE, "utf8").replace(/"format_version":\s*"[^"]*"/, '"format_version": "99.0"'));
  write("changes-object.json", plan({ resource_changes: { "aws_instance.web": {} } }));
  write("no-address.json", plan({ resource_changes: [{ change: { actions: ["update"] } }] }));
  write("deep.json", `{"format_version":"1.2","resource_changes":[{"address":"a.b","change":{"actions":["update"],"before":{},"after":{"v":${"[".repeat(5000)}1${"]".repeat(5000)}}}}]}`);
  write("utf16.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plan({}), "utf16le")]));
  write("human.txt", "Terraform used the selected providers to generate the following execution plan.\n");
  write("secrets.tfvars", `db_password = "${CANARY}"\nregion = "eu-west-1"\n`);
  write("escapes.json", `\u001b]0;owned\u0007\u001b[2J\u001b[31m${CANARY}\u001b[0m`);
  write("ansi-field.json", plan({ errored: true, checks: [{ address: { to_display: "check.\u001b[31mhealth" }, status: "fail", instances: [{ problems: [{ message: "\u001b]0;owned\u0007\u001b[2Jendpoint down" }] }] }] }));
  mkdirSync(at("a-directory.json"));
  write("huge.json", "");
  truncateSync(at("huge.json"), 600 * 1024 * 1024); // sparse: 600 MB by size, nothing on disk, never read
  execFileSync("mkfifo", [at("fifo.json")]); // reading a FIFO would wait forever
  mkdirSync(at("empty-dir"));
  write("a-file.tf", 'resource "a" "b" {}\n');
  mkdirSync(at("other-ws"));
  write("other-ws/main.tf", 'resource "null_resource" "unrelated" {}\n');
  const incident = { key: "INC-1", title: "t", url: "https://example.com/INC-1", status: "open", opened_at: "2024-05-01T01:00:00Z", resolved_at: null, text: "" };
  write("incidents-object.json", JSON.stringify({ incidents: [incident] }));
  write("incidents-no-key.json", JSON.stringify([incident, { ...incident, key: undefined }]));
  write("incidents-bad-status.json", JSON.stringify([{ ...incident, status: `closed-${CANARY}` }]));
  write("incidents-bad-time.json", JSON.stringify([{ ...incident, opened_at: "yesterday" }]));
  write("incidents-typo.json", JSON.stringify([{ ...incident, openedAt: "2024-05-01T01:00:00Z" }]));
  write("incidents-twice.json", JSON.stringify([incident, incident]));
  write("incidents-backwards.json", JSON.stringify([{ ...incident, status: "resolved", resolved_at: "2024-04-30T01:00:00Z" }]));
}

/** Workspaces for codify: a copy of a golden case with its plan.json, then broken in one way. */
function codifyWorkspace(kind: "broken" | "link-outside" | "link-inside" | "huge-tf" | "tf-json-only"): string {
  const ws = scratchCopy(kind === "broken" ? "broken-file" : "literal-string");
  if (kind === "link-outside") {
    const outside = mkdtempSync(path.join(os.tmpdir(), "outside-"));
    writeFileSync(path.join(outside, "secret.tf"), `locals {\n  password = "${CANARY}"\n}\n`);
    symlinkSync(path.join(outside, "secret.tf"), path.join(ws, "secret.tf"));
  }
  if (kind === "link-inside") {
    mkdirSync(path.join(ws, "shared"));
    writeFileSync(path.join(ws, "shared/main.tf"), readFileSync(path.join(ws, "main.tf")));
    execFileSync("rm", [path.join(ws, "main.tf")]);
    symlinkSync("shared/main.tf", path.join(ws, "main.tf"));
  }
  if (kind === "huge-tf") {
    writeFileSync(path.join(ws, "generated.tf"), "");
    truncateSync(path.join(ws, "generated.tf"), 20 * 1024 * 1024);
  }
  if (kind === "tf-json-only") {
    execFileSync("rm", [path.join(ws, "main.tf")]);
    writeFileSync(path.join(ws, "main.tf.json"), JSON.stringify({ resource: { aws_instance: { web: { ami: "ami-123" } } } }));
  }
  return ws;
}

interface Row {
  /** What is wrong, as a sentence. */
  input: string;
  argv: () => string[];
  exit: number;
  /** stderr must say this: the culprit (file, flag or field) and what is wrong. */
  stderr: RegExp;
  /** stdout must say this, when the command prints something despite the problem. */
  stdout?: RegExp;
}

const rows: Row[] = [
  // top level
  { input: "no command at all", argv: () => [], exit: 1, stderr: /Usage: driftback \[options\] \[command\]/ },
  { input: "an unknown command", argv: () => ["bogus"], exit: 1, stderr: /error: unknown command 'bogus'/ },
  { input: "an unknown command made of escape sequences", argv: () => ["\u001b[31mred\u0007"], exit: 1, stderr: /unknown command '.*red/ },
  { input: "demo with an extra argument", argv: () => ["demo", "extra"], exit: 1, stderr: /too many arguments for 'demo'/ },
  // preview
  { input: "preview without a plan file", argv: () => ["preview"], exit: 1, stderr: /missing required argument 'plan\.json'/ },
  { input: "a plan file that does not exist", argv: () => ["preview", at("missing.json")], exit: 1, stderr: /cannot read plan file .*missing\.json: no such file or directory; check the path \(ENOENT\)/ },
  { input: "a directory as the plan file", argv: () => ["preview", at("a-directory.json")], exit: 1, stderr: /plan file .*a-directory\.json is a directory; give the path of a file/ },
  { input: "a device as the plan file", argv: () => ["preview", "/dev/zero"], exit: 1, stderr: /plan file \/dev\/zero is not a regular file/ },
  { input: "a FIFO as the plan file", argv: () => ["preview", at("fifo.json")], exit: 1, stderr: /plan file .*fifo\.json is not a regular file/ },
  { input: "an empty plan file", argv: () => ["preview", at("empty.json")], exit: 1, stderr: /empty\.json is not usable plan JSON: \(document\): not valid JSON: the file is empty/ },
  { input: "a binary file", argv: () => ["preview", at("binary.bin")], exit: 1, stderr: /binary\.bin is not usable plan JSON: .*this is a binary file/ },
  { input: "the binary plan file instead of its JSON", argv: () => ["preview", at("planfile.tfplan")], exit: 1, stderr: /planfile\.tfplan .*this is a binary plan file; give the output of `terraform show -json <planfile>` instead/ },
  { input: "a JSON array instead of an object", argv: () => ["preview", at("array.json")], exit: 1, stderr: /array\.json is not usable plan JSON: \(document\): expected a JSON object .* found an array/ },
  { input: "a bare JSON number", argv: () => ["preview", at("number.json")], exit: 1, stderr: /number\.json .*found a number/ },
  { input: "a state file instead of a plan", argv: () => ["preview", at("state.json")], exit: 1, stderr: /state\.json is not usable plan JSON: \(document\): this is a state file, not a plan: run `terraform plan -out=tfplan`/ },
  { input: "`terraform show -json` of a state (no plan file)", argv: () => ["preview", STATE], exit: 1, stderr: /show-json-state-tf1\.11\.json is not usable plan JSON: \(document\): this is a state, not a plan/ },
  { input: "`terraform show -json` where nothing is applied (an empty state)", argv: () => ["preview", NO_STATE], exit: 1, stderr: /show-json-no-state-tf1\.11\.json .*this is an empty state .*, not a plan: run `terraform plan -out=tfplan`/ },
  { input: "a format_version that is a number", argv: () => ["preview", at("version-number.json")], exit: 1, stderr: /version-number\.json .*format_version: must be a string such as "1\.2", found a number/ },
  { input: "a format_version that is not a version", argv: () => ["preview", at("version-garbage.json")], exit: 1, stderr: /version-garbage\.json .*format_version: is not a version such as "1\.2"/ },
  { input: "resource_changes that is not an array", argv: () => ["preview", at("changes-object.json")], exit: 1, stderr: /changes-object\.json .*resource_changes: expected an array/ },
  { input: "a resource change without an address", argv: () => ["preview", at("no-address.json")], exit: 1, stderr: /resource_changes\[0\]\.address: missing the resource address/ },
  { input: "a value nested 5,000 levels deep", argv: () => ["preview", at("deep.json")], exit: 1, stderr: /deep\.json .*resource_changes\[0\]: nested more than 128 levels deep/ },
  { input: "a 600 MB plan file", argv: () => ["preview", at("huge.json")], exit: 1, stderr: /plan file .*huge\.json is 600\.0 MB, over driftback's limit of 500\.0 MB/ },
  { input: "a UTF-16 plan file (PowerShell's > redirect)", argv: () => ["preview", at("utf16.json")], exit: 1, stderr: /utf16\.json is UTF-16 text; save it as UTF-8/ },
  { input: "human-readable plan output instead of JSON", argv: () => ["preview", at("human.txt")], exit: 1, stderr: /human\.txt .*this is human-readable plan output/ },
  { input: "a tfvars file holding a secret", argv: () => ["preview", at("secrets.tfvars")], exit: 1, stderr: /secrets\.tfvars is not usable plan JSON: \(document\): not valid JSON \(Unexpected token 'd'\)/ },
  { input: "a file of terminal escape sequences", argv: () => ["preview", at("escapes.json")], exit: 1, stderr: /escapes\.json is not usable plan JSON: \(document\): not valid JSON \(Unexpected token '\\x1b'\)/ },
  { input: "a plan path with control characters in it", argv: () => ["preview", at("evil\u001b[2J\u0007\nname.json")], exit: 1, stderr: /cannot read plan file .*evil\\x1b\[2J\\x07/ },
  { input: "a plan whose check messages carry terminal escapes", argv: () => ["preview", at("ansi-field.json")], exit: 0, stderr: /^$/, stdout: /<code>check\.health<\/code> \(fail\): endpoint down/ },
  { input: "a plan in a format newer than driftback knows", argv: () => ["preview", at("version-99.json")], exit: 0, stderr: /^$/, stdout: /format_version is 99\.0, newer than driftback knows \(1\.x\)/ },
  { input: "--max-chars 0", argv: () => ["preview", EXAMPLE, "--max-chars", "0"], exit: 1, stderr: /option '--max-chars <n>' argument '0' is invalid\. must be a positive whole number/ },
  { input: "--max-chars -1", argv: () => ["preview", EXAMPLE, "--max-chars=-1"], exit: 1, stderr: /option '--max-chars <n>' argument '-1' is invalid/ },
  { input: "--max-chars abc", argv: () => ["preview", EXAMPLE, "--max-chars", "abc"], exit: 1, stderr: /option '--max-chars <n>' argument 'abc' is invalid/ },
  { input: "--max-chars 1e3 (not a whole number as written)", argv: () => ["preview", EXAMPLE, "--max-chars", "1e3"], exit: 1, stderr: /option '--max-chars <n>' argument '1e3' is invalid/ },
  { input: "--mask-value that is not a regular expression", argv: () => ["preview", EXAMPLE, "--mask-value", "("], exit: 1, stderr: /option '--mask-value <regex>' argument '\(' is invalid\. must be an RE2 regular expression: error parsing regexp/ },
  { input: "an unknown flag", argv: () => ["preview", EXAMPLE, "--bogus"], exit: 1, stderr: /error: unknown option '--bogus'/ },
  // drift
  { input: "drift without a plan", argv: () => ["drift"], exit: 1, stderr: /no plan given: pass the output of `terraform show -json tfplan` as <plan\.json>, or with --plan-json <plan\.json>\n$/ },
  { input: "drift on a missing plan file", argv: () => ["drift", "--plan-json", at("missing.json")], exit: 1, stderr: /cannot read --plan-json .*missing\.json: no such file or directory/ },
  { input: "drift on a directory", argv: () => ["drift", "--plan-json", at("a-directory.json")], exit: 1, stderr: /--plan-json .*a-directory\.json is a directory/ },
  { input: "drift on a value nested 5,000 levels deep", argv: () => ["drift", "--plan-json", at("deep.json")], exit: 1, stderr: /deep\.json .*nested more than 128 levels deep/ },
  { input: "drift on a 600 MB file", argv: () => ["drift", "--plan-json", at("huge.json")], exit: 1, stderr: /--plan-json .*huge\.json is 600\.0 MB, over driftback's limit of 500\.0 MB/ },
  { input: "drift on `terraform show -json` of a state", argv: () => ["drift", "--plan-json", STATE], exit: 1, stderr: STATE_ADVICE },
  { input: "drift --format bogus", argv: () => ["drift", "--plan-json", EXAMPLE, "--format", "bogus"], exit: 1, stderr: /option '--format <format>' argument 'bogus' is invalid\. Allowed choices are text, json, markdown/ },
  { input: "drift on a plan in a newer format", argv: () => ["drift", "--plan-json", at("version-99.json")], exit: 0, stderr: /^driftback: This plan's format_version is 99\.0, newer than driftback knows/, stdout: /"items"/ },
  // codify
  { input: "codify without --dir", argv: () => ["codify", "--plan-json", EXAMPLE], exit: 1, stderr: /required option '--dir <workspace>' not specified/ },
  { input: "codify --dir that does not exist", argv: () => ["codify", "--dir", at("nowhere"), "--plan-json", EXAMPLE], exit: 1, stderr: /--dir .*nowhere: no such file or directory; check the path \(ENOENT\)/ },
  { input: "codify --dir that is a file", argv: () => ["codify", "--dir", at("a-file.tf"), "--plan-json", EXAMPLE], exit: 1, stderr: /--dir .*a-file\.tf is a file, not a directory/ },
  { input: "codify --dir that is empty", argv: () => ["codify", "--dir", at("empty-dir"), "--plan-json", EXAMPLE], exit: 1, stderr: /--dir .*empty-dir has no \.tf files/ },
  { input: "codify on a .tf.json-only workspace", argv: () => { const ws = codifyWorkspace("tf-json-only"); return ["codify", "--dir", ws, "--plan-json", path.join(ws, "plan.json")]; }, exit: 1, stderr: /has no \.tf files; .*not \.tf\.json/ },
  { input: "codify on a workspace whose .tf does not parse", argv: () => { const ws = codifyWorkspace("broken"); return ["codify", "--dir", ws, "--plan-json", path.join(ws, "plan.json")]; }, exit: 1, stderr: /the workspace does not parse, so the plan cannot be from this code: \/tmp\/.*\/main\.tf:1,31-32: Unclosed configuration block/, stdout: /refused aws_instance\.web instance_type: `.*main\.tf` does not parse/ },
  { input: "codify on a .tf that links outside the workspace", argv: () => { const ws = codifyWorkspace("link-outside"); return ["codify", "--dir", ws, "--plan-json", path.join(ws, "plan.json")]; }, exit: 1, stderr: /secret\.tf is a symbolic link \(or lies under one\) to a file outside .*; driftback does not follow it there/ },
  { input: "codify on a .tf over 2 MB", argv: () => { const ws = codifyWorkspace("huge-tf"); return ["codify", "--dir", ws, "--plan-json", path.join(ws, "plan.json")]; }, exit: 1, stderr: /source file \/tmp\/.*\/generated\.tf is 20\.0 MB, over driftback's limit of 2\.0 MB; split it into smaller files/ },
  { input: "codify with a missing --plan-json", argv: () => ["codify", "--dir", codifyWorkspace("link-inside"), "--plan-json", at("missing.json")], exit: 1, stderr: /cannot read --plan-json .*missing\.json: no such file or directory/ },
  { input: "codify with a missing --var-file", argv: () => { const ws = codifyWorkspace("link-inside"); return ["codify", "--dir", ws, "--plan-json", path.join(ws, "plan.json"), "--var-file", "prod.tfvars"]; }, exit: 1, stderr: /cannot read \/tmp\/.*\/prod\.tfvars: no such file or directory/ },
  { input: "codify with a plan that is not JSON", argv: () => ["codify", "--dir", codifyWorkspace("link-inside"), "--plan-json", at("secrets.tfvars")], exit: 1, stderr: /secrets\.tfvars is not usable plan JSON/ },
  { input: "codify on `terraform show -json` of a state", argv: () => ["codify", "--dir", codifyWorkspace("link-inside"), "--plan-json", STATE], exit: 1, stderr: STATE_ADVICE },
  { input: "codify --dir of another workspace (declares none of the drifted resources)", argv: () => ["codify", "--dir", at("other-ws"), "--plan-json", EXAMPLE], exit: 1, stderr: /^driftback: --dir .*other-ws does not declare the drifted resource \(aws_security_group\.web\); give the root module directory the plan was made from\n$/ },
  { input: "codify --mask-value '['", argv: () => ["codify", "--dir", ".", "--plan-json", EXAMPLE, "--mask-value", "["], exit: 1, stderr: /option '--mask-value <regex>' argument '\[' is invalid/ },
  { input: "codify --format bogus", argv: () => ["codify", "--dir", ".", "--plan-json", EXAMPLE, "--format", "bogus"], exit: 1, stderr: /Allowed choices are text, diff, markdown, json/ },
  // scan
  { input: "scan without --dir", argv: () => ["scan"], exit: 1, stderr: /required option '--dir <workspace>' not specified/ },
  { input: "scan --dir that does not exist (not the terraform install's fault)", argv: () => ["scan", "--dir", at("missing-dir")], exit: 1, stderr: /^driftback: --dir .*missing-dir: no such file or directory; check the path \(ENOENT\)\n$/ },
  { input: "scan --dir that is a file", argv: () => ["scan", "--dir", at("a-file.tf")], exit: 1, stderr: /--dir .*a-file\.tf is a file, not a directory/ },
  { input: "scan --timeout 35792 (overflows a Node timer)", argv: () => ["scan", "--dir", dir, "--timeout", "35792"], exit: 1, stderr: /option '--timeout <minutes>' argument '35792' is invalid\. must be a whole number of minutes from 1 to 1440/ },
  { input: "scan --timeout 0", argv: () => ["scan", "--dir", dir, "--timeout", "0"], exit: 1, stderr: /argument '0' is invalid\. must be a whole number of minutes from 1 to 1440/ },
  { input: "scan --binary terragrunt", argv: () => ["scan", "--dir", dir, "--binary", "terragrunt"], exit: 1, stderr: /Allowed choices are terraform, tofu/ },
  // backport
  { input: "backport without --dir", argv: () => ["backport", "--plan-json", EXAMPLE, "--dry-run"], exit: 1, stderr: /required option '--dir <repo>' not specified/ },
  { input: "backport without --plan-json", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--dry-run"], exit: 1, stderr: /required option '--plan-json <plan\.json>' not specified/ },
  { input: "backport with neither --dry-run nor --repo", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE], exit: 1, stderr: /^driftback: give --dry-run to print the pull requests, or --repo owner\/name \(with a token in GITHUB_TOKEN\) to open them\n$/ },
  { input: "backport --repo that is not owner/name", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--repo", "https://github.com/acme/infra"], exit: 1, stderr: /--repo https:\/\/github\.com\/acme\/infra must be owner\/name, such as acme\/infra/ },
  { input: "backport --workspace where --dir has no .github/driftback.yml", argv: () => ["backport", "--dir", at("empty-dir"), "--plan-json", EXAMPLE, "--workspace", "prod", "--dry-run"], exit: 1, stderr: /--workspace prod needs .*empty-dir\/\.github\/driftback\.yml, which does not exist; leave out --workspace/ },
  { input: "backport --workspace the config does not list", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--workspace", "qa", "--dry-run"], exit: 1, stderr: /--workspace qa is not in .*\.github\/driftback\.yml \(its workspaces: prod, staging\)/ },
  { input: "backport --dir that does not exist", argv: () => ["backport", "--dir", at("missing-dir"), "--plan-json", EXAMPLE, "--dry-run"], exit: 1, stderr: /--dir .*missing-dir: no such file or directory/ },
  { input: "backport --plan-json that is a directory", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", at("a-directory.json"), "--dry-run"], exit: 1, stderr: /--plan-json .*a-directory\.json is a directory; give the path of a file/ },
  { input: "backport --plan-json that does not exist", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", at("missing.json"), "--dry-run"], exit: 1, stderr: /cannot read --plan-json .*missing\.json: no such file or directory/ },
  { input: "backport --plan-json holding a tfvars file with a secret", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", at("secrets.tfvars"), "--dry-run"], exit: 1, stderr: /--plan-json .*secrets\.tfvars is not usable plan JSON/ },
  { input: "backport --plan-json holding `terraform show -json` of a state", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", STATE, "--dry-run"], exit: 1, stderr: /--plan-json .*show-json-state-tf1\.11\.json is not usable plan JSON: \(document\): this is a state, not a plan: run `terraform plan -out=tfplan`/ },
  { input: "backport --dir of another workspace (declares none of the drifted resources)", argv: () => ["backport", "--dir", at("other-ws"), "--plan-json", path.join(EXAMPLES_DIR, "scan-plan.json"), "--dry-run"], exit: 1, stderr: /^driftback: --dir .*other-ws does not declare any of the \d+ drifted resources \(aws_\w+\.\w+, .*\); give the root module directory the plan was made from\n$/ },
  { input: "backport where .github/driftback.yml is not YAML", argv: () => ["backport", "--dir", repoWithConfig("workspaces: [\n  - name: prod"), "--plan-json", EXAMPLE, "--dry-run"], exit: 1, stderr: /\.github\/driftback\.yml is not valid YAML at line \d+, column \d+/ },
  { input: "backport where .github/driftback.yml has an unknown key", argv: () => ["backport", "--dir", repoWithConfig(`workspaces:\n  - name: prod\n    dir: .\nbackport:\n  verfy: true\n`), "--plan-json", EXAMPLE, "--workspace", "prod", "--dry-run"], exit: 1, stderr: /\.github\/driftback\.yml: backport unknown key `verfy`/ },
  { input: "backport --incidents-from holding an object, not an array", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-object.json")], exit: 1, stderr: /^driftback: --incidents-from .*incidents-object\.json must hold a JSON array of incidents, not object\n$/ },
  { input: "backport --incidents-from with an incident without a key", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-no-key.json")], exit: 1, stderr: /^driftback: --incidents-from .*incidents-no-key\.json: \[1\]\.key is missing\n$/ },
  { input: "backport --incidents-from with an unknown status", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-bad-status.json")], exit: 1, stderr: /incidents-bad-status\.json: \[0\]\.status must be "open" or "resolved"/ },
  { input: "backport --incidents-from with a time that is not ISO 8601", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-bad-time.json")], exit: 1, stderr: /incidents-bad-time\.json: \[0\]\.opened_at must be an ISO 8601 time such as 2024-05-01T02:10:00Z/ },
  { input: "backport --incidents-from with a misspelt field", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-typo.json")], exit: 1, stderr: /incidents-typo\.json: \[0\] has unknown field openedAt \(known: key, title/ },
  { input: "backport --incidents-from with one incident twice", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-twice.json")], exit: 1, stderr: /incidents-twice\.json: \[1\]\.key INC-1 appears twice/ },
  { input: "backport --incidents-from with an incident resolved before it opened", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-backwards.json")], exit: 1, stderr: /incidents-backwards\.json: \[0\]\.resolved_at must not be before opened_at/ },
  { input: "backport --incidents-from that does not exist", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("missing-incidents.json")], exit: 1, stderr: /cannot read --incidents-from .*missing-incidents\.json: no such file or directory/ },
  { input: "backport --incidents-from that is not JSON", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("secrets.tfvars")], exit: 1, stderr: /--incidents-from .*secrets\.tfvars is not JSON: give a JSON array of incidents/ },
  { input: "backport --incidents-from without --dry-run", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--repo", "acme/infra", "--incidents-from", at("incidents-twice.json")], exit: 1, stderr: /^driftback: --incidents-from works with --dry-run only: a real run reads the incident sources of \.github\/driftback\.yml\n$/ },
  { input: "backport --last-clean that is not a time", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--incidents-from", at("incidents-object.json"), "--last-clean", "last tuesday"], exit: 1, stderr: /--last-clean last tuesday must be an ISO 8601 time such as 2024-05-01T01:00:00Z/ },
  { input: "backport --last-clean without --incidents-from", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--last-clean", "2024-05-01T01:00:00Z"], exit: 1, stderr: /--last-clean goes with --incidents-from/ },
  { input: "incidents without --since", argv: () => ["incidents", "--dir", EXAMPLES_DIR], exit: 1, stderr: /required option '--since <time>' not specified/ },
  { input: "incidents --since that is not a time", argv: () => ["incidents", "--dir", EXAMPLES_DIR, "--since", `soon${CANARY}`.slice(0, 4)], exit: 1, stderr: /^driftback: --since soon must be an ISO 8601 time such as 2024-05-01T00:00:00Z, or a duration back from now such as 24h or 7d\n$/ },
  { input: "incidents --dir without .github/driftback.yml", argv: () => ["incidents", "--dir", at("empty-dir"), "--since", "24h"], exit: 1, stderr: /empty-dir\/\.github\/driftback\.yml does not exist; the incident sources are configured under incidents: there/ },
  { input: "backport --format bogus", argv: () => ["backport", "--dir", EXAMPLES_DIR, "--plan-json", EXAMPLE, "--dry-run", "--format", "bogus"], exit: 1, stderr: /Allowed choices are text, json, markdown/ },
];

/** A repository dir holding only `.github/driftback.yml` with `text`. */
function repoWithConfig(text: string): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), "bad-config-"));
  mkdirSync(path.join(repo, ".github"));
  writeFileSync(path.join(repo, ".github", "driftback.yml"), text);
  return repo;
}

/** What no bad input may print: a stack trace, a control character (other than line feed and tab), the planted secret. */
function expectClean(output: string): void {
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  expect(output).not.toContain(CANARY);
}

describe("bad input to the CLI: one clear line, the right exit code, nothing unsafe", () => {
  beforeAll(makeCorpus);
  afterEach(() => vi.restoreAllMocks());

  it("has at least 32 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(32);
  });

  it.each(rows)("$input: exits $exit and names the culprit", async (row) => {
    const argv = row.argv();
    const io = capture();
    const code = await main(["node", "driftback", ...argv]);
    vi.restoreAllMocks();
    expect({ code, stderr: io.err() }).toMatchObject({ code: row.exit });
    expect(io.err()).toMatch(row.stderr);
    if (row.stdout) expect(io.out()).toMatch(row.stdout);
    expectClean(io.out());
    expectClean(io.err());
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable plan file (chmod 000) is named with what to do (skipped as root: root reads it anyway)", async () => {
    const file = at("unreadable.json");
    writeFileSync(file, "{}");
    execFileSync("chmod", ["000", file]);
    const io = capture();
    expect(await main(["node", "driftback", "preview", file])).toBe(1);
    expect(io.err()).toMatch(/cannot read plan file .*unreadable\.json: permission denied; check the file's permissions \(EACCES\)/);
  });

  it("--help still exits 0", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "--help"])).toBe(0);
    expect(io.out()).toContain("Usage: driftback");
  });
});

/** The real binary's exit codes and bytes, through a child process (tsx runs the TypeScript entry point). */
describe("bad input to the CLI as a real process", () => {
  beforeAll(() => {
    if (!dir) makeCorpus();
  });
  const run = (args: string[]) => execa(process.execPath, ["--import", "tsx", path.join(PROJECT, "src/cli.ts"), ...args], { cwd: PROJECT, reject: false, env: { NO_COLOR: "1" } });

  it.each([
    { input: "no command", args: () => [], exit: 1, stderr: /Usage: driftback/ },
    { input: "--help", args: () => ["--help"], exit: 0, stderr: /^$/ },
    { input: "a missing plan file", args: () => ["preview", at("missing.json")], exit: 1, stderr: /^driftback: cannot read plan file .*missing\.json: no such file or directory/ },
    { input: "a file of terminal escapes", args: () => ["preview", at("escapes.json")], exit: 1, stderr: /^driftback: .*escapes\.json is not usable plan JSON/ },
    { input: "a 600 MB plan file", args: () => ["drift", "--plan-json", at("huge.json")], exit: 1, stderr: /is 600\.0 MB, over driftback's limit of 500\.0 MB/ },
    { input: "scan --timeout 35792", args: () => ["scan", "--dir", dir, "--timeout", "35792"], exit: 1, stderr: /from 1 to 1440/ },
  ])("$input: the process exits $exit", async ({ args, exit, stderr }) => {
    const result = await run(args());
    expect(result.exitCode, result.stderr).toBe(exit);
    expect(result.stderr).toMatch(stderr);
    expectClean(String(result.stdout));
    expectClean(String(result.stderr));
  });
});
