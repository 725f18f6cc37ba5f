import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { printable } from "../../core/printable.js";
import type { Checkout, PullRequestInfo, SourceFetcher } from "../../ports.js";
import { runProgram } from "../terraform/process.js";

export interface GitCheckoutOptions {
  /** Returns a short-lived installation token, or undefined for anonymous/local remotes. */
  token: () => Promise<string | undefined>;
  scratchDir?: string;
  timeoutMs?: number;
}

/**
 * Shallow-fetches a pull request's head (`refs/pull/N/head` of the base repository, which also
 * serves fork heads) into a fresh directory. The token travels in an environment-scoped
 * http.extraheader: it is never part of a URL, a command line, or a git config on disk.
 */
export class GitCheckout implements SourceFetcher {
  constructor(private readonly options: GitCheckoutOptions) {}

  async checkoutPullRequest(pr: PullRequestInfo, signal?: AbortSignal): Promise<Checkout> {
    return this.checkout(pr.cloneUrl, `refs/pull/${pr.number}/head`, signal);
  }

  /** A shallow checkout of a branch's tip (drift scans use the default branch). */
  async checkoutBranch(cloneUrl: string, branch: string, signal?: AbortSignal): Promise<Checkout> {
    return this.checkout(cloneUrl, `refs/heads/${branch}`, signal);
  }

  /** A shallow checkout of one commit by its SHA (a merge commit, wherever its branch has moved since). */
  async checkoutCommit(cloneUrl: string, sha: string, signal?: AbortSignal): Promise<Checkout> {
    // a SHA is never an option or a refspec: anything else is refused before git sees it
    if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) throw new Error(`"${printable(sha)}" is not a full commit SHA`);
    return this.checkout(cloneUrl, sha, signal);
  }

  private async checkout(cloneUrl: string, ref: string, signal?: AbortSignal): Promise<Checkout> {
    const dir = await mkdtemp(path.join(this.options.scratchDir ?? os.tmpdir(), "driftback-src-"));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const env = gitEnv(await this.options.token());
      const git = async (args: string[], capture = false) => {
        const result = await runProgram("git", args, { cwd: dir, env, timeoutMs: this.options.timeoutMs ?? 300_000, signal, captureStdout: capture });
        if (result.exitCode !== 0) {
          const why = result.spawnError ?? (result.timedOut ? "timed out" : result.cancelled ? "cancelled" : `exit code ${result.exitCode}`);
          throw new Error(`git ${args[0]} failed (${why}): ${result.outputTail.trim().slice(-2_000)}`);
        }
        return result.stdout.trim();
      };
      await git(["init", "--quiet"]);
      await git(["fetch", "--quiet", "--depth=1", "--no-tags", cloneUrl, ref]);
      const sha = await git(["rev-parse", "FETCH_HEAD"], true);
      await git(["checkout", "--quiet", "--detach", "FETCH_HEAD"]);
      return { dir, sha, cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
}

export function gitEnv(token: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  if (token) {
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    Object.assign(env, { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraheader", GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}` });
  }
  return env;
}
