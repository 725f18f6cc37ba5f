import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();

/** A bare repository on disk whose `refs/pull/<n>/head` points at a commit of the given files. */
export class TestRepo {
  readonly bare: string;
  private readonly work: string;

  constructor() {
    const root = mkdtempSync(path.join(os.tmpdir(), "driftback-repo-"));
    this.bare = path.join(root, "origin.git");
    this.work = path.join(root, "work");
    execFileSync("git", ["init", "--quiet", "--bare", this.bare]);
    execFileSync("git", ["init", "--quiet", "-b", "main", this.work]);
  }

  get cloneUrl(): string {
    return `file://${this.bare}`;
  }

  /** Commits the files (content null deletes) and points refs/pull/<number>/head at the commit. */
  commit(files: Record<string, string | null>, pullNumber = 2): string {
    // the shared payloads are PR #2
    return this.commitTo(files, `refs/pull/${pullNumber}/head`);
  }

  /** Commits the files and points `ref` (e.g. refs/heads/main) at the commit. */
  commitTo(files: Record<string, string | null>, ref: string): string {
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(this.work, file);
      if (content === null) rmSync(target, { force: true });
      else {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
    }
    git(this.work, "add", "-A");
    git(this.work, "commit", "--quiet", "--allow-empty", "-m", "change");
    const sha = git(this.work, "rev-parse", "HEAD");
    git(this.work, "push", "--quiet", "--force", this.bare, `HEAD:${ref}`);
    return sha;
  }
}
