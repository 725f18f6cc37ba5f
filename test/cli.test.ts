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
