import type { ProbotOctokit } from "probot";
import { configReader, loadRepoConfig } from "../adapters/github/config-source.js";
import { DryRunBackportHost } from "../adapters/local/dry-run-backport-host.js";
import { DryRunDriftHost } from "../adapters/local/dry-run-drift-host.js";
import type { Config } from "../config/schema.js";
import type { BackportHost } from "../ports.js";
import { globMatcher } from "../core/policy/glob.js";
import type { ScanService } from "../handlers/scan-service.js";
import { summarizeScan, type ActionScanSummary } from "./report.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export class ScheduledRunError extends Error {}

/**
 * `on: schedule` (and `workflow_dispatch`): the App's scan of one repository, the one the workflow runs in: every
 * configured workspace (or those `workspaces` names), the dashboard issue, backport pull requests under the same
 * policy, incident links from the configured sources. With `dryRun` GitHub is only read.
 */
export async function scheduledScan(options: { scans: ScanService; octokit: Octokit; owner: string; repo: string; workspaces: readonly string[]; dryRun: boolean }): Promise<ActionScanSummary> {
  const { octokit, owner, repo } = options;
  const ref = { owner, repo };
  const { data: repository } = await octokit.rest.repos.get(ref);
  const loaded = await loadRepoConfig(configReader(octokit, ref), ref);
  if (!loaded) throw new ScheduledRunError(`${owner}/${repo} has no driftback config on its default branch (${repository.default_branch}): add .github/driftback.yml (see the README's "Configuration") or point the config input at yours`);
  if (!loaded.ok) throw new ScheduledRunError(`${loaded.source} on ${repository.default_branch} is not valid, nothing was scanned:\n${loaded.issues.map((i) => `  - ${i.path}: ${i.message} (${i.fix})`).join("\n")}`);
  const config = loaded.config;
  const only = onlyWorkspaces(config, options.workspaces);
  const target = { owner, repo, cloneUrl: repository.clone_url, defaultBranch: repository.default_branch };
  let pullRequests: DryRunBackportHost | undefined;
  const dashboards: DryRunDriftHost[] = [];
  const dryRun = options.dryRun
    ? {
        // GitHub's own driftback pull requests and branches are read: drift that has one keeps it
        pullRequests: (reads: BackportHost) => (pullRequests ??= new DryRunBackportHost(reads)),
        dashboard: (reads: ConstructorParameters<typeof DryRunDriftHost>[0]) => {
          const host = new DryRunDriftHost(reads);
          dashboards.push(host);
          return host;
        },
      }
    : undefined;
  const report = await options.scans.run({ target, installationId: 0, config }, octokit, { ...(dryRun ? { dryRun } : {}), ...(only ? { only } : {}) });
  if (!report) throw new ScheduledRunError(`a scan of ${owner}/${repo} is already running in this job`);
  return summarizeScan(`${owner}/${repo}`, report, dryRun ? { pullRequests: pullRequests?.pullRequests() ?? [], dashboards: dashboards.flatMap((d) => d.dashboards) } : undefined);
}

/**
 * The names of the configured workspaces the `workspaces` input names (globs); undefined (all) when it is empty. The
 * config itself stays whole: a workspace left out is not scanned, and keeps its dashboard row and pull requests.
 */
export function onlyWorkspaces(config: Config, globs: readonly string[]): string[] | undefined {
  if (globs.length === 0) return undefined;
  const matchers = globs.map(globMatcher);
  const kept = config.workspaces.filter((w) => matchers.some((match) => match(w.name))).map((w) => w.name);
  if (kept.length === 0) throw new ScheduledRunError(`input workspaces (${globs.join(", ")}) matches none of the configured workspaces: ${config.workspaces.map((w) => w.name).join(", ")}`);
  return kept;
}
