import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";
import { captureOutput as capture } from "./support/run-cli.js";

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
    expect(io.out()).toContain("<code>prod</code>");
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
    expect(io.err()).toMatch(/cannot read plan file .*missing\.json: no such file or directory; check the path \(ENOENT\)/);
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

  it("says a drift is already up to date, not refused, when run again after --write with the same plan", async () => {
    const { scratchCopy, snapshot } = await import("./support/codify-cases.js");
    const dir = scratchCopy("literal-string");
    const args = ["node", "driftback", "codify", "--dir", dir, "--plan-json", `${dir}/plan.json`];
    capture();
    expect(await main([...args, "--write"])).toBe(0);
    vi.restoreAllMocks();
    const written = snapshot(dir);

    const text = capture();
    expect(await main([...args, "--write"])).toBe(0);
    expect(text.out()).toBe("# up to date aws_instance.web instance_type (in the resource block): the code already says what is running\n# 0 codified, 1 already up to date, 0 refused\n");
    vi.restoreAllMocks();

    const json = capture();
    expect(await main([...args, "--format", "json"])).toBe(0);
    expect(JSON.parse(json.out())).toEqual({ results: [{ address: "aws_instance.web", path: "instance_type", status: "up-to-date", via: "the resource block" }] });
    expect(snapshot(dir)).toEqual(written);
  });
});

describe("driftback codify on symbolic links", () => {
  it("reads a .tf that links to a file inside the workspace, but never edits through the link (the same code may be reached another way)", async () => {
    const { scratchCopy } = await import("./support/codify-cases.js");
    const { mkdirSync, readFileSync, renameSync, symlinkSync, lstatSync } = await import("node:fs");
    const dir = scratchCopy("literal-string");
    mkdirSync(path.join(dir, "shared"));
    renameSync(path.join(dir, "main.tf"), path.join(dir, "shared/main.tf"));
    symlinkSync("shared/main.tf", path.join(dir, "main.tf"));
    const io = capture();
    expect(await main(["node", "driftback", "codify", "--dir", dir, "--plan-json", `${dir}/plan.json`, "--write"])).toBe(0);
    expect(io.out()).toMatch(/main\.tf` is reached through a symbolic link/);
    expect(io.out()).toContain("0 codified");
    expect(lstatSync(path.join(dir, "main.tf")).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, "shared/main.tf"), "utf8")).toContain('instance_type = "t3.small"');
  });
});

describe("driftback drift and scan", () => {
  it("prints {items:[...]} with the fields other tools rely on, sensitive values masked", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "drift", "--plan-json", example, "--workspace", "prod", "--format", "json"])).toBe(0);
    const { items } = JSON.parse(io.out());
    const drift = items.find((i: any) => i.class === "actionable");
    expect(drift).toMatchObject({ workspace: "prod", address: "aws_security_group.web", path: "ingress[0].cidr_blocks", class: "actionable", taxonomy: "policy", sensitive: false });
    expect(drift.after).toEqual(["10.0.0.0/16", "0.0.0.0/0"]);
    expect(items.map((i: any) => i.class)).toEqual(expect.arrayContaining(["actionable", "noise", "unapplied"]));
    expect(io.out()).not.toContain("hunter2-super-secret");
  });

  it("prints a markdown table", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "drift", "--plan-json", example, "--format", "markdown"])).toBe(0);
    expect(io.out()).toContain("| actionable | <code>aws_security_group.web</code> | <code>ingress[0].cidr_blocks</code> | policy |");
  });

  it("scan runs terraform in the directory and prints the same items", async () => {
    const { fakeTerraformEnv, fakeWorkspace } = await import("./support/fake-terraform.js");
    const { readFileSync } = await import("node:fs");
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(example, "utf8"));
    const saved = { PATH: process.env.PATH, FAKE_TERRAFORM_LOG: process.env.FAKE_TERRAFORM_LOG };
    Object.assign(process.env, { PATH: fake.env.PATH, FAKE_TERRAFORM_LOG: fake.logFile });
    const io = capture();
    try {
      expect(await main(["node", "driftback", "scan", "--dir", dir, "--binary", "tofu", "--workspace", "prod"])).toBe(0);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.FAKE_TERRAFORM_LOG === undefined) delete process.env.FAKE_TERRAFORM_LOG;
    }
    expect(JSON.parse(io.out()).items.some((i: any) => i.class === "actionable" && i.workspace === "prod")).toBe(true);
    expect(fake.calls().map((c) => `${c.bin} ${c.args[0]}`)).toEqual(["tofu init", "tofu plan", "tofu show"]);
  });

  it("scan reads a plan in a newer format and says so on stderr, keeping stdout JSON", async () => {
    const { fakeTerraformEnv, fakeWorkspace } = await import("./support/fake-terraform.js");
    const { readFileSync } = await import("node:fs");
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(example, "utf8").replace(/"format_version":\s*"[^"]*"/, '"format_version": "2.0"'));
    const saved = process.env.PATH;
    process.env.PATH = fake.env.PATH;
    const io = capture();
    try {
      expect(await main(["node", "driftback", "scan", "--dir", dir])).toBe(0);
    } finally {
      process.env.PATH = saved;
    }
    expect(io.err()).toBe("driftback: This plan's format_version is 2.0, newer than driftback knows (1.x): changes it does not recognise may be missing here; check the plan with `terraform show`.\n");
    expect(JSON.parse(io.out()).items.length).toBeGreaterThan(0);
  });

  it("scan says why when terraform fails", async () => {
    const { fakeTerraformEnv, fakeWorkspace } = await import("./support/fake-terraform.js");
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace("{}", { fail: { init: { code: 1, stderr: "Error: Failed to get existing workspaces: AccessDenied\n" } } });
    const saved = process.env.PATH;
    process.env.PATH = fake.env.PATH;
    const io = capture();
    try {
      expect(await main(["node", "driftback", "scan", "--dir", dir])).toBe(1);
    } finally {
      process.env.PATH = saved;
    }
    expect(io.err()).toMatch(/scan failed: `terraform init` exited with code 1\nError: Failed to get existing workspaces: AccessDenied/);
  });
});

describe("driftback without a command", () => {
  it("prints the help to stderr and exits 1, while --help exits 0", async () => {
    const io = capture();
    expect(await main(["node", "driftback"])).toBe(1);
    expect(io.err()).toContain("Usage: driftback [options] [command]");
    expect(await main(["node", "driftback", "--help"])).toBe(0);
    expect(io.out()).toContain("Usage: driftback [options] [command]");
  });
});

describe("driftback demo", () => {
  it("runs preview, drift and codify on the bundled example", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "demo"])).toBe(0);
    expect(io.out()).toContain("<!-- driftback:preview -->");
    expect(io.out()).toContain("| actionable | <code>aws_security_group.web</code>");
    expect(io.out()).toContain("nothing written");
  });

  it("codifies only what the backport policy codifies: the security group's 0.0.0.0/0, reverted, never becomes code", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "demo"])).toBe(0);
    const codify = io.out().split("# 3. Codify engine")[1]?.split("# 4. Backport pull requests")[0] ?? "";
    expect(codify).toContain("# codified aws_instance.web instance_type");
    expect(codify).toContain('-  instance_type = "t3.medium"\n+  instance_type = "t3.large"');
    expect(codify).toContain("# 1 codified, 0 refused");
    expect(codify).not.toContain("0.0.0.0/0");
    expect(codify).not.toContain("aws_security_group.web");
    expect(codify).not.toContain("cidr_blocks");
  });

  it("ends with a summary of each section and a pointer to the README's five steps", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "demo"])).toBe(0);
    const out = `\n${io.out()}`;
    const sections = ["# 1. Plan preview", "# 2. Drift detection", "# 3. Codify engine", "# 4. Backport pull requests", "# 5. Environment parity", "# Summary"].map((heading) => out.indexOf(`\n${heading}`));
    expect(sections.every((at, i) => at >= 0 && (i === 0 || at > sections[i - 1]!))).toBe(true);
    const summary = out.slice(sections.at(-1)!);
    for (const n of [1, 2, 3, 4, 5]) expect(summary).toMatch(new RegExp(`\\n${n}\\. `));
    expect(summary.trimEnd().split("\n").at(-1)).toContain('"Use it on your workspace" in README.md');
    expect(readFileSync(new URL("../README.md", import.meta.url), "utf8")).toMatch(/^## Use it on your workspace$/m);
  });

  it("--help names the five sections", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "demo", "--help"])).toBe(0);
    expect(io.out().replace(/\s+/g, " ")).toContain("plan preview, drift scan, codify, backport pull requests (dry run), environment parity");
  });

  it("shows the scan of main and the codify and revert pull requests a backport would open, with bodies and diffs", async () => {
    const io = capture();
    expect(await main(["node", "driftback", "demo"])).toBe(0);
    const out = io.out();
    expect(out).toContain("| actionable | <code>aws_instance.web</code> | <code>instance_type</code> | configuration | <code>t3.medium</code> | <code>t3.large</code> |");
    expect(out).toContain("| noise | <code>aws_s3_bucket.logs</code>");
    const backport = out.split("# 4. Backport pull requests")[1] ?? "";
    expect(backport).toContain("2 pull requests; nothing was sent to GitHub and no file on disk changed.");
    expect(backport).toContain("### 1. Revert drift: aws_security_group.web ingress[0].cidr_blocks (prod)");
    expect(backport).toContain("### 2. Codify drift: aws_instance.web instance_type (prod)");
    expect(backport).toContain("policy drift (security group) is reverted by default");
    expect(backport).toContain('-  instance_type = "t3.medium"\n+  instance_type = "t3.large"');
    expect(backport).toContain("+++ b/.driftback/drift/prod/");
    // the revert changes no code: the security group's cidr edit appears only in the codify engine's section
    expect(backport).not.toContain('+    cidr_blocks = ["10.0.0.0/16", "0.0.0.0/0"]');
  });
});
