import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliWords } from "../src/commands/cli-words.js";
import { PagerDutyMock } from "./support/incident-apis.js";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: the CLI never says "driftback tries again on the next scan": no scan comes after a CLI run.
const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Every string literal and template-literal piece of a TypeScript file (comments are not literals). */
function literals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) found.push(node.text);
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

const tsFiles = (dir: string): string[] => readdirSync(path.join(SRC, dir), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => path.join(SRC, dir, f));

describe("cliWords", () => {
  it.each([
    ["a GitHub error", "Could not open the pull request: GitHub could not be reached; driftback tries again on the next scan.", "Could not open the pull request: GitHub could not be reached; run the command again to retry."],
    ["a use case's warning", "incident lookup failed; the next scan tries again", "incident lookup failed; run the command again to retry"],
    ["a cancelled write", "the scan was cancelled before this pull request was written; retried on the next scan", "the run was cancelled before this pull request was written; run the command again to retry"],
    ["a pull request body's line", "⚠️ incident lookup failed: pagerduty: HTTP 503. The next scan tries again.", "⚠️ incident lookup failed: pagerduty: HTTP 503. Run the command again to retry."],
  ])("says %s in the CLI's words", (_name, app, cli) => expect(cliWords(app)).toBe(cli));

  it("leaves every other text alone", () => {
    expect(cliWords("Drift: 1 real (1 policy, medium), 1 noise, 0 unapplied")).toBe("Drift: 1 real (1 policy, medium), 1 noise, 0 unapplied");
  });

  it("covers every 'next scan' the CLI can print: the strings of src/adapters, src/usecases, src/core and src/commands, and the backport templates", () => {
    const texts = [...["adapters", "usecases", "core", "commands"].flatMap(tsFiles).flatMap(literals), ...["backport-body.hbs", "backport-cli.hbs"].map((f) => readFileSync(new URL(`../templates/${f}`, import.meta.url), "utf8"))];
    const sayingNextScan = texts.filter((t) => /next scan/i.test(t));
    expect(sayingNextScan.length).toBeGreaterThan(10); // the App's words are there; the CLI rewrites them
    expect(sayingNextScan.map(cliWords).filter((t) => /next scan/i.test(t))).toEqual([]);
  });
});

describe("driftback incidents when a tracker is down", () => {
  beforeEach(() => {
    nock.disableNetConnect();
    vi.stubEnv("PAGERDUTY_API_TOKEN", "pd-token");
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    vi.unstubAllEnvs();
  });

  it("says to run the command again, never that a next scan tries again", async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), "cli-words-"));
    mkdirSync(path.join(repo, ".github"));
    writeFileSync(path.join(repo, ".github", "driftback.yml"), "workspaces:\n  - name: prod\n    dir: .\nincidents:\n  pagerduty: { service_ids: [PF9KMXH] }\n");
    new PagerDutyMock().listIncidents({ status: 503, body: {} });
    const run = await runCli(["incidents", "--dir", repo, "--since", "7d"]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^driftback: pagerduty: .*HTTP 503.*; run the command again to retry\.$/m);
    expect(run.err).not.toMatch(/next scan/);
  });
});
