import { UnrecoverableError, type Worker } from "bullmq";
import type { Context } from "probot";
import { configReader, loadRepoConfig } from "../../adapters/github/config-source.js";
import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import { parseMarker } from "../../core/backport/marker.js";
import type { ApplyOutcome, ApplyRequest } from "../../ports.js";
import { applyMergedRevert, type ApplyMergedOutcome } from "../../usecases/apply-merged-revert.js";
import { applierOf, applyDeps } from "../backport-merged.js";
import type { AppServices } from "../deps.js";
import { ApplyClaims, applyJobId, type ApplyJobData } from "./backport-queue.js";

type Octokit = Context["octokit"];

export type ApplyJobResult = ApplyMergedOutcome["status"] | "not-applicable";

/** Told on the pull request when a job finds that an earlier attempt already began the apply. */
export const APPLY_ALREADY_BEGAN =
  "an earlier attempt began applying this merge commit and did not finish (a replica stopped or was shut down); driftback never applies twice: check the workspace's state and apply by hand if needed";

/**
 * Takes "backport" jobs: apply.on_merge of a merged revert pull request, as the in-process handler does, at most once.
 * Failures before the apply began follow the retry policy (transient ones are retried); once it began, nothing is
 * retried, and a job that comes back anyway (taken over from a dead replica) refuses to apply and says so.
 */
export function startBackportWorker(runtime: RedisRuntime, services: AppServices, auth: (installationId: number) => Promise<Octokit>, log: Context["log"], concurrency = 2): Worker<ApplyJobData, ApplyJobResult> {
  const claims = new ApplyClaims(runtime.commands, runtime.prefix);
  return runtime.work<ApplyJobData, ApplyJobResult>(
    "backport",
    async (job, shutdown) => {
      const data = job.data;
      const jobLog = log.child({ queue: "backport", job: job.id, pr: `${data.repo.owner}/${data.repo.repo}#${data.number}` });
      const marker = parseMarker(data.body);
      if (!marker) return "not-applicable";
      const octokit = await auth(data.installationId);
      const config = await loadRepoConfig(configReader(octokit, data.repo), data.repo);
      if (!config?.ok || !config.config.apply.on_merge) return "not-applicable"; // turned off since the merge
      const apply = applierOf(services, jobLog, data.number);
      if (!apply) return "not-applicable";

      let began = false;
      const applyOnce = async (request: ApplyRequest): Promise<ApplyOutcome> => {
        if (!(await claims.claim(applyJobId(data)))) {
          jobLog.error({}, "apply.on_merge: an earlier attempt already began this apply; not applied again");
          return { ok: false, message: APPLY_ALREADY_BEGAN, output: "", timedOut: false, cancelled: false };
        }
        began = true;
        return apply(request);
      };
      const deps = applyDeps({ octokit, log: jobLog }, services, applyOnce);
      const comments = deps.comments;
      deps.comments = {
        has: (repo, number, marker) => comments.has(repo, number, marker),
        // shut down before the apply began: no result comment, the job goes back to the queue for another replica
        post: async (repo, number, body) => {
          if (shutdown.aborted && !began) throw new Error("driftback is shutting down");
          await comments.post(repo, number, body);
        },
      };
      try {
        return (await applyMergedRevert(deps, { repo: data.repo, number: data.number, cloneUrl: data.cloneUrl, mergeSha: data.mergeSha, marker, config: config.config, signal: shutdown })).status;
      } catch (error) {
        jobLog.error({ err: error }, began ? "apply.on_merge failed after the apply began: not retried" : "apply.on_merge failed");
        if (!began) throw error;
        throw new UnrecoverableError("apply.on_merge failed after the apply began: not retried");
      }
    },
    { concurrency },
  );
}
