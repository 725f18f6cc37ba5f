import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { createIncidentSources } from "../../../src/adapters/incidents/sources.js";
import { validateConfig } from "../../../src/config/validate.js";

const workspaces = [{ name: "prod", dir: "infra/prod" }];

function incidentsOf(incidents: unknown) {
  const result = validateConfig({ workspaces, incidents });
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  return result.config.incidents;
}

describe("the incidents: config section", () => {
  it("defaults to no source, the default tag keys, threshold 0.5, a five-minute poll and a 24h break-glass grace", () => {
    expect(incidentsOf(undefined)).toEqual({ tag_keys: ["incident", "ticket", "change"], services: {}, threshold: 0.5, poll: "5m", break_glass_grace: "24h" });
  });

  it("accepts every source with its settings, and fills the GitHub label", () => {
    const config = incidentsOf({
      github: { repo: "acme/incidents" },
      pagerduty: { service_ids: ["P123ABC"], from: "driftback@acme.example" },
      jira: { site: "acme.atlassian.net", jql: "project = INC" },
      incident_io: {},
      services: { shop: ["prod"] },
    });
    expect(config.github).toEqual({ repo: "acme/incidents", label: "incident" });
    expect(config.pagerduty).toEqual({ service_ids: ["P123ABC"], from: "driftback@acme.example" });
    expect(config.incident_io).toEqual({});
  });

  const bad: [string, unknown, string, RegExp][] = [
    ["a repository without its owner", { github: { repo: "incidents" } }, "incidents.github.repo", /owner\/name/],
    ["a JQL with ORDER BY", { jira: { site: "acme.atlassian.net", jql: "project = INC order by created" } }, "incidents.jira.jql", /ORDER BY/],
    ["a Jira site given as a URL", { jira: { site: "https://acme.atlassian.net", jql: "project = INC" } }, "incidents.jira.site", /host name/],
    ["a From that is not an email", { pagerduty: { from: "driftback" } }, "incidents.pagerduty.from", /email/],
    ["a threshold above 1", { threshold: 1.5 }, "incidents.threshold", /1/],
    ["a poll shorter than a minute", { poll: "10s" }, "incidents.poll", /at least 1m/],
    ["a token in the config (secrets come from the environment)", { pagerduty: { token: "u+abc" } }, "incidents.pagerduty", /unknown key `token`/],
  ];
  it.each(bad)("refuses %s, naming the field", (_name, incidents, path, message) => {
    const result = validateConfig({ workspaces, incidents });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });
});

describe("building the configured sources from the environment", () => {
  const all = incidentsOf({ github: { repo: "acme/incidents" }, pagerduty: {}, jira: { site: "acme.atlassian.net", jql: "project = INC" }, incident_io: {} });
  const octokit = new ProbotOctokit({ auth: { token: "ghs_x" }, retry: { enabled: false }, throttle: { enabled: false } });

  it("builds every source whose secrets are set", () => {
    const env = { PAGERDUTY_API_TOKEN: "pd", JIRA_EMAIL: "bot@acme.example", JIRA_API_TOKEN: "jt", JIRA_SITE: "acme.atlassian.net", INCIDENT_IO_API_KEY: "io", PAGERDUTY_WEBHOOK_SECRETS: "a, b", PAGERDUTY_SERVICE_ALLOWLIST: "acme:*" };
    const { sources, problems } = createIncidentSources(all, { env, scope: { owner: "acme" }, githubOctokit: octokit });
    expect(sources.map((s) => s.name)).toEqual(["github", "pagerduty", "jira", "incident_io"]);
    expect(problems).toEqual([]);
  });

  it("leaves out a source whose variables are missing, with one line naming them and never a value", () => {
    const { sources, problems } = createIncidentSources(all, { env: { JIRA_EMAIL: "bot@acme.example", INCIDENT_IO_API_KEY: "  " }, scope: { owner: "acme" } });
    expect(sources).toEqual([]);
    expect(problems).toEqual([
      "incidents.github is configured but no GitHub installation can read acme/incidents; its incidents are not read.",
      "incidents.pagerduty is configured but PAGERDUTY_API_TOKEN is not set; PagerDuty incidents are not read.",
      "incidents.jira is configured but JIRA_API_TOKEN is not set; Jira incidents are not read.",
      "incidents.incident_io is configured but INCIDENT_IO_API_KEY is not set; incident.io incidents are not read.",
    ]);
  });

  it("a rotated secret list is split: a delivery signed by the second secret is accepted", async () => {
    const { createHmac } = await import("node:crypto");
    const { sources } = createIncidentSources(incidentsOf({ pagerduty: {} }), { env: { PAGERDUTY_API_TOKEN: "pd", PAGERDUTY_WEBHOOK_SECRETS: "old-one, new-one" }, scope: "cli" });
    const body = JSON.stringify({ event: { id: "e1", event_type: "incident.resolved", occurred_at: "2026-11-01T03:59:00Z", data: { id: "PT4KHLK", type: "incident" } } });
    const signature = `v1=${createHmac("sha256", "new-one").update(body).digest("hex")}`;
    expect(sources[0]!.verifyWebhook({ "x-pagerduty-signature": signature, "x-webhook-id": "w1" }, body, new Date("2026-11-01T04:00:00Z"))).toMatchObject({ ok: true, event: { key: "PT4KHLK", kind: "resolved" } });
  });
});
