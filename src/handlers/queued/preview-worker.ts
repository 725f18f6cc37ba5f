import type { Worker } from "bullmq";
import type { Context } from "probot";
import { configReader } from "../../adapters/github/config-source.js";
import { OctokitGitHost } from "../../adapters/github/octokit-git-host.js";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import type { PreviewOutcome } from "../../usecases/preview-plan.js";
import type { AppServices } from "../deps.js";
import { planPreview } from "../pull-request.js";
import { latestHeads, type PreviewJobData } from "./preview-queue.js";

type Octokit = Context["octokit"];
type ScopeLogger = Context["log"];

export interface PreviewWorkerOptions {
  /** Jobs this replica plans at once (DRIFTBACK_PREVIEW_CONCURRENCY, default 8). */
  concurrency?: number;
  /** How often a running job looks for a newer head of its pull request. */
  supersedePollMs?: number;
}

export type PreviewJobResult = PreviewOutcome["status"] | "not-configured" | "superseded-before-start";

/**
 * Takes "preview" jobs: authenticates as the job's installation, skips a head that is no longer the newest, plans the
 * rest as the in-process handler does, and aborts the plan once another replica queues a newer head.
 */
export function startPreviewWorker(runtime: RedisRuntime, services: AppServices, auth: (installationId: number) => Promise<Octokit>, log: ScopeLogger, options: PreviewWorkerOptions = {}): Worker<PreviewJobData, PreviewJobResult> {
  const heads = latestHeads(runtime);
  const concurrency = options.concurrency ?? (Number(process.env.DRIFTBACK_PREVIEW_CONCURRENCY ?? 8) || 8);
  return runtime.work<PreviewJobData, PreviewJobResult>(
    "preview",
    async (job, shutdown) => {
      const { pr } = job.data;
      const jobLog = log.child({ queue: "preview", job: job.id, pr: `${pr.owner}/${pr.repo}#${pr.number}`, sha: pr.headSha });
      const octokit = await auth(job.data.installationId);
      const github = new OctokitGitHost(octokit, services.appId);
      const currentHead = async () => (await github.getPullRequest(pr, pr.number)).headSha;
      if (!(await heads.isCurrent(pr, currentHead))) {
        jobLog.info({}, "plan preview skipped: a newer head was pushed");
        return "superseded-before-start";
      }
      const superseded = new AbortController();
      const watch = heads.watch(pr, currentHead, () => superseded.abort(), (error) => jobLog.warn({ err: error }, "plan preview: could not check for a newer head"), options.supersedePollMs);
      let outcome: PreviewOutcome | undefined;
      try {
        const scope = { ...configReader(octokit, pr), log: jobLog };
        outcome = await planPreview(scope, services, { ...job.data, signal: AbortSignal.any([shutdown, superseded.signal]) });
      } catch (error) {
        jobLog.error({ err: error }, "plan preview failed");
        throw error;
      } finally {
        watch.stop();
      }
      // cut short by shutdown rather than by a newer head: thrown, so the runtime gives the job back to the queue
      if (shutdown.aborted && !superseded.signal.aborted) throw new Error("driftback is shutting down");
      return outcome?.status ?? "not-configured";
    },
    { concurrency },
  );
}

