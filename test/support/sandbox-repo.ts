import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyPatch } from "diff";
import { execa } from "execa";
import { runCli } from "./run-cli.js";
import { createSandbox, outOfBand, sandboxCliEnv, type ConsoleCommand, type Sandbox } from "./sandbox.js";

/**
 * A real repository for the sandbox provider: several environment roots calling shared modules,
 * each root with its own state, one sandbox cloud for all of them. `sandbox.dir` is the
 * repository root; terraform runs in `<root>/<env dir>`.
 */
export interface SandboxRepo extends Sandbox {
  /** Workspace name -> its dir, var files and terraform workspace, as `.github/driftback.yml` lists them. */
  workspaces: Record<string, { dir: string; varFiles: string[]; workspace?: string }>;
}

/** `config` is more of `.github/driftback.yml` (YAML), after the workspaces. */
export function createSandboxRepo(name: string, files: Record<string, string>, workspaces: SandboxRepo["workspaces"], config = ""): SandboxRepo {
  const sandbox = createSandbox(name, { ...files, ".github/driftback.yml": configYaml(workspaces) + config });
  return { ...sandbox, workspaces };
}

function configYaml(workspaces: SandboxRepo["workspaces"]): string {
  const entries = Object.entries(workspaces).map(
    ([name, w]) => `  - name: ${name}\n    dir: ${w.dir}\n${w.varFiles.length > 0 ? `    var_files: [${w.varFiles.join(", ")}]\n` : ""}${w.workspace ? `    workspace: ${w.workspace}\n` : ""}`,
  );
  return `workspaces:\n${entries.join("")}`;
}

export interface TfRun {
  exitCode: number | undefined;
  stdout: string;
  output: string;
}

/** Plain terraform in one workspace of the repository (dir `dir` under `root`, default the repo itself). */
export async function tf(repo: SandboxRepo, workspace: string, args: string[], root = repo.dir): Promise<TfRun> {
  const w = repo.workspaces[workspace]!;
  const varFiles = ["plan", "apply"].includes(args[0]!) ? w.varFiles.map((f) => `-var-file=${f}`) : [];
  const env = { ...repo.env, ...(w.workspace ? { TF_WORKSPACE: w.workspace } : {}) };
  const run = await execa("terraform", [...args, ...varFiles, "-no-color"], { cwd: path.join(root, w.dir), env, extendEnv: false, reject: false, all: true, timeout: 180_000 });
  return { exitCode: run.exitCode, stdout: run.stdout, output: run.all ?? "" };
}

export async function tfOk(repo: SandboxRepo, workspace: string, args: string[], codes: number[] = [0], root = repo.dir): Promise<TfRun> {
  const run = await tf(repo, workspace, args, root);
  if (run.exitCode === undefined || !codes.includes(run.exitCode)) throw new Error(`terraform ${args.join(" ")} in ${workspace} exited ${run.exitCode}:\n${run.output.slice(-4000)}`);
  return run;
}

/** init + apply every workspace (those sharing a dir one after the other, each in its terraform workspace): the sandbox cloud holds what the code says. */
export async function applyAll(repo: SandboxRepo, root = repo.dir): Promise<void> {
  const byDir = new Map<string, string[]>();
  for (const [name, w] of Object.entries(repo.workspaces)) byDir.set(w.dir, [...(byDir.get(w.dir) ?? []), name]);
  await Promise.all(
    [...byDir.values()].map(async (names) => {
      for (const name of names) {
        const w = repo.workspaces[name]!;
        if (w.workspace) await execa("terraform", ["workspace", "new", w.workspace], { cwd: path.join(root, w.dir), env: repo.env, extendEnv: false, reject: false });
        await tfOk(repo, name, ["init", "-input=false"], [0], root);
        await tfOk(repo, name, ["apply", "-auto-approve", "-input=false"], [0], root);
      }
    }),
  );
}

export function change(repo: SandboxRepo, command: ConsoleCommand): Promise<void> {
  return outOfBand(repo, command);
}

/** A workspace's plan through the project's runner (as a scan makes it): its `show -json`. */
export async function scanPlan(repo: SandboxRepo, workspace: string, root = repo.dir): Promise<string> {
  const w = repo.workspaces[workspace]!;
  const outcome = await repo.runner.plan({ dir: path.join(root, w.dir), binary: "terraform", workspace: w.workspace ?? "default", varFiles: w.varFiles, backendConfig: [], timeoutMs: 180_000, lockTimeout: "30s" });
  if (!outcome.ok) throw new Error(`the runner failed at ${outcome.stage}: ${outcome.message}\n${outcome.output.slice(-4000)}`);
  return outcome.planJson;
}

/** `git init` (first time) and a commit of everything, so the CLI's backport sees a clean checkout. */
export async function commitAll(dir: string, message = "infra"): Promise<void> {
  const git = (args: string[]) => execa("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  if (!existsSync(path.join(dir, ".git"))) {
    await git(["init", "-q", "-b", "main"]);
    writeFileSync(path.join(dir, ".gitignore"), ".terraform/\n*.tfstate*\n*.tfplan\n.terraform.lock.hcl\n");
  }
  await git(["add", "-A"]);
  await git(["commit", "-q", "--allow-empty", "-m", message]);
}

/** A copy of the repository (states included) to merge pull requests into without touching the original. */
export function copyRepo(repo: SandboxRepo): string {
  const copy = path.join(mkdtempSync(path.join(os.tmpdir(), "sandbox-repo-merged-")), "repo");
  cpSync(repo.dir, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/** Applies a pull request's unified diffs to a tree, as merging it would; throws naming the file a diff does not apply to. */
export function mergeFiles(root: string, files: readonly { path: string; diff: string }[]): void {
  for (const file of files) {
    const target = path.join(root, file.path);
    const original = file.diff.includes("--- /dev/null") ? "" : readFileSync(target, "utf8");
    const patched = applyPatch(original, file.diff);
    if (patched === false) throw new Error(`${file.path}: the pull request's diff does not apply (a conflict with a pull request merged before it)`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, patched);
  }
}

export interface ProposedPullRequest {
  branch: string;
  action: string;
  body: string;
  files: { path: string; diff: string }[];
  verified: boolean | null;
  /** With --incidents-from. */
  incident?: { key: string; confidence: number | null; evidence: string[] } | null;
  candidates?: { key: string; confidence: number }[];
}

/** `driftback backport --dry-run --verify` of one workspace's scan plan, in the repository at `root`; `extra` flags after. */
export async function proposeBackports(repo: SandboxRepo, workspace: string, root = repo.dir, extra: string[] = []): Promise<{ code: number; err: string; prs: ProposedPullRequest[] }> {
  const planFile = path.join(os.tmpdir(), `${workspace}-${process.pid}-${Date.now()}.json`);
  writeFileSync(planFile, await scanPlan(repo, workspace, root));
  const run = await runCli(["backport", "--dir", root, "--plan-json", planFile, "--workspace", workspace, "--dry-run", "--verify", "--format", "json", ...extra], sandboxCliEnv(repo));
  return { code: run.code, err: run.err, prs: run.code === 0 ? (JSON.parse(run.out) as { pullRequests: ProposedPullRequest[] }).pullRequests : [] };
}

/** Code files of a pull request (drift records left out). */
export const codeFiles = (pr: ProposedPullRequest) => pr.files.filter((f) => !f.path.startsWith(".driftback/"));
