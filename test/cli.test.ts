import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";

function capture() {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: any) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: any) => ((stderr += String(chunk)), true));
  return { out: () => stdout, err: () => stderr };
}

afterEach(() => vi.restoreAllMocks());
const example = new URL("../examples/plan.json", import.meta.url).pathname;

describe("driftback preview", () => {
  it("has --help that exits 0", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "preview", "--help"])).toBe(0);
    expect(io.out()).toContain("--max-chars <n>");
  });

  it("prints the comment markdown for a plan file", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "preview", example, "--workspace", "prod"])).toBe(0);
    expect(io.out()).toMatch(/^<!-- driftback:preview -->/);
    expect(io.out()).toContain("`prod`");
    expect(io.out()).not.toContain("hunter2-super-secret");
  });

  it("honours --max-chars", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "preview", example, "--max-chars", "1500"])).toBe(0);
    expect(io.out().length).toBeLessThanOrEqual(1500);
  });

  it("names the file and the problem when the input is not a plan", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cli-"));
    const bad = path.join(dir, "state.json");
    writeFileSync(bad, '{"version": 4}');
    const io = capture();
    expect(await main(["node", "driftback", "preview", bad])).toBe(1);
    expect(io.err()).toMatch(/format_version: missing/);
    expect(await main(["node", "driftback", "preview", path.join(dir, "missing.json")])).toBe(1);
    expect(io.err()).toMatch(/cannot read .*missing\.json: ENOENT/);
  });

  it("rejects a bad --max-chars with a clear message", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "preview", example, "--max-chars", "lots"])).toBe(1);
    expect(io.err()).toMatch(/--max-chars.*must be a positive whole number/);
  });
});

describe("driftback codify", () => {
  it("prints one JSON object with a result per actionable drift, and writes nothing without --write", async () => {
    const { scratchCopy, snapshot } = await import("./support/codify-cases.js");
    const dir = scratchCopy("refusals");
    const before = snapshot(dir);
    const io = capture();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await main(["node", "driftback", "codify", "--dir", ".", "--plan-json", "plan.json", "--format", "json"])).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    const parsed = JSON.parse(io.out());
    expect(parsed.results.length).toBeGreaterThan(3);
    for (const result of parsed.results) {
      expect(result).toHaveProperty("address");
      expect(result).toHaveProperty("path");
      expect(["codified", "refused"]).toContain(result.status);
      if (result.status === "refused") expect(typeof result.reason).toBe("string");
    }
    expect(JSON.stringify(parsed)).not.toContain('"b"'); // the sensitive password's live value
    expect(snapshot(dir)).toEqual(before);
  });

  it("prints unified diffs and applies them with --write", async () => {
    const { scratchCopy, snapshot } = await import("./support/codify-cases.js");
    const dir = scratchCopy("literal-string");
    const io = capture();
    expect(await main(["node", "driftback", "codify", "--dir", dir, "--plan-json", `${dir}/plan.json`, "--write"])).toBe(0);
    expect(io.out()).toMatch(/^-  instance_type = "t3.small"$/m);
    expect(io.out()).toMatch(/^\+  instance_type = "t3.large"$/m);
    expect(io.out()).toContain("1 codified, 0 refused; files written");
    expect(snapshot(dir).get("main.tf")).toContain('instance_type = "t3.large"');
  });
});
