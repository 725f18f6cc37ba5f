import type { Context } from "probot";
import { ATLANTIS_PATH } from "../../config/atlantis.js";
import { CONFIG_PATH } from "../../config/validate.js";
import type { QueuedSchedules } from "./schedules.js";

/** Files a repository's driftback config is read from (the owner's `.github` repository holds the default one). */
const CONFIG_FILES = new Set([CONFIG_PATH, ATLANTIS_PATH, "atlantis.yml"]);

/** What of a push payload tells whether it changed the config on the default branch. */
export interface PushSummary {
  ref: string;
  repository: { default_branch?: string };
  commits?: readonly { added?: readonly string[]; modified?: readonly string[]; removed?: readonly string[] }[];
  head_commit?: { added?: readonly string[]; modified?: readonly string[]; removed?: readonly string[] } | null;
}

/** True when the push reached the default branch and one of its commits added, changed or removed a config file. Pure. */
export function pushChangesConfig(push: PushSummary): boolean {
  if (!push.repository.default_branch || push.ref !== `refs/heads/${push.repository.default_branch}`) return false;
  const commits = [...(push.commits ?? []), ...(push.head_commit ? [push.head_commit] : [])];
  return commits.some((commit) => [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])].some((file) => CONFIG_FILES.has(file)));
}

/**
 * A push to a default branch that changes the config: the schedules follow it (a new schedule, a repository now
 * configured or no longer) through one discovery. In the in-process mode the hourly rediscovery keeps doing that.
 */
export function onConfigPush(schedules: () => QueuedSchedules | undefined) {
  return async (context: Context<"push">): Promise<void> => {
    const queued = schedules();
    if (!queued || !pushChangesConfig(context.payload as unknown as PushSummary)) return;
    context.log.info({ repo: context.payload.repository.full_name }, "driftback config changed on the default branch: discovering the schedules again");
    await queued.requestDiscovery();
  };
}
