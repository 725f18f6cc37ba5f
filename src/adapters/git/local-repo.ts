import { execa } from "execa";

export type LocalGitAnswer<T> = { ok: true; value: T } | { ok: false; reason: string };

/** git in a local repository, read only, with an argument array (never a shell line). */
async function git(dir: string, args: string[]): Promise<LocalGitAnswer<string>> {
  const run = await execa("git", args, { cwd: dir, reject: false, timeout: 30_000, stdin: "ignore", env: { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } });
  if (run.failed) {
    const why = run.code === "ENOENT" ? "git is not installed" : (run.stderr.split("\n").find((line) => line.trim() !== "") ?? run.shortMessage ?? "git failed");
    return { ok: false, reason: why.trim().slice(0, 300) };
  }
  return { ok: true, value: run.stdout };
}

/** The commit checked out in `dir` (`git rev-parse HEAD`). */
export async function localHeadSha(dir: string): Promise<LocalGitAnswer<string>> {
  const answer = await git(dir, ["rev-parse", "--verify", "HEAD"]);
  if (!answer.ok) return answer;
  const sha = answer.value.trim();
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) ? { ok: true, value: sha } : { ok: false, reason: "git rev-parse HEAD did not answer a commit id" };
}

/** Tracked files with changes not committed (`git status --porcelain --untracked-files=no`). */
export async function uncommittedFiles(dir: string): Promise<LocalGitAnswer<string[]>> {
  const answer = await git(dir, ["status", "--porcelain", "--untracked-files=no"]);
  if (!answer.ok) return answer;
  return { ok: true, value: answer.value.split("\n").filter((line) => line.trim() !== "").map((line) => line.slice(3)) };
}

/** The root of the working tree `dir` is in (`git rev-parse --show-toplevel`). */
export async function repoTopLevel(dir: string): Promise<LocalGitAnswer<string>> {
  const answer = await git(dir, ["rev-parse", "--show-toplevel"]);
  return answer.ok ? { ok: true, value: answer.value.trim() } : answer;
}
