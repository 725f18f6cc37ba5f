import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: `driftback --version` says which driftback this is, read from package.json when asked.
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

describe("driftback --version", () => {
  it("prints package.json's version on stdout and exits 0, nothing on stderr", async () => {
    for (const flag of ["--version", "-V"]) {
      const run = await runCli([flag]);
      expect(run).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
    }
  });

  it("is named in --help", async () => {
    const run = await runCli(["--help"]);
    expect(run.out).toMatch(/-V, --version +print driftback's version/);
  });
});
