import { ProbotOctokit } from "probot";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { operatorIncidentSettings, OperatorSettingError, parseServiceAllowlist } from "../../../src/adapters/incidents/operator.js";
import { PagerDutyIncidentSource } from "../../../src/adapters/incidents/pagerduty.js";
import { createIncidentSources } from "../../../src/adapters/incidents/sources.js";
import { validateConfig } from "../../../src/config/validate.js";
import { webhookVerifiers } from "../../../src/handlers/incident-webhooks.js";

/**
 * Issue 15 §3: every endpoint that receives an operator credential comes from the operator's environment, and what a
 * repository may reach with it is what the operator allowed its owner.
 */
const workspaces = [{ name: "prod", dir: "infra/prod" }];
function incidentsOf(incidents: unknown) {
  const result = validateConfig({ workspaces, incidents });
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  return result.config.incidents;
}
const octokit = new ProbotOctokit({ auth: { token: "ghs_x" }, retry: { enabled: false }, throttle: { enabled: false } });
const jiraEnv = { JIRA_EMAIL: "bot@acme.example", JIRA_API_TOKEN: "jt" };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("Jira: the credentials go only to the operator's JIRA_SITE", () => {
  it("a repository naming another site gets no Jira source, with one line naming both sites, and nothing is sent there", () => {
    const attacker = nock("https://evil.example.com").post(/.*/).reply(200, {}).get(/.*/).reply(200, {});
    const { sources, problems } = createIncidentSources(incidentsOf({ jira: { site: "evil.example.com", jql: "project = INC" } }), { env: { ...jiraEnv, JIRA_SITE: "acme.atlassian.net" }, scope: { owner: "acme" } });
    expect(sources).toEqual([]);
    expect(problems).toEqual(["incidents.jira.site evil.example.com is not the operator's JIRA_SITE acme.atlassian.net; Jira incidents are not read."]);
    expect(attacker.isDone()).toBe(false);
  });

  it("without JIRA_SITE there is no Jira source, even when the repository names a site (the CLI too)", () => {
    for (const scope of [{ owner: "acme" }, "cli"] as const) {
      const { sources, problems } = createIncidentSources(incidentsOf({ jira: { site: "acme.atlassian.net", jql: "project = INC" } }), { env: jiraEnv, scope });
      expect(sources).toEqual([]);
      expect(problems[0]).toMatch(/JIRA_SITE is not set/);
    }
  });

  it("a repository may leave the site out or repeat the operator's (any case); the requests go to JIRA_SITE", async () => {
    for (const site of [undefined, "ACME.atlassian.net"]) {
      const { sources, problems } = createIncidentSources(incidentsOf({ jira: { ...(site ? { site } : {}), jql: "project = INC" } }), { env: { ...jiraEnv, JIRA_SITE: "acme.atlassian.net" }, scope: { owner: "acme" } });
      expect(problems).toEqual([]);
      const scope = nock("https://acme.atlassian.net").post("/rest/api/3/search/jql").reply(200, { issues: [], isLast: true });
      await sources[0]!.listIncidents({ since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-02T00:00:00Z") });
      expect(scope.isDone()).toBe(true);
    }
  });

  it("JIRA_ALLOWED_OWNERS, when set, keeps other owners out", () => {
    const { sources, problems } = createIncidentSources(incidentsOf({ jira: { jql: "project = INC" } }), { env: { ...jiraEnv, JIRA_SITE: "acme.atlassian.net", JIRA_ALLOWED_OWNERS: "acme" }, scope: { owner: "other-org" } });
    expect(sources).toEqual([]);
    expect(problems).toEqual(["incidents.jira is configured but other-org is not in JIRA_ALLOWED_OWNERS; Jira incidents are not read."]);
  });
});

describe("PagerDuty: the operator's allowlist of services per owner", () => {
  const env = { PAGERDUTY_API_TOKEN: "pd", PAGERDUTY_SERVICE_ALLOWLIST: "acme:P123,P456;other-org:PXYZ;open-org:*" };
  const build = (owner: string, service_ids?: string[]) => createIncidentSources(incidentsOf({ pagerduty: service_ids ? { service_ids } : {} }), { env, scope: { owner } });

  it("an owner reads the services allowed to it; with no service_ids, exactly those", async () => {
    const { sources, problems } = build("ACME");
    expect(problems).toEqual([]);
    const scope = nock("https://api.pagerduty.com")
      .get("/incidents")
      .query((q) => JSON.stringify(q["service_ids[]"]) === JSON.stringify(["P123", "P456"]))
      .times(2)
      .reply(200, { incidents: [], more: false });
    await sources[0]!.listIncidents({ since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-02T00:00:00Z") });
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ["a service of another owner", "acme", ["PXYZ"], "incidents.pagerduty.service_ids PXYZ is not among the services PAGERDUTY_SERVICE_ALLOWLIST allows acme; PagerDuty incidents are not read."],
    ["an owner the allowlist does not name", "stranger", undefined, "incidents.pagerduty is configured but PAGERDUTY_SERVICE_ALLOWLIST allows stranger no service; PagerDuty incidents are not read."],
  ])("leaves PagerDuty out for %s", (_name, owner, ids, line) => {
    const { sources, problems } = build(owner, ids);
    expect(sources).toEqual([]);
    expect(problems).toEqual([line]);
  });

  it("without an allowlist the App reads no PagerDuty service at all", () => {
    const { sources, problems } = createIncidentSources(incidentsOf({ pagerduty: {} }), { env: { PAGERDUTY_API_TOKEN: "pd" }, scope: { owner: "acme" } });
    expect(sources).toEqual([]);
    expect(problems[0]).toMatch(/PAGERDUTY_SERVICE_ALLOWLIST is not set/);
  });

  it("an incident of a service outside the allowlist is neither read nor noted on, whoever names it", async () => {
    const source = new PagerDutyIncidentSource({ token: "pd", serviceIds: ["P123"], fromEmail: "bot@acme.example" });
    const api = nock("https://api.pagerduty.com");
    api.get("/incidents/PFOREIGN").times(2).reply(200, { incident: { id: "PFOREIGN", title: "payroll", status: "resolved", html_url: null, created_at: "2026-11-01T00:00:00Z", service: { id: "PPAYROLL", summary: "payroll" } } });
    expect(await source.getIncident("PFOREIGN")).toBeUndefined();
    await expect(source.upsertFollowUp("PFOREIGN", { marker: "driftback:followup:acme/infra", body: "x", mode: "append" })).rejects.toMatchObject({ kind: "rejected" });
    expect(api.isDone()).toBe(true); // no alerts, notes or note POST after the service check
  });

  it("reads the allowlist from a file too; a wrong one names its variable", () => {
    expect(operatorIncidentSettings({ PAGERDUTY_SERVICE_ALLOWLIST_FILE: "/etc/allow" }, () => "# services\nacme: P123, P456\nother-org:*\n").pagerdutyAllowlist?.get("acme")).toEqual({ kind: "some", ids: new Set(["P123", "P456"]) });
    expect(() => operatorIncidentSettings({ PAGERDUTY_SERVICE_ALLOWLIST_FILE: "/missing" }, () => { throw new Error("ENOENT"); })).toThrow(/^PAGERDUTY_SERVICE_ALLOWLIST_FILE: the file cannot be read/);
  });

  it.each([
    ["acme", /entry 1 has no ":"/],
    ["acme:P1;acme:P2", /names acme a second time/],
    ["acme:", /lists no service/],
    ["acme:p-1", /not letters and digits/],
    ["acme:*,P1", /\* stands alone/],
    ["-bad:P1", /GitHub owner login/],
  ])("refuses the allowlist %j with a message naming PAGERDUTY_SERVICE_ALLOWLIST", (text, message) => {
    expect(() => parseServiceAllowlist(text, "PAGERDUTY_SERVICE_ALLOWLIST")).toThrow(OperatorSettingError);
    expect(() => parseServiceAllowlist(text, "PAGERDUTY_SERVICE_ALLOWLIST")).toThrow(message);
  });
});

describe("incident.io and the GitHub incidents repository", () => {
  it("incident.io always goes to api.incident.io; INCIDENT_IO_ALLOWED_OWNERS, when set, keeps other owners out", () => {
    const env = { INCIDENT_IO_API_KEY: "io", INCIDENT_IO_ALLOWED_OWNERS: "acme, platform" };
    expect(createIncidentSources(incidentsOf({ incident_io: {} }), { env, scope: { owner: "Platform" } }).sources.map((s) => s.name)).toEqual(["incident_io"]);
    expect(createIncidentSources(incidentsOf({ incident_io: {} }), { env, scope: { owner: "other" } }).problems).toEqual(["incidents.incident_io is configured but other is not in INCIDENT_IO_ALLOWED_OWNERS; incident.io incidents are not read."]);
    expect(validateConfig({ workspaces, incidents: { incident_io: { base_url: "https://evil.example.com" } } }).ok).toBe(false);
  });

  it("the GitHub incidents repository must belong to the repository's own owner (the same installation)", () => {
    const { sources, problems } = createIncidentSources(incidentsOf({ github: { repo: "other-org/incidents" } }), { env: {}, scope: { owner: "acme" }, githubOctokit: octokit });
    expect(sources).toEqual([]);
    expect(problems).toEqual(["incidents.github.repo other-org/incidents belongs to other-org, not to acme: only a repository of the same installation is read; its incidents are not read."]);
    expect(createIncidentSources(incidentsOf({ github: { repo: "Acme/incidents" } }), { env: {}, scope: { owner: "acme" }, githubOctokit: octokit }).sources.map((s) => s.name)).toEqual(["github"]);
  });
});

describe("checked at boot", () => {
  it.each([
    [{ JIRA_SITE: "https://acme.atlassian.net" }, /^JIRA_SITE: must be a host name/],
    [{ PAGERDUTY_SERVICE_ALLOWLIST: "acme" }, /^PAGERDUTY_SERVICE_ALLOWLIST: entry 1/],
    [{ PAGERDUTY_SERVICE_ALLOWLIST: "acme:P1", PAGERDUTY_SERVICE_ALLOWLIST_FILE: "/x" }, /not both/],
    [{ JIRA_ALLOWED_OWNERS: "acme,-x" }, /^JIRA_ALLOWED_OWNERS: entry 2/],
  ])("the webhook verifiers (built at start-up) refuse %j, naming the variable", (env, message) => {
    expect(() => webhookVerifiers(env)).toThrow(message);
  });
});
