import type { Redis } from "ioredis";
import type { PullRequestInfo, RepoRef } from "../../ports.js";

/** Reads a pull request's current head from GitHub (the last word when Redis and a job disagree). */
export type CurrentHead = () => Promise<string>;

const HEAD_TTL_SECONDS = 7 * 86_400;

/** `<owner>/<repo>/<number>` in lower case (GitHub's names are case-insensitive); never holds ":" (BullMQ job ids). */
export function pullKey(pr: RepoRef & { number: number }): string {
  return `${pr.owner}/${pr.repo}/${pr.number}`.toLowerCase();
}

/**
 * The newest head SHA each pull request was queued for, shared by every replica: a preview job whose head is no
 * longer the newest skips, and a running one is aborted. The key is a hint written in arrival order (two replicas
 * may write an older head last), so whenever it disagrees with a job GitHub's own head decides, and a job that is
 * the real head writes itself back.
 */
export class LatestHeads {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async record(pr: PullRequestInfo): Promise<void> {
    await this.redis.set(this.key(pr), pr.headSha, "EX", HEAD_TTL_SECONDS);
  }

  /** Whether `pr.headSha` is still the one to plan; rewrites the hint when GitHub says so but the hint did not. */
  async isCurrent(pr: PullRequestInfo, currentHead: CurrentHead): Promise<boolean> {
    const hinted = await this.redis.get(this.key(pr));
    if (hinted === null || hinted === pr.headSha) return true;
    if ((await currentHead()) !== pr.headSha) return false;
    await this.record(pr);
    return true;
  }

  /**
   * Polls the hint while a job runs and calls `superseded` once a newer head is confirmed. GitHub is asked only when
   * the hint names another head, and once per head it names.
   */
  watch(pr: PullRequestInfo, currentHead: CurrentHead, superseded: () => void, onError: (error: unknown) => void, pollMs = 1_000): { stop: () => void } {
    const asked = new Set<string>();
    let busy = false;
    let stopped = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      void (async () => {
        const hinted = await this.redis.get(this.key(pr));
        if (hinted === null || hinted === pr.headSha || asked.has(hinted)) return;
        asked.add(hinted);
        if (!stopped && !(await this.isCurrent(pr, currentHead))) {
          stopped = true;
          superseded();
        }
      })()
        .catch(onError)
        .finally(() => (busy = false));
    }, pollMs);
    timer.unref();
    return {
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
  }

  private key(pr: PullRequestInfo): string {
    return `${this.prefix}:preview-head:${pullKey(pr)}`;
  }
}
