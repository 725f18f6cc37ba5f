import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IncidentSourceError, type IncidentSourceErrorKind } from "../../../src/adapters/incidents/errors.js";
import { GitHubIssuesIncidentSource } from "../../../src/adapters/incidents/github.js";
import { IncidentIoIncidentSource } from "../../../src/adapters/incidents/incident-io.js";
import { JiraIncidentSource } from "../../../src/adapters/incidents/jira.js";
import { PagerDutyIncidentSource } from "../../../src/adapters/incidents/pagerduty.js";
import type { IncidentSource } from "../../../src/ports.js";
import { FAULTS, GitHubIssuesMock, IncidentIoMock, JiraMock, PagerDutyMock, type Reply } from "../../support/incident-apis.js";

// canaries: every request carries them; no error may bring one back
const PD_TOKEN = "u+pdCANARYtoken0123456789";
const JIRA_TOKEN = "ATATTjiraCANARY0123456789abcdef";
const JIRA_EMAIL = "bot-canary@acme.example";
const IO_KEY = "inc_io_CANARY_0123456789abcdef";
const GH_TOKEN = "ghs_canary0123456789abcdefABCDEF0123456789";
const CANARIES = [PD_TOKEN, JIRA_TOKEN, IO_KEY, GH_TOKEN, Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString("base64")];

const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };
// generous: the machine is shared, and only the slow answer below may reach it
const TIMEOUT_MS = 1000;

interface Tracker {
  name: string;
  make(): { source: IncidentSource; arm(reply: Reply): void };
}

const trackers: Tracker[] = [
  {
    name: "PagerDuty",
    make: () => {
      const mock = new PagerDutyMock();
      return { source: new PagerDutyIncidentSource({ token: PD_TOKEN, timeoutMs: TIMEOUT_MS }), arm: (reply) => mock.listIncidents(reply) };
    },
  },
  {
    name: "Jira",
    make: () => {
      const mock = new JiraMock();
      return { source: new JiraIncidentSource({ site: "acme.atlassian.net", email: JIRA_EMAIL, apiToken: JIRA_TOKEN, jql: "project = INC", timeoutMs: TIMEOUT_MS }), arm: (reply) => mock.search(reply) };
    },
  },
  {
    name: "incident.io",
    make: () => {
      const mock = new IncidentIoMock();
      return { source: new IncidentIoIncidentSource({ apiKey: IO_KEY, timeoutMs: TIMEOUT_MS }), arm: (reply) => mock.listIncidents(reply) };
    },
  },
  {
    name: "GitHub",
    make: () => {
      const mock = new GitHubIssuesMock();
      const octokit = new ProbotOctokit({ auth: { token: GH_TOKEN }, retry: { enabled: false }, throttle: { enabled: false } });
      return { source: new GitHubIssuesIncidentSource({ octokit, repo: "acme/incidents", timeoutMs: TIMEOUT_MS }), arm: (reply) => mock.listIssues(reply) };
    },
  },
];

const faults: [string, Reply, IncidentSourceErrorKind, RegExp][] = [
  ["401 (a wrong or expired token)", FAULTS.unauthorized, "unauthorized", /did not accept driftback's credentials \(HTTP 401\); (check|the App's)/],
  ["403 (no access)", FAULTS.forbidden, "forbidden", /refused it \(HTTP 403\)/],
  ["404", FAULTS.notFound, "not-found", /found no such thing, or the credentials cannot see it \(HTTP 404\)/],
  ["410 (an API removed)", FAULTS.gone, "gone", /says this API is gone \(HTTP 410\)/],
  ["429 with Retry-After", FAULTS.rateLimited, "rate-limited", /rate limit was hit \(HTTP 429\); driftback tries again in 17 s\./],
  ["503 with an HTML page", FAULTS.serverError, "unavailable", /did not answer properly \(HTTP 503\); driftback tries again on the next scan\./],
  ["200 with an HTML page instead of JSON", FAULTS.html, "malformed", /answer (was not valid JSON|did not have the documented shape)/],
  ["200 with truncated JSON", FAULTS.truncatedJson, "malformed", /answer (was not valid JSON|did not have the documented shape)/],
  ["200 with JSON of the wrong shape", FAULTS.wrongShape, "malformed", /did not have the documented shape/],
  ["an answer slower than the timeout", { status: 200, body: { incidents: [] }, delayMs: 3000 }, "timeout", /did not answer within 1 s; driftback tries again on the next scan\./],
];

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe.each(trackers)("$name: every fault becomes one typed error with one readable sentence and no secret", (tracker) => {
  it.each(faults)("%s", async (_name, reply, kind, sentence) => {
    const { source, arm } = tracker.make();
    arm(reply);
    const error = await source.listIncidents(WINDOW).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IncidentSourceError);
    const failure = error as IncidentSourceError;
    expect(failure.kind).toBe(kind);
    expect(failure.reason).toMatch(sentence);
    expect(failure.reason).toMatch(/^Could not [^\n]+\.$/);
    if (kind === "rate-limited") expect(failure.retryAfterSeconds).toBe(17);
    else expect(failure.retryAfterSeconds).toBeUndefined();
    for (const text of [failure.reason, failure.message, JSON.stringify(failure)]) for (const canary of CANARIES) expect(text).not.toContain(canary);
  });
});

describe("hints that tell a person what to do", () => {
  const cases: [string, number, Reply, RegExp][] = [
    ["PagerDuty 401 names the variable to check", 0, FAULTS.unauthorized, /check PAGERDUTY_API_TOKEN/],
    ["Jira 401 names both variables", 1, FAULTS.unauthorized, /check JIRA_EMAIL and JIRA_API_TOKEN/],
    ["Jira 410 says the search API moved to /search/jql", 1, FAULTS.gone, /CHANGE-2046: \/rest\/api\/3\/search became \/rest\/api\/3\/search\/jql\); upgrade driftback/],
    ["incident.io 401 names the variable", 2, FAULTS.unauthorized, /check INCIDENT_IO_API_KEY/],
    ["GitHub 403 asks for the App on the incidents repository", 3, FAULTS.forbidden, /install the App on acme\/incidents with Issues read and write access/],
  ];
  it.each(cases)("%s", async (_name, index, reply, hint) => {
    const { source, arm } = trackers[index]!.make();
    arm(reply);
    await expect(source.listIncidents(WINDOW)).rejects.toMatchObject({ reason: expect.stringMatching(hint) });
  });

  it("PagerDuty's ratelimit-reset is used when there is no Retry-After", async () => {
    const { source, arm } = trackers[0]!.make();
    arm({ status: 429, body: { error: { message: "Rate Limit Exceeded", code: 2020 } }, headers: { "ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "20" } });
    await expect(source.listIncidents(WINDOW)).rejects.toMatchObject({ kind: "rate-limited", retryAfterSeconds: 20 });
  });

  it("a 400 quotes the tracker's own words, without the token even when the tracker echoes it", async () => {
    const { source, arm } = trackers[0]!.make();
    arm({ status: 400, body: { error: { message: `Invalid Input Provided for Token token=${PD_TOKEN}`, code: 2001, errors: ["Invalid time values in 'since' and/or 'until' parameters"] } } });
    const error = (await source.listIncidents(WINDOW).catch((e: unknown) => e)) as IncidentSourceError;
    expect(error.kind).toBe("rejected");
    expect(error.reason).toContain("Invalid time values in 'since' and/or 'until' parameters");
    expect(error.reason).not.toContain(PD_TOKEN);
  });

  it("a window whose start is after its end is refused before any request", async () => {
    const { source } = trackers[0]!.make();
    await expect(source.listIncidents({ since: WINDOW.until, until: WINDOW.since })).rejects.toMatchObject({ kind: "rejected", reason: expect.stringContaining("valid start before its end") });
  });
});
