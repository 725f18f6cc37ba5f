import type { ProbotOctokit } from "probot";
import type { IncidentsConfig } from "../../config/schema.js";
import type { IncidentSource } from "../../ports.js";
import { GitHubIssuesIncidentSource } from "./github.js";
import { IncidentIoIncidentSource } from "./incident-io.js";
import { JiraIncidentSource } from "./jira.js";
import { operatorIncidentSettings, OPERATOR_ENV, OperatorSettingError, type OperatorIncidentSettings } from "./operator.js";
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
  /**
   * Whose repository the config comes from: the App passes the repository's owner (its installation's account), and
   * the operator's allowlists decide what that owner may reach with the operator's credentials. `"cli"`: the person
   * running the command holds the credentials (no per-owner allowlist; the Jira site still comes from JIRA_SITE).
   */
  scope: { owner: string } | "cli";
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

/**
 * Builds every source `incidents:` configures, with its secrets and every endpoint that receives them from the
 * operator's environment: a repository chooses which of the operator's sources it reads, never where a credential goes
 * nor what lies outside what the operator allowed its owner (see OPERATOR_ENV).
 */
export function createIncidentSources(config: IncidentsConfig, deps: IncidentSourcesDeps): IncidentSources {
  const sources: IncidentSource[] = [];
  const problems: string[] = [];
  const env = (name: string) => {
    const value = deps.env[name]?.trim();
    return value ? value : undefined;
  };
  const shared = { ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}), recentDeliveries: deps.recentDeliveries ?? new RecentDeliveries(), ...(deps.now ? { now: deps.now } : {}) };
  let operator: OperatorIncidentSettings;
  try {
    operator = operatorIncidentSettings(deps.env);
  } catch (error) {
    // checked at boot too; here every source that needs the operator's word is left out rather than guessed
    if (!(error instanceof OperatorSettingError)) throw error;
    operator = {};
    problems.push(`${error.message}; the incident sources that depend on it are not read.`);
  }
  const owner = deps.scope === "cli" ? undefined : deps.scope.owner;
  const ownerKey = owner?.toLowerCase();

  if (config.github) {
    const incidentsOwner = config.github.repo.split("/")[0]!;
    if (ownerKey !== undefined && incidentsOwner.toLowerCase() !== ownerKey) {
      // the App's token of this installation must not read another account's repository (even a public one)
      problems.push(`incidents.github.repo ${config.github.repo} belongs to ${incidentsOwner}, not to ${owner}: only a repository of the same installation is read; its incidents are not read.`);
    } else if (deps.githubOctokit) sources.push(new GitHubIssuesIncidentSource({ octokit: deps.githubOctokit, repo: config.github.repo, label: config.github.label, ...shared }));
    else problems.push(`incidents.github is configured but no GitHub installation can read ${config.github.repo}; its incidents are not read.`);
  }
  if (config.pagerduty) {
    const token = env(INCIDENT_ENV.pagerdutyToken);
    const services = ownerKey === undefined ? { ids: config.pagerduty.service_ids } : allowedServices(config.pagerduty.service_ids, owner!, operator);
    if (!token) problems.push(`incidents.pagerduty is configured but ${INCIDENT_ENV.pagerdutyToken} is not set; PagerDuty incidents are not read.`);
    else if ("problem" in services) problems.push(services.problem);
    else {
      sources.push(
        new PagerDutyIncidentSource({
          token,
          serviceIds: services.ids,
          ...(config.pagerduty.from ? { fromEmail: config.pagerduty.from } : {}),
          webhookSecrets: secretList(env(INCIDENT_ENV.pagerdutyWebhookSecrets)),
          ...shared,
        }),
      );
    }
  }
  if (config.jira) {
    const email = env(INCIDENT_ENV.jiraEmail);
    const apiToken = env(INCIDENT_ENV.jiraToken);
    const site = operator.jiraSite;
    if (!email || !apiToken) {
      const missing = [email ? undefined : INCIDENT_ENV.jiraEmail, apiToken ? undefined : INCIDENT_ENV.jiraToken].filter(Boolean).join(" and ");
      problems.push(`incidents.jira is configured but ${missing} ${missing.includes(" and ") ? "are" : "is"} not set; Jira incidents are not read.`);
    } else if (!site) {
      problems.push(`incidents.jira is configured but ${OPERATOR_ENV.jiraSite} is not set: the Jira credentials go only to the operator's site; Jira incidents are not read.`);
    } else if (config.jira.site !== undefined && config.jira.site.toLowerCase() !== site) {
      problems.push(`incidents.jira.site ${config.jira.site} is not the operator's ${OPERATOR_ENV.jiraSite} ${site}; Jira incidents are not read.`);
    } else if (ownerKey !== undefined && operator.jiraOwners && !operator.jiraOwners.has(ownerKey)) {
      problems.push(`incidents.jira is configured but ${owner} is not in ${OPERATOR_ENV.jiraOwners}; Jira incidents are not read.`);
    } else {
      sources.push(new JiraIncidentSource({ site, jql: config.jira.jql, email, apiToken, webhookSecrets: secretList(env(INCIDENT_ENV.jiraWebhookSecret)), ...shared }));
    }
  }
  if (config.incident_io) {
    const apiKey = env(INCIDENT_ENV.incidentIoKey);
    if (!apiKey) problems.push(`incidents.incident_io is configured but ${INCIDENT_ENV.incidentIoKey} is not set; incident.io incidents are not read.`);
    else if (ownerKey !== undefined && operator.incidentIoOwners && !operator.incidentIoOwners.has(ownerKey)) {
      problems.push(`incidents.incident_io is configured but ${owner} is not in ${OPERATOR_ENV.incidentIoOwners}; incident.io incidents are not read.`);
    } else sources.push(new IncidentIoIncidentSource({ apiKey, webhookSecrets: secretList(env(INCIDENT_ENV.incidentIoWebhookSecret)), ...shared }));
  }
  return { sources, problems };
}

/**
 * The PagerDuty services an owner's repository reads: the operator's allowlist for that owner, narrowed by the
 * repository's `service_ids`. Without an allowlist entry the App reads none (the API key sees the whole account).
 */
export function allowedServices(wanted: readonly string[], owner: string, operator: OperatorIncidentSettings): { ids: string[] } | { problem: string } {
  const variable = OPERATOR_ENV.pagerdutyAllowlist;
  if (!operator.pagerdutyAllowlist) {
    return { problem: `incidents.pagerduty is configured but ${variable} is not set: the operator has not said which PagerDuty services ${owner} may read; PagerDuty incidents are not read.` };
  }
  const allowance = operator.pagerdutyAllowlist.get(owner.toLowerCase());
  if (!allowance) return { problem: `incidents.pagerduty is configured but ${variable} allows ${owner} no service; PagerDuty incidents are not read.` };
  if (allowance.kind === "all") return { ids: [...wanted] };
  if (wanted.length === 0) return { ids: [...allowance.ids].sort() };
  const outside = wanted.filter((id) => !allowance.ids.has(id));
  if (outside.length > 0) return { problem: `incidents.pagerduty.service_ids ${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} not among the services ${variable} allows ${owner}; PagerDuty incidents are not read.` };
  return { ids: [...wanted] };
}
