import { readMarker, type ExistingPullRequest } from "../core/backport/index.js";
import { activeStateKeys } from "../core/state-seal.js";
import { BackportHostError, type BackportHost, type BackportPullRequest, type BranchComparison, type RepoRef } from "../ports.js";

/** What GitHub has for driftback now: its pull requests in every state, and how each open one's branch stands. */
export interface ExistingState {
  pullRequests: BackportPullRequest[];
  existing: ExistingPullRequest[];
  /** Open pull requests' compares, by number. */
  comparisons: Map<number, BranchComparison>;
  /** Open pull requests whose branch could not be compared: nothing is done to them this scan. */
  unreadable: Map<number, string>;
}

export interface ReadOptions {
  baseBranch: string;
  /** The commit this scan planned. */
  baseSha: string;
  botLogin: string;
}

/**
 * Step 2 of the backport flow: lists driftback's pull requests (one query per hundred of them),
 * then compares each open one's branch with the base. A failed listing throws (nothing can be
 * decided without it); a failed compare only takes that pull request out of this scan.
 */
export async function readExistingPullRequests(host: BackportHost, repo: RepoRef, options: ReadOptions): Promise<ExistingState> {
  const pullRequests = await host.findBackportPullRequests(repo);
  const comparisons = new Map<number, BranchComparison>();
  const unreadable = new Map<number, string>();
  for (const pr of pullRequests.filter((p) => p.state === "open")) {
    try {
      comparisons.set(pr.number, await host.compareBranch(repo, options.baseBranch, pr.branch));
    } catch (error) {
      if (!(error instanceof BackportHostError)) throw error;
      unreadable.set(pr.number, error.reason);
    }
  }
  const existing = pullRequests.map((pr) => toExistingPullRequest(pr, comparisons.get(pr.number), options));
  return { pullRequests, existing, comparisons, unreadable };
}

/**
 * One pull request as the core reads it. Closed unmerged counts as closed by driftback only when
 * its bot closed it on its own account: a marker with `ignoredBy` (`/driftback ignore`) or anyone
 * else's close means a person decided. The base moved when the branch is behind it and its merge
 * base is not the commit this scan planned (a base that moved after the checkout waits a scan).
 */
export function toExistingPullRequest(pr: BackportPullRequest, comparison: BranchComparison | undefined, options: Pick<ReadOptions, "baseSha" | "botLogin">): ExistingPullRequest {
  const reading = readMarker(pr.body);
  // an unsigned marker is adopted only from a body nobody but driftback wrote: an edit by anyone else makes it untrusted
  const editedByOthers = pr.bodyEditedBy !== undefined && pr.bodyEditedBy !== options.botLogin && `${pr.bodyEditedBy}[bot]` !== options.botLogin;
  const untrusted = reading.seal === "unsigned" && editedByOthers && activeStateKeys().length > 0;
  const { marker, seal } = untrusted ? { marker: undefined, seal: "forged" as const } : reading;
  const closedUnmerged = pr.state === "closed" && !pr.merged;
  const byDriftback = closedUnmerged && !marker?.ignoredBy && pr.closedByLogin !== undefined && pr.closedByLogin === options.botLogin;
  return {
    number: pr.number,
    state: pr.state,
    merged: pr.merged,
    branch: pr.branch,
    marker,
    // driftback's own pull request (same repository, its branch prefix, its label) with an unsigned marker on the last line: adopted
    ...(seal === "unsigned" || seal === "rotated" ? { seal: "adopted" as const } : seal === "forged" ? { seal: "forged" as const } : {}),
    labels: [...pr.labels],
    ...(closedUnmerged ? { closedBy: byDriftback ? "driftback" : "person" } : {}),
    ...(pr.state === "open" && comparison
      ? {
          head: {
            onlyDriftback: comparison.onlyDriftback,
            baseMoved: comparison.behindBy > 0 && comparison.mergeBaseSha !== options.baseSha,
            empty: comparison.aheadBy === 0,
          },
        }
      : {}),
  };
}
