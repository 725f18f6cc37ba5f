import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { fakeTerraformEnv } from "../support/fake-terraform.js";

export const ACTION_TOKEN = "ghs_actiontoken0123456789abcdefABCDEF";

/** A prod workspace for the fake terraform whose plan says aws_instance.web's size was changed outside terraform. */
export const DRIFTED_PROD: Record<string, string> = {
  "prod/main.tf": 'resource "aws_instance" "web" {\n  instance_type = "t3.small"\n}\n',
  "prod/plan.json": JSON.stringify({
    format_version: "1.2",
    resource_drift: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small" }, after: { instance_type: "t3.large" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
    resource_changes: [{ address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } }],
    relevant_attributes: [{ resource: "aws_instance.web", attribute: ["instance_type"] }],
  }),
  "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
};

/**
 * A simulated GitHub Actions step: the variables the runner sets (GitHub's "default environment variables"), the
 * inputs as `INPUT_*`, the runtime's own tokens, a copy of the token under another name, and the files the runner
 * reads back (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY). Terraform is the fake one, reading the same env object the
 * Action scrubs, as the real entry's terraform reads process.env.
 */
export function simulatedStep(options: { event: string; payload: object; inputs?: Record<string, string>; repository?: string }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-action-"));
  const eventPath = path.join(dir, "event.json");
  writeFileSync(eventPath, JSON.stringify(options.payload));
  const outputPath = path.join(dir, "output");
  const summaryPath = path.join(dir, "summary.md");
  writeFileSync(outputPath, "");
  writeFileSync(summaryPath, "");
  const fake = fakeTerraformEnv();
  const env: NodeJS.ProcessEnv = {
    PATH: fake.env.PATH,
    HOME: process.env.HOME,
    FAKE_TERRAFORM_LOG: fake.env.FAKE_TERRAFORM_LOG,
    FAKE_TERRAFORM_PIDS: fake.env.FAKE_TERRAFORM_PIDS,
    DRIFTBACK_TERRAFORM_ISOLATION: "none",
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_EVENT_NAME: options.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: options.repository ?? "acme/infra",
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_ENV: path.join(dir, "env"),
    GITHUB_PATH: path.join(dir, "path"),
    GITHUB_STATE: path.join(dir, "state"),
    GITHUB_API_URL: "https://api.github.com",
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_ATTEMPT: "1",
    ACTIONS_RUNTIME_TOKEN: "runtime-secret-0123456789",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-secret-0123456789",
    ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.githubusercontent.com/oidc",
    LEAK_COPY_OF_TOKEN: `Bearer ${ACTION_TOKEN}`,
    // cloud credentials a previous step (an OIDC action) put in the job's environment: terraform needs them
    AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
    "INPUT_GITHUB-TOKEN": ACTION_TOKEN,
    INPUT_CONFIG: ".github/driftback.yml",
    ...Object.fromEntries(Object.entries(options.inputs ?? {}).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-action-scratch-"));
  const terraform = new TerraformCli({ env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
  const stdout: string[] = [];
  return {
    env,
    terraform,
    scratch,
    fake,
    stdout,
    write: (text: string) => void stdout.push(text),
    /** The outputs as the runner reads GITHUB_OUTPUT back: `name<<DELIM` / value lines / `DELIM`. */
    outputs: () => parseOutputFile(readFileSync(outputPath, "utf8")),
    summary: () => readFileSync(summaryPath, "utf8"),
  };
}

/** GITHUB_OUTPUT's format, read as the runner reads it (heredoc entries, or `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`output ${name}: no closing delimiter ${delimiter}`);
      out[name!] = value.join("\n");
    } else {
      const eq = line.indexOf("=");
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}
