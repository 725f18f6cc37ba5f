import type { Context } from "probot";
import { GitCheckout } from "../adapters/git/checkout.js";
import { OctokitGitHost } from "../adapters/github/octokit-git-host.js";
import { localModuleDirs } from "../adapters/hcl/load-workspace.js";
import { limitedRunner } from "../adapters/terraform/limited-runner.js";
import type { LimitFunction } from "p-limit";
import type { DriftMetrics } from "../adapters/metrics.js";
import type { TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";
import type { PreviewDeps } from "../usecases/preview-plan.js";
import type { DeliveryMemory } from "../adapters/redis/delivery-memory.js";
import type { RedisRuntime } from "../adapters/redis/runtime.js";
import { installationToken } from "../adapters/github/installation-token.js";

/** What stays the same across webhooks: built once at start-up. */
export interface AppServices {
  terraform: TerraformRunner;
  templates: Templates;
  appId?: number;
  scratchDir?: string;
  metrics: DriftMetrics;
  /** Plans of all drift scans in this process share it. */
  scanLimit: LimitFunction;
  /** Plans of all pull-request previews in this process share it (kept apart so scans never starve previews). */
  previewLimit: LimitFunction;
  /** Bearer token for POST /driftback/scan; the endpoint is off without it. */
  scanToken?: string;
  /** The App's bot login, `<app-slug>[bot]` (asked of GitHub once per process): whose commits and closes are driftback's. */
  botLogin: () => Promise<string>;
  now: () => number;
  /** The shared queues (REDIS_URL set); undefined in the embedded, in-process mode. */
  runtime?: RedisRuntime;
  /** Webhook deliveries already handled, shared by every replica when Redis is configured. */
  deliveries: DeliveryMemory;
  /**
   * Fork code: planned once a writer's `/driftback plan <sha>` approves its head (the App, whose terraform is
   * isolated), or never (the Action by default: an issue_comment job holds the repository's secrets).
   */
  forkPlans?: "on-approval" | "never";
  /**
   * "off": `/driftback plan` plans no pull request's code (the Action without a sandbox: an issue_comment job holds the
   * default branch's identity and secrets, more than the pull request's own workflow gives its author).
   */
  commentPlans?: "off";
}

/** What the preview's ports need of a webhook's Context; a queue worker gives the same from `probot.auth` and a child logger. */
export type InstallationScope = Pick<Context, "octokit" | "log">;

/** The use case's ports for one pull request, authenticated as its installation. */
export function previewDeps(context: InstallationScope, services: AppServices): PreviewDeps {
  return {
    github: new OctokitGitHost(context.octokit, services.appId),
    source: new GitCheckout({
      scratchDir: services.scratchDir,
      token: installationToken(context.octokit),
    }),
    terraform: limitedRunner(services.terraform, services.previewLimit),
    templates: services.templates,
    metrics: services.metrics,
    logger: context.log,
    moduleDirs: localModuleDirs,
    ...(services.forkPlans ? { forkPlans: services.forkPlans } : {}),
  };
}
