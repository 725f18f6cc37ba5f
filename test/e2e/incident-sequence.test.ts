import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/marker.js";
import { API } from "../support/github-api.js";
import { API_BRANCH, BackportScenario, OWNER, REPO } from "./backport-harness.js";

const INCIDENTS = "incidents";
const NUMBER = 42;
const KEY = `${OWNER}/${INCIDENTS}#${NUMBER}`;
const ISSUE_URL = `https://github.com/${OWNER}/${INCIDENTS}/issues/${NUMBER}`;

export const INCIDENT_CONFIG = `
workspaces:
  - name: prod
    dir: prod
    tier: prod
drift:
  schedule: "0 * * * *"
incidents:
  github: { repo: ${OWNER}/${INCIDENTS}, label: incident }
`;

interface IncidentComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

/** The incident repository on GitHub: issue #42 labelled `incident`, its comments kept as the app writes them. */
export class IncidentRepo {
  state: "open" | "closed" = "open";
  closedAt: string | null = null;
  readonly comments: IncidentComment[] = [];
  /** Every comment write, in order, as "POST <body>" / "PATCH <body>". */
  readonly writes: string[] = [];
  private nextId = 5000;

  constructor(private readonly openedAt: string) {
    const base = `/repos/${OWNER}/${INCIDENTS}`;
    const scope = nock(API).persist();
    // nock 15.0.0 hangs on reply functions that read the request body: the body comes from the request event
    let body = "";
    scope.on("request", (_req: unknown, _interceptor: unknown, sent: string) => (body = sent));
    const text = () => (JSON.parse(body) as { body: string }).body;
    scope.get(`${base}/issues/${NUMBER}`).query(true).reply(200, () => this.issueJson());
    // the source's listing: every issue labelled incident (touched since, or still open)
    scope.get(`${base}/issues`).query((q) => q.labels === "incident").reply(200, () => (this.state === "open" || this.closedAt !== null ? [this.issueJson()] : []));
    scope.get(`${base}/issues/${NUMBER}/comments`).query(true).reply(200, () => this.comments);
    scope.post(`${base}/issues/${NUMBER}/comments`).reply(201, () => this.add(text()));
    let edited = 0;
    scope
      .intercept((uri: string) => {
        const match = /^\/repos\/acme\/incidents\/issues\/comments\/(\d+)$/.exec(uri.split("?")[0]!);
        if (match) edited = Number(match[1]);
        return match !== null;
      }, "PATCH")
      .reply(200, () => this.edit(edited, text()) ?? {});
    scope.get(`${base}/collaborators/alice/permission`).reply(200, { permission: "write", role_name: "write", user: { login: "alice" } });
    scope.post(/\/repos\/acme\/incidents\/issues\/comments\/\d+\/reactions$/).reply(201, { id: 1 });
  }

  issueJson() {
    return {
      number: NUMBER,
      title: "Checkout is down",
      body: "Paged at 10:00; scaling the api by hand.",
      html_url: ISSUE_URL,
      state: this.state,
      created_at: this.openedAt,
      closed_at: this.closedAt,
      labels: [{ name: "incident" }],
      user: { login: "alice", type: "User" },
    };
  }

  close(at: string): void {
    this.state = "closed";
    this.closedAt = at;
  }

  /** The app's comments: those not written by alice. */
  appComments(): IncidentComment[] {
    return this.comments.filter((c) => c.user.login !== "alice");
  }

  private add(body: string): IncidentComment {
    const comment = { id: this.nextId++, body, html_url: `${ISSUE_URL}#issuecomment-${this.nextId}`, user: { login: "driftback[bot]", type: "Bot" } };
    this.comments.push(comment);
    this.writes.push(`POST ${body}`);
    return comment;
  }

  private edit(id: number, body: string): IncidentComment | undefined {
    const comment = this.comments.find((c) => c.id === id);
    if (comment) comment.body = body;
    this.writes.push(`PATCH ${body}`);
    return comment;
  }
}

const repository = { id: 2, name: INCIDENTS, full_name: `${OWNER}/${INCIDENTS}`, owner: { login: OWNER, type: "Organization" }, private: true, default_branch: "main" };
const sender = { login: "alice", type: "User" };

function breakGlassComment(incident: IncidentRepo) {
  return {
    action: "created",
    issue: { ...incident.issueJson(), id: 4200 },
    comment: { id: 901, body: "/driftback break-glass prod 2h scaling the api by hand", user: sender, created_at: new Date().toISOString() },
    repository,
    sender,
    installation: { id: 1 },
  };
}

function issueClosed(incident: IncidentRepo) {
  return { action: "closed", issue: { ...incident.issueJson(), id: 4200 }, repository, sender, installation: { id: 1 } };
}

let scenario: BackportScenario;
beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario(INCIDENT_CONFIG);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const minutes = (n: number) => n * 60_000;

describe("an incident from break-glass to reconciled (probot, nock, fake terraform, local git)", () => {
  it("holds manual changes back during break-glass, opens the backport pull request linked to the incident the moment it closes, and follows up on the incident until reconciled", async () => {
    // 1. incident opened: an issue labelled `incident` in acme/incidents; the code and the live world agree
    const incident = new IncidentRepo(new Date(scenario.now).toISOString());
    scenario.live({ instanceType: null, cidr: null });
    const app = await scenario.startApp();

    // 2. break-glass declared on the incident issue by a person with write access: a scan records it
    scenario.now += minutes(5);
    await app.receive("issue_comment.created", breakGlassComment(incident));
    await app.idle();
    expect(scenario.dashboardState().breakGlass).toEqual([expect.objectContaining({ workspace: "prod", incidentKey: KEY, by: "alice" })]);
    expect(incident.appComments().map((c) => c.body).join("\n")).toMatch(/break-glass/i);

    // 3. a manual change during the window is seen by a scan: expected, no pull request
    scenario.now += minutes(10);
    scenario.live({ instanceType: "t3.large", cidr: null });
    await app.scan();
    expect(scenario.world.openPulls()).toEqual([]);
    expect(scenario.dashboard()).toContain(`break-glass for ${KEY.replace("#", "#\u2060")}`);

    // 4. the incident is resolved (its issue closed): driftback scans at once, without waiting for the schedule
    scenario.now += minutes(20);
    incident.close(new Date(scenario.now).toISOString());
    await app.receive("issues.closed", issueClosed(incident));
    await app.idle();

    // 5. the backport pull request opens, linked to the incident
    const pulls = scenario.world.openPulls();
    expect(pulls.map((p) => p.branch)).toEqual([API_BRANCH]);
    const pull = pulls[0]!;
    expect(pull.body).toContain(KEY);
    expect(parseMarker(pull.body)?.incident).toEqual(expect.objectContaining({ key: KEY, source: "github" }));
    expect(scenario.dashboardState().breakGlass).toEqual([expect.objectContaining({ workspace: "prod", incidentKey: KEY, until: new Date(scenario.now).toISOString() })]);

    // 6. the follow-up on the incident lists the pull request as a task still open
    const followUp = () => incident.appComments().find((c) => c.body.includes(`#${pull.number}`) || c.body.includes(`/pull/${pull.number}`));
    expect(followUp()?.body).toMatch(/- \[ \]/);
    expect(followUp()?.body).not.toMatch(/reconciled/i);

    // 7. the pull request is merged; the next scan sees no drift and the follow-up says the incident's drift is reconciled
    scenario.now += minutes(30);
    scenario.world.personMerges(pull.number);
    scenario.live({ instanceType: null, cidr: null });
    const writesBefore = incident.writes.length;
    await app.scan();
    expect(followUp()?.body).toMatch(/- \[x\]/);
    expect(followUp()?.body).toMatch(/reconciled/i);
    expect(incident.writes.slice(writesBefore).every((w) => w.startsWith("PATCH"))).toBe(true); // edited in place, no second comment

    // and a rescan that changes nothing writes nothing on the incident
    const settled = incident.writes.length;
    await app.scan();
    expect(incident.writes).toHaveLength(settled);
    expect(scenario.logs.join("")).not.toContain("Paged at 10:00"); // incident text never logged
  });
});
