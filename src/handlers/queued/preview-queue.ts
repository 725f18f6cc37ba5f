import type { RedisRuntime } from "../../adapters/redis/runtime.js";
import type { Logger, PullRequestInfo } from "../../ports.js";
import { LatestHeads, pullKey } from "./preview-head.js";

/** One preview to plan: a pull request's head, and why. */
export interface PreviewTarget {
  pr: PullRequestInfo;
  /** The pull request's body as the event carried it: a backport pull request's marker names its workspace. */
  body: string | null;
  trigger: "event" | "command";
}

/** A "preview" job's data: plain JSON, so any replica can run it (it authenticates as the installation itself). */
export interface PreviewJobData extends PreviewTarget {
  installationId: number;
}

/** One job per head: duplicate deliveries reaching two replicas add the same id, and BullMQ keeps one. */
export function previewJobId(pr: PullRequestInfo): string {
  return `preview/${pullKey(pr)}/${pr.headSha}`;
}

export function latestHeads(runtime: RedisRuntime): LatestHeads {
  return new LatestHeads(runtime.commands, runtime.prefix);
}

/**
 * Records this head as the pull request's newest (older jobs skip or abort), then queues it. A job for the same head
 * waiting or running already makes this one a no-op; a finished one is not kept, so a later event for the same head
 * (ready for review, reopened, `/driftback plan`) plans again, as in-process.
 */
export async function enqueuePreview(runtime: RedisRuntime, data: PreviewJobData, log: Logger): Promise<void> {
  await latestHeads(runtime).record(data.pr);
  const jobId = previewJobId(data.pr);
  await runtime.queue<PreviewJobData>("preview").add("preview", data, { jobId, removeOnComplete: true, removeOnFail: true });
  log.info({ job: jobId, trigger: data.trigger }, "plan preview queued");
}
