import { readFileSync } from "node:fs";

/**
 * What the operator (the environment, never a repository) decides about the incident credentials it holds: where they
 * may be sent and which installations may use them for what. Read at boot (a wrong value fails the start, naming its
 * variable) and again wherever sources are built.
 */
export const OPERATOR_ENV = {
  /** The one Jira Cloud site JIRA_EMAIL/JIRA_API_TOKEN are sent to. */
  jiraSite: "JIRA_SITE",
  /** `owner:SERVICE,SERVICE;owner:*`: the PagerDuty services each GitHub owner's repositories may read and write notes on. */
  pagerdutyAllowlist: "PAGERDUTY_SERVICE_ALLOWLIST",
  /** The same, in a file (one `owner:SERVICE,...` per line or `;`-separated); for a mounted ConfigMap or secret. */
  pagerdutyAllowlistFile: "PAGERDUTY_SERVICE_ALLOWLIST_FILE",
  /** `owner,owner`: the only owners whose repositories may use the Jira credentials; unset: every installation. */
  jiraOwners: "JIRA_ALLOWED_OWNERS",
  /** `owner,owner`: the only owners whose repositories may use the incident.io key; unset: every installation. */
  incidentIoOwners: "INCIDENT_IO_ALLOWED_OWNERS",
} as const;

/** A PagerDuty allowlist entry: these service ids, or every service the API key can see (`*`). */
export type ServiceAllowance = { kind: "all" } | { kind: "some"; ids: ReadonlySet<string> };

export interface OperatorIncidentSettings {
  jiraSite?: string;
  /** By lower-case owner login; undefined when neither variable is set. */
  pagerdutyAllowlist?: ReadonlyMap<string, ServiceAllowance>;
  jiraOwners?: ReadonlySet<string>;
  incidentIoOwners?: ReadonlySet<string>;
}

/** A variable the operator set wrongly: the message names it and never repeats a secret (these hold none). */
export class OperatorSettingError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "OperatorSettingError";
  }
}

const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$/i;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const SERVICE = /^[A-Z0-9]{1,20}$/;

/** Parses and checks every operator setting; throws OperatorSettingError naming the first wrong variable. */
export function operatorIncidentSettings(env: Record<string, string | undefined>, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): OperatorIncidentSettings {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const settings: { -readonly [K in keyof OperatorIncidentSettings]: OperatorIncidentSettings[K] } = {};
  const site = value(OPERATOR_ENV.jiraSite);
  if (site !== undefined) {
    if (!HOST.test(site)) throw new OperatorSettingError(OPERATOR_ENV.jiraSite, "must be a host name such as acme.atlassian.net (no scheme, no path)");
    settings.jiraSite = site.toLowerCase();
  }
  const inline = value(OPERATOR_ENV.pagerdutyAllowlist);
  const file = value(OPERATOR_ENV.pagerdutyAllowlistFile);
  if (inline !== undefined && file !== undefined) {
    throw new OperatorSettingError(OPERATOR_ENV.pagerdutyAllowlist, `set it or ${OPERATOR_ENV.pagerdutyAllowlistFile}, not both`);
  }
  if (inline !== undefined) settings.pagerdutyAllowlist = parseServiceAllowlist(inline, OPERATOR_ENV.pagerdutyAllowlist);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFile(file);
    } catch {
      throw new OperatorSettingError(OPERATOR_ENV.pagerdutyAllowlistFile, "the file cannot be read");
    }
    settings.pagerdutyAllowlist = parseServiceAllowlist(text, OPERATOR_ENV.pagerdutyAllowlistFile);
  }
  const jiraOwners = value(OPERATOR_ENV.jiraOwners);
  if (jiraOwners !== undefined) settings.jiraOwners = parseOwners(jiraOwners, OPERATOR_ENV.jiraOwners);
  const ioOwners = value(OPERATOR_ENV.incidentIoOwners);
  if (ioOwners !== undefined) settings.incidentIoOwners = parseOwners(ioOwners, OPERATOR_ENV.incidentIoOwners);
  return settings;
}

/** `acme:P123,P456;other-org:*` (entries separated by `;` or new lines; `#` starts a comment line in a file). */
export function parseServiceAllowlist(text: string, variable: string): ReadonlyMap<string, ServiceAllowance> {
  const allowlist = new Map<string, ServiceAllowance>();
  const entries = text
    .split(/[;\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "" && !entry.startsWith("#"));
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(":");
    if (colon < 0) throw new OperatorSettingError(variable, `${where} has no ":"; write owner:SERVICE,SERVICE;owner:SERVICE (or owner:* for every service the API key sees)`);
    const owner = entry.slice(0, colon).trim();
    if (!OWNER.test(owner)) throw new OperatorSettingError(variable, `${where} does not start with a GitHub owner login`);
    const key = owner.toLowerCase();
    if (allowlist.has(key)) throw new OperatorSettingError(variable, `${where} names ${owner} a second time`);
    const ids = entry
      .slice(colon + 1)
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== "");
    if (ids.length === 1 && ids[0] === "*") {
      allowlist.set(key, { kind: "all" });
      return;
    }
    if (ids.length === 0) throw new OperatorSettingError(variable, `${where} (${owner}) lists no service`);
    const bad = ids.find((id) => !SERVICE.test(id));
    if (bad !== undefined) throw new OperatorSettingError(variable, `${where} (${owner}) has a service id that is not letters and digits such as P123ABC${bad === "*" ? " (* stands alone)" : ""}`);
    allowlist.set(key, { kind: "some", ids: new Set(ids) });
  });
  if (allowlist.size === 0) throw new OperatorSettingError(variable, "is set but lists no owner");
  return allowlist;
}

function parseOwners(text: string, variable: string): ReadonlySet<string> {
  const owners = text
    .split(",")
    .map((owner) => owner.trim())
    .filter((owner) => owner !== "");
  const bad = owners.findIndex((owner) => !OWNER.test(owner));
  if (bad >= 0) throw new OperatorSettingError(variable, `entry ${bad + 1} is not a GitHub owner login`);
  if (owners.length === 0) throw new OperatorSettingError(variable, "is set but lists no owner");
  return new Set(owners.map((owner) => owner.toLowerCase()));
}
