import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { cliTerraform, TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { terraformEnv } from "../../src/adapters/terraform/env.js";
import { bwrapArgs, checkoutRoot, detectIsolation, isolationReport, unsafeBind, type IsolationStatus } from "../../src/adapters/terraform/sandbox.js";
import { createDriftbackApp } from "../../src/index.js";

const SPEC = {
  binary: "/opt/tf/terraform",
  cwd: "/scratch/driftback-src-a/infra",
  writable: ["/scratch/driftback-src-a", "/scratch/driftback-run-1"],
  readOnly: ["/scratch/plugin-cache/slot-0"],
  system: [{ kind: "symlink" as const, path: "/lib", target: "usr/lib" }, { kind: "ro-bind" as const, path: "/usr" }],
  args: ["plan", "-out=/scratch/driftback-run-1/tfplan"],
};
const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [`${args[i + 1]} -> ${args[i + 2]}`] : []));

describe("bwrapArgs", () => {
  it("gives terraform its own PID, user, IPC and UTS namespaces, a fresh /proc, no capabilities, and dies with driftback", () => {
    const args = bwrapArgs(SPEC);
    for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]) expect(args).toContain(flag);
    // terraform stays in driftback's process group, so a timeout's SIGTERM reaches it (see the graceful-stop test)
    expect(args).not.toContain("--new-session");
    expect(args.join(" ")).toContain("--cap-drop ALL");
    expect(args.join(" ")).toContain("--proc /proc");
    expect(args).not.toContain("--unshare-net"); // providers need the network
    expect(args).not.toContain("--share-net");
  });

  it("binds only the system dirs, the binary, the cache read-only and the run's own checkout and scratch writable", () => {
    const args = bwrapArgs(SPEC);
    expect(pairs(args, "--bind")).toEqual(["/scratch/driftback-src-a -> /scratch/driftback-src-a", "/scratch/driftback-run-1 -> /scratch/driftback-run-1"]);
    expect(pairs(args, "--ro-bind-try")).toEqual(["/usr -> /usr", "/scratch/plugin-cache/slot-0 -> /scratch/plugin-cache/slot-0"]);
    expect(pairs(args, "--ro-bind")).toEqual(["/opt/tf/terraform -> /opt/tf/terraform"]);
    expect(pairs(args, "--symlink")).toEqual(["usr/lib -> /lib"]);
    // no bind of / (driftback's dir, /proc of the host, other checkouts)
    expect(args.filter((a) => a === "/")).toEqual([]);
    expect(args.slice(args.indexOf("--chdir"))).toEqual(["--chdir", SPEC.cwd, "--", "/opt/tf/terraform", "plan", "-out=/scratch/driftback-run-1/tfplan"]);
  });

  it("does not bind a binary under /usr twice, and carries no environment value on its command line", () => {
    const args = bwrapArgs({ ...SPEC, binary: "/usr/local/bin/terraform" });
    expect(pairs(args, "--ro-bind")).toEqual([]);
    expect(args).not.toContain("--setenv");
  });
});

describe("what terraform may be given", () => {
  it("refuses a bind holding the App's key file, or the whole filesystem", () => {
    expect(unsafeBind({ writable: ["/srv"], readOnly: [] }, ["/srv/keys/app.pem"])).toContain("/srv/keys/app.pem");
    expect(unsafeBind({ writable: [], readOnly: ["/"] }, [])).toContain("whole filesystem");
    expect(unsafeBind({ writable: ["/scratch/driftback-src-a"], readOnly: ["/etc/ssl"] }, ["/srv/keys/app.pem"])).toBeUndefined();
  });

  it("a workspace's checkout root stops at the scratch dir: a sibling checkout is never inside it", () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "sandbox-root-"));
    mkdirSync(path.join(scratch, "driftback-src-a", "infra", "prod"), { recursive: true });
    expect(checkoutRoot(path.join(scratch, "driftback-src-a", "infra", "prod"), [scratch])).toBe(path.join(scratch, "driftback-src-a"));
    const repo = mkdtempSync(path.join(os.tmpdir(), "sandbox-git-"));
    mkdirSync(path.join(repo, ".git"));
    mkdirSync(path.join(repo, "infra"));
    expect(checkoutRoot(path.join(repo, "infra"), ["/nowhere"])).toBe(repo);
  });

  it("drops every secret of the App from terraform's environment, the Redis password and incident tokens too", () => {
    const env = terraformEnv(
      { PATH: "/usr/bin", AWS_PROFILE: "plan", PRIVATE_KEY: "k", PRIVATE_KEY_PATH: "/k", WEBHOOK_SECRET: "w", REDIS_URL: "redis://:p@r", REDIS_PASSWORD: "p", DRIFTBACK_STATE_KEY: "s", DRIFTBACK_SCAN_TOKEN: "t", JIRA_API_TOKEN: "j", PAGERDUTY_API_TOKEN: "p", INCIDENT_IO_API_KEY: "i", GITHUB_TOKEN: "g", SENTRY_DSN: "d" },
      { pluginCacheDir: "/c", dataDir: "/d", workspace: "default", home: "/run/home" },
    );
    expect(Object.keys(env).sort()).toEqual(["AWS_PROFILE", "CHECKPOINT_DISABLE", "HOME", "PATH", "TF_DATA_DIR", "TF_INPUT", "TF_IN_AUTOMATION", "TF_PLUGIN_CACHE_DIR", "TMPDIR"]);
    expect(env.HOME).toBe("/run/home");
  });
});

describe("detectIsolation at start", () => {
  const ok = () => ({ status: 0, stderr: "" });
  it("is bubblewrap when a trial sandbox starts, with the credential files terraform is pointed at bound read-only", () => {
    const status = detectIsolation({ DRIFTBACK_BWRAP: "/usr/bin/bwrap", AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/eks/token", PRIVATE_KEY_PATH: "/secrets/app.pem", DRIFTBACK_SANDBOX_WRITABLE: "/state" }, { probe: ok });
    expect(status).toMatchObject({ mode: "bubblewrap", bwrap: "/usr/bin/bwrap", allowUnisolated: false, readOnly: ["/var/run/secrets/eks/token"], writable: ["/state"], forbidden: ["/secrets/app.pem"] });
  });

  it("is none, with bwrap's own words, when the runtime refuses the namespaces (a default seccomp profile, a masked /proc)", () => {
    const status = detectIsolation({ DRIFTBACK_BWRAP: "/usr/bin/bwrap" }, { probe: () => ({ status: 1, stderr: "bwrap: Can't mount proc on /newroot/proc: Operation not permitted\n" }) });
    expect(status.mode).toBe("none");
    expect(status.problem).toContain("Can't mount proc");
    const report = isolationReport(status);
    expect(report.level).toBe("error");
    expect(report.message).toContain("DRIFTBACK_ALLOW_UNISOLATED_PLANS=true");
    expect(report.message).toContain("procMount Unmasked");
    expect(report.message.split("\n")).toHaveLength(1);
  });

  it("is none when bwrap is not installed; only the operator's environment allows plans then", () => {
    expect(detectIsolation({ PATH: "/nonexistent" }, { probe: ok })).toMatchObject({ mode: "none", problem: "bwrap (bubblewrap) is not installed", allowUnisolated: false });
    expect(detectIsolation({ PATH: "/nonexistent", DRIFTBACK_ALLOW_UNISOLATED_PLANS: "true" }, { probe: ok }).allowUnisolated).toBe(true);
    expect(detectIsolation({ PATH: "/nonexistent", DRIFTBACK_ALLOW_UNISOLATED_PLANS: "1" }, { probe: ok }).allowUnisolated).toBe(false);
  });
});

const bwrapHere = detectIsolation({ PATH: process.env.PATH });

describe.skipIf(bwrapHere.mode !== "bubblewrap" || !process.execPath.startsWith("/usr/"))("a sandboxed run stopped by a timeout", () => {
  it("gets SIGTERM inside the sandbox and time to finish (a state lock released), then the runner reports the timeout", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sandbox-term-"));
    const bin = path.join(root, "bin");
    const checkout = path.join(root, "scratch", "driftback-src-a");
    mkdirSync(bin, { recursive: true });
    mkdirSync(checkout, { recursive: true });
    // a terraform that, on SIGTERM, takes 300 ms to "release its lock" and records that it did
    // (node, as terraform is Go: both install their own SIGTERM handler; a POSIX shell cannot trap a signal ignored on entry)
    writeFileSync(
      path.join(bin, "terraform"),
      `#!${process.execPath}\nif (process.argv[2] === "init") process.exit(0);\nprocess.on("SIGTERM", () => setTimeout(() => { require("fs").writeFileSync(process.cwd() + "/lock-released", "released\\n"); process.exit(1); }, 300));\nsetInterval(() => {}, 50);\n`,
      { mode: 0o755 },
    );
    const runner = new TerraformCli({ isolation: bwrapHere, env: { PATH: `${bin}:/usr/bin:/bin` }, scratchDir: path.join(root, "scratch"), pluginCacheDir: path.join(root, "plugins"), killGraceMs: 5_000 });
    const started = Date.now();
    const outcome = await runner.plan({ dir: checkout, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 1_000, lockTimeout: "1s" });
    expect(outcome).toMatchObject({ ok: false, stage: "plan", timedOut: true });
    expect(readFileSync(path.join(checkout, "lock-released"), "utf8")).toBe("released\n");
    expect(Date.now() - started).toBeLessThan(4_000); // ended when terraform did, not at the SIGKILL
  });
});

describe.skipIf(bwrapHere.mode !== "bubblewrap")("inside a container whose /proc has masked paths", () => {
  it("reports none with bwrap's own words: the kernel refuses a new /proc while a masked one is mounted", () => {
    // an outer sandbox masks /proc/cmdline with /dev/null, as container runtimes mask /proc/kcore, /proc/keys, ...
    const child = path.join(mkdtempSync(path.join(os.tmpdir(), "sandbox-masked-")), "detect.mjs");
    const tsx = path.join(process.cwd(), "node_modules/tsx/dist/esm/api/index.mjs");
    const sandbox = path.join(process.cwd(), "src/adapters/terraform/sandbox.ts");
    writeFileSync(child, `const tsx = await import(${JSON.stringify(tsx)}); tsx.register();\nconst m = await import(${JSON.stringify(sandbox)});\nconsole.log(JSON.stringify(m.detectIsolation({ PATH: process.env.PATH })));\n`);
    const run = spawnSync(bwrapHere.bwrap!, ["--unshare-user", "--unshare-pid", "--dev-bind", "/", "/", "--proc", "/proc", "--ro-bind", "/dev/null", "/proc/cmdline", "--", process.execPath, child], { encoding: "utf8", timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as IsolationStatus;
    expect(status.mode).toBe("none");
    expect(status.problem).toContain("Can't mount proc on /newroot/proc: Operation not permitted");
  });
});

const NONE: IsolationStatus = { mode: "none", problem: "bwrap (bubblewrap) is not installed", allowUnisolated: false, readOnly: [], writable: [], forbidden: [] };

describe("without isolation", () => {
  it("a workspace dir that is the scratch dir itself is refused: its bind would hold every checkout", async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "sandbox-whole-"));
    const bin = mkdtempSync(path.join(os.tmpdir(), "sandbox-whole-bin-"));
    writeFileSync(path.join(bin, "terraform"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const runner = new TerraformCli({ isolation: { ...NONE, mode: "bubblewrap", bwrap: "/usr/bin/bwrap" }, env: { PATH: bin }, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins") });
    const outcome = await runner.plan({ dir: scratch, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 5_000, lockTimeout: "1s" });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toContain(`refused to start terraform in its sandbox: ${scratch} holds ${scratch}`);
  });

  it("the runner refuses to plan or apply repository code, naming what to set", async () => {
    const runner = new TerraformCli({ isolation: NONE, env: { PATH: "/nonexistent" }, scratchDir: mkdtempSync(path.join(os.tmpdir(), "sandbox-refuse-")) });
    const outcome = await runner.plan({ dir: os.tmpdir(), binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 5_000, lockTimeout: "1s" });
    expect(outcome).toMatchObject({ ok: false, stage: "init" });
    expect(!outcome.ok && outcome.message).toContain("DRIFTBACK_ALLOW_UNISOLATED_PLANS=true");
  });

  it("the CLI runs anyway with one warning line on stderr", () => {
    const lines: string[] = [];
    cliTerraform((line) => lines.push(line), { PATH: "/nonexistent" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: terraform runs without isolation \(bwrap \(bubblewrap\) is not installed\)/);
  });

  it("the app says so at boot at error level and exposes driftback_terraform_isolation{mode=\"none\"} 1", async () => {
    const key = (await import("node:crypto")).generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const probot = new Probot({ appId: 1, privateKey: key, log, Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
    const driftback = createDriftbackApp({ isolation: NONE, redis: null, startScheduler: false, appId: 1, env: {} });
    await probot.load(driftback.app, { cwd: process.cwd(), addHandler: () => undefined });
    const said = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg.includes("terraform is NOT isolated"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 50 }); // error
    expect(said[0]!.msg).toContain("bwrap (bubblewrap) is not installed");
    const metrics = await driftback.metrics.registry.metrics();
    expect(metrics).toContain('driftback_terraform_isolation{mode="none"} 1');
    expect(metrics).toContain('driftback_terraform_isolation{mode="bubblewrap"} 0');
    await driftback.close(100);
  });
});
