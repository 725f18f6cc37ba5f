import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { cliProgress, type ProgressStream } from "../src/commands/progress.js";
import type { TerraformStep } from "../src/ports.js";
import { fakeTerraformEnv, fakeWorkspace } from "./support/fake-terraform.js";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: terraform's progress on stderr, only at a terminal and never with --quiet.
const example = new URL("../examples/plan.json", import.meta.url).pathname;

/** A stderr that says it is a terminal (or not) and records what is written. */
function fakeStream(isTTY: boolean, columns = 80): ProgressStream & { written: () => string; write: ReturnType<typeof vi.fn> } {
  const chunks: string[] = [];
  const write = vi.fn((chunk: string) => chunks.push(chunk));
  return { isTTY, columns, write, written: () => chunks.join("") };
}

/** What a terminal shows once every `\r` and line clear is obeyed: the lines that stay. */
function screen(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const part of text.split(/(\r\x1b\[2K|\n)/)) {
    if (part === "\r\x1b[2K") current = "";
    else if (part === "\n") {
      lines.push(current);
      current = "";
    } else current += part;
  }
  return current === "" ? lines : [...lines, current];
}

afterEach(() => vi.useRealTimers());

describe("cliProgress on a terminal", () => {
  it("rewrites the spinner line in place while a command runs, then leaves one line per finished command", () => {
    let now = 0;
    const stream = fakeStream(true);
    const progress = cliProgress({ stream, now: () => now, intervalMs: 0 });
    const init: TerraformStep = { command: "init", label: "envs/prod" };
    const plan: TerraformStep = { command: "plan", label: "envs/prod" };
    progress.listener!.started(init);
    expect(stream.written()).toBe("\r\x1b[2K⠋ init (envs/prod) 0s");
    now = 2_345;
    progress.listener!.finished(init, true);
    progress.listener!.started(plan);
    now = 16_545;
    progress.listener!.finished(plan, false);
    expect(screen(stream.written())).toEqual(["✓ init envs/prod 2.3s", "✗ plan envs/prod 14.2s"]);
    expect(stream.written()).toContain("\r\x1b[2K⠋ plan (envs/prod) 0s");
  });

  it("redraws the time on its timer, and the timer stops when nothing runs", () => {
    vi.useFakeTimers();
    let now = 0;
    const stream = fakeStream(true);
    const progress = cliProgress({ stream, now: () => now, intervalMs: 100 });
    const plan: TerraformStep = { command: "plan", label: "envs/prod" };
    progress.listener!.started(plan);
    now = 12_000;
    vi.advanceTimersByTime(100);
    expect(stream.written().endsWith("\r\x1b[2K⠙ plan (envs/prod) 12s")).toBe(true);
    progress.listener!.finished(plan, true);
    const after = stream.write.mock.calls.length;
    vi.advanceTimersByTime(1_000);
    expect(stream.write.mock.calls.length).toBe(after);
  });

  it("keeps plans running at once on one line, and a notice goes above it", () => {
    const stream = fakeStream(true);
    const progress = cliProgress({ stream, now: () => 0, intervalMs: 0 });
    const prod: TerraformStep = { command: "plan", label: "prod" };
    progress.listener!.started(prod);
    progress.listener!.started({ command: "plan", label: "staging" });
    progress.notice(() => stream.write("driftback: a notice\n"));
    expect(screen(stream.written())).toEqual(["driftback: a notice", "⠋ plan (prod) 0s · plan (staging) 0s"]);
    progress.listener!.finished(prod, true);
    progress.stop();
    expect(screen(stream.written())).toEqual(["driftback: a notice", "✓ plan prod 0.0s"]);
  });

  it("escapes a hostile directory name", () => {
    const stream = fakeStream(true);
    const progress = cliProgress({ stream, now: () => 0, intervalMs: 0 });
    const step: TerraformStep = { command: "plan", label: "x\x1b]0;pwned\x07\ny" };
    progress.listener!.started(step);
    progress.listener!.finished(step, true);
    expect(stream.written()).not.toMatch(/\x1b\]|\x07|y\n/);
    expect(screen(stream.written())).toEqual(["✓ plan x\\x1b]0;pwned\\x07\\x0ay 0.0s"]);
  });
});

describe("cliProgress writes nothing", () => {
  it.each([
    ["when stderr is not a terminal", { stream: fakeStream(false) }],
    ["with --quiet at a terminal", { stream: fakeStream(true), quiet: true }],
  ])("%s: no listener, and notices are written as they are", (_name, options) => {
    const progress = cliProgress({ ...options, intervalMs: 0 });
    expect(progress.listener).toBeUndefined();
    progress.notice(() => options.stream.write("driftback: a notice\n"));
    progress.stop();
    expect(options.stream.written()).toBe("driftback: a notice\n");
  });
});

describe("the terraform runner tells its progress listener", () => {
  it("init, plan and show of the run, each started and finished, labelled as the request says", async () => {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(example, "utf8"));
    const events: string[] = [];
    const runner = new TerraformCli({ env: fake.env, progress: { started: (s) => events.push(`start ${s.command} ${s.label}`), finished: (s, ok) => events.push(`end ${s.command} ${s.label} ${ok}`) } });
    const outcome = await runner.plan({ dir, label: "envs/prod", binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 60_000, lockTimeout: "1m" });
    expect(outcome.ok).toBe(true);
    expect(events).toEqual(["start init envs/prod", "end init envs/prod true", "start plan envs/prod", "end plan envs/prod true", "start show envs/prod", "end show envs/prod true"]);
  });

  it("a failed init is finished as failed, and nothing more runs", async () => {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace("{}", { fail: { init: { code: 1, stderr: "Error: backend\n" } } });
    const events: string[] = [];
    const runner = new TerraformCli({ env: fake.env, progress: { started: (s) => events.push(`start ${s.command}`), finished: (s, ok) => events.push(`end ${s.command} ${ok}`) } });
    await runner.plan({ dir, binary: "terraform", workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 60_000, lockTimeout: "1m" });
    expect(events).toEqual(["start init", "end init false"]);
  });
});

/** `driftback <args>` with stderr claiming to be a terminal (or not). */
async function withStderrTTY<T>(isTTY: boolean, run: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
  Object.defineProperty(process.stderr, "isTTY", { value: isTTY, configurable: true });
  try {
    return await run();
  } finally {
    if (saved) Object.defineProperty(process.stderr, "isTTY", saved);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
}

describe("driftback scan's progress", () => {
  async function scan(isTTY: boolean, extra: string[] = []) {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(example, "utf8"));
    return { dir, ...(await withStderrTTY(isTTY, () => runCli(["scan", "--dir", dir, "--format", "json", ...extra], { PATH: fake.env.PATH }))) };
  }

  it("at a terminal: a line per init, plan and show of --dir on stderr, stdout unchanged", async () => {
    const run = await scan(true);
    expect(run.code).toBe(0);
    expect(screen(run.err).map((l) => l.replace(/\d+\.\ds$/, "T"))).toEqual([`✓ init ${run.dir} T`, `✓ plan ${run.dir} T`, `✓ show ${run.dir} T`]);
    expect(JSON.parse(run.out).items.length).toBeGreaterThan(0);
  });

  it("with --quiet, or in a pipe: nothing on stderr", async () => {
    expect((await scan(true, ["--quiet"])).err).toBe("");
    expect((await scan(false)).err).toBe("");
  });
});

describe("driftback backport --verify's progress", () => {
  it("shows the verification plan of the workspace at a terminal, and nothing with --quiet", async () => {
    const fake = fakeTerraformEnv();
    const dir = fakeWorkspace(readFileSync(new URL("../examples/scan-plan.json", import.meta.url), "utf8"));
    cpSync(new URL("../examples/workspace/main.tf", import.meta.url), path.join(dir, "main.tf"));
    const args = ["backport", "--dir", dir, "--plan-json", path.join(dir, "plan.json"), "--dry-run", "--verify", "--format", "json"];
    const run = await withStderrTTY(true, () => runCli(args, { PATH: fake.env.PATH }));
    expect(run.code).toBe(0);
    expect(screen(run.err).map((l) => l.replace(/\d+\.\ds$/, "T"))).toEqual(["✓ init default T", "✓ plan default T", "✓ show default T"]);
    expect((await withStderrTTY(true, () => runCli([...args, "--quiet"], { PATH: fake.env.PATH }))).err).toBe("");
  });
});
