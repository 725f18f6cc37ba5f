import type { ProbotOctokit } from "probot";
import type { IncidentsConfig } from "../../config/schema.js";
import type { IncidentSource } from "../../ports.js";
import { GitHubIssuesIncidentSource } from "./github.js";
import { IncidentIoIncidentSource } from "./incident-io.js";
import { JiraIncidentSource } from "./jira.js";
import { PagerDutyIncidentSource } from "./pagerduty.js";
import { RecentDeliveries, secretList } from "./webhook.js";

/**
 * The environment variables incident sources read. Secrets never come from the repository's config.
 * Webhook secrets are comma-separated lists so a rotation can keep the old and the new one for a while.
 */
export const INCIDENT_ENV = {
  pagerdutyToken: "PAGERDUTY_API_TOKEN",
  pagerdutyWebhookSecrets: "PAGERDUTY_WEBHOOK_SECRETS",
  jiraEmail: "JIRA_EMAIL",
  jiraToken: "JIRA_API_TOKEN",
  jiraWebhookSecret: "JIRA_WEBHOOK_SECRET",
  incidentIoKey: "INCIDENT_IO_API_KEY",
  incidentIoWebhookSecret: "INCIDENT_IO_WEBHOOK_SECRET",
} as const;

export interface IncidentSourcesDeps {
  env: Record<string, string | undefined>;
  /** The installation's Octokit, for `incidents.github`; without it that source is left out (and said so). */
  githubOctokit?: InstanceType<typeof ProbotOctokit>;
  timeoutMs?: number;
  /** Shared by every source built here: one bounded memory of recent deliveries. */
  recentDeliveries?: RecentDeliveries;
  now?: () => number;
}

export interface IncidentSources {
  sources: IncidentSource[];
  /** One line per configured source that cannot run, naming what is missing (never a value). */
  problems: string[];
}

/** Builds every source `incidents:` configures, with its secrets from the environment. */
export function createIncidentSources(config: IncidentsConfig, deps: IncidentSourcesDeps): IncidentSources {
  const sources: IncidentSource[] = [];
  const problems: string[] = [];
  const env = (name: string) => {
    const value = deps.env[name]?.trim();
    return value ? value : undefined;
  };
  const shared = { ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}), recentDeliveries: deps.recentDeliveries ?? new RecentDeliveries(), ...(deps.now ? { now: deps.now } : {}) };

  if (config.github) {
    if (deps.githubOctokit) sources.push(new GitHubIssuesIncidentSource({ octokit: deps.githubOctokit, repo: config.github.repo, label: config.github.label, ...shared }));
    else problems.push(`incidents.github is configured but no GitHub installation can read ${config.github.repo}; its incidents are not read.`);
  }
  if (config.pagerduty) {
    const token = env(INCIDENT_ENV.pagerdutyToken);
    if (token) {
      sources.push(
        new PagerDutyIncidentSource({
          token,
          serviceIds: config.pagerduty.service_ids,
          ...(config.pagerduty.from ? { fromEmail: config.pagerduty.from } : {}),
          webhookSecrets: secretList(env(INCIDENT_ENV.pagerdutyWebhookSecrets)),
          ...shared,
        }),
      );
    } else problems.push(`incidents.pagerduty is configured but ${INCIDENT_ENV.pagerdutyToken} is not set; PagerDuty incidents are not read.`);
  }
  if (config.jira) {
    const email = env(INCIDENT_ENV.jiraEmail);
    const apiToken = env(INCIDENT_ENV.jiraToken);
    if (email && apiToken) {
      sources.push(new JiraIncidentSource({ site: config.jira.site, jql: config.jira.jql, email, apiToken, webhookSecrets: secretList(env(INCIDENT_ENV.jiraWebhookSecret)), ...shared }));
    } else {
      const missing = [email ? undefined : INCIDENT_ENV.jiraEmail, apiToken ? undefined : INCIDENT_ENV.jiraToken].filter(Boolean).join(" and ");
      problems.push(`incidents.jira is configured but ${missing} ${missing.includes(" and ") ? "are" : "is"} not set; Jira incidents are not read.`);
    }
  }
  if (config.incident_io) {
    const apiKey = env(INCIDENT_ENV.incidentIoKey);
    if (apiKey) sources.push(new IncidentIoIncidentSource({ apiKey, webhookSecrets: secretList(env(INCIDENT_ENV.incidentIoWebhookSecret)), ...shared }));
    else problems.push(`incidents.incident_io is configured but ${INCIDENT_ENV.incidentIoKey} is not set; incident.io incidents are not read.`);
  }
  return { sources, problems };
}
