import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubIssuesIncidentSource } from "../../src/adapters/incidents/github.js";
import { JiraIncidentSource } from "../../src/adapters/incidents/jira.js";
import { PagerDutyIncidentSource } from "../../src/adapters/incidents/pagerduty.js";
import type { LinkedPullRequest } from "../../src/core/incidents/follow-up-view.js";
import { bundledTemplates } from "../../src/templates.js";
import { followUpIncidents } from "../../src/usecases/incident-follow-up.js";
import { memoryLogger } from "../support/backport-world.js";
import { GitHubIssuesMock, JiraMock, PagerDutyMock } from "../support/incident-apis.js";

const KEY = "acme/incidents#42";
const link = (number: number, status: LinkedPullRequest["status"]): LinkedPullRequest => ({
  repo: "acme/infra",
  number,
  url: `https://github.com/acme/infra/pull/${number}`,
  status,
  incident: { key: KEY, source: "github", url: "https://github.com/acme/incidents/issues/42" },
});

let api: GitHubIssuesMock;
let source: GitHubIssuesIncidentSource;
beforeEach(() => {
  nock.disableNetConnect();
  api = new GitHubIssuesMock();
  const octokit = new ProbotOctokit({ auth: { token: "ghs_followup0123456789abcdefABCDEF0123" }, retry: { enabled: false }, throttle: { enabled: false } });
  source = new GitHubIssuesIncidentSource({ octokit, repo: "acme/incidents" });
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const followUp = (pullRequests: LinkedPullRequest[]) => followUpIncidents({ sources: [source], templates: bundledTemplates(), logger: memoryLogger() }, { repo: { owner: "acme", repo: "infra" }, pullRequests });
const writes = () => api.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe("the follow-up through the GitHub issues adapter", () => {
  it("creates the comment (POST), edits the same comment when a pull request merges (PATCH), then writes nothing on an unchanged rescan", async () => {
    // 1. first scan: no comment of ours yet -> one POST with the task list and the hidden marker
    api.listComments(42, [{ id: 1, body: "Rolled back at 03:40." }]);
    api.createComment(42, 77);
    expect((await followUp([link(12, "open"), link(11, "open")])).writes).toBe(1);
    const created = api.sent("POST", "/repos/acme/incidents/issues/42/comments")[0]!.body.body as string;
    expect(created).toContain("- [ ] [acme/infra#\u206011](https://github.com/acme/infra/pull/11) open\n- [ ] [acme/infra#\u206012](https://github.com/acme/infra/pull/12) open");
    expect(created.trimEnd().endsWith("<!-- driftback:follow-up:acme/infra:list -->")).toBe(true);

    // 2. both merged: the comment found by its marker and edited in place, with the reconciled line
    api.listComments(42, [
      { id: 1, body: "Rolled back at 03:40." },
      { id: 77, body: created },
    ]);
    api.updateComment(77);
    expect((await followUp([link(11, "merged"), link(12, "merged")])).writes).toBe(1);
    const updated = api.sent("PATCH", "/repos/acme/incidents/issues/comments/77")[0]!.body.body as string;
    expect(updated).toContain("- [x] [acme/infra#\u206011](https://github.com/acme/infra/pull/11) merged\n- [x] [acme/infra#\u206012](https://github.com/acme/infra/pull/12) merged");
    expect(updated).toContain("All of them are merged or closed: this incident's drift in acme/infra is reconciled.");

    // 3. a rescan that changes nothing: one read, no write (an unexpected request would fail under disableNetConnect)
    api.listComments(42, [
      { id: 1, body: "Rolled back at 03:40." },
      { id: 77, body: updated.replace(/\n/g, "\r\n") },
    ]);
    expect(await followUp([link(12, "merged"), link(11, "merged")])).toMatchObject({ writes: 0, followUps: [{ outcome: "unchanged" }] });
    expect(writes()).toEqual(["POST /repos/acme/incidents/issues/42/comments", "PATCH /repos/acme/incidents/issues/comments/77"]);
    expect(api.requests.filter((r) => r.method === "GET")).toHaveLength(3);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe("the follow-up through the PagerDuty adapter", () => {
  const pd = (number: number, status: LinkedPullRequest["status"]): LinkedPullRequest => ({ ...link(number, status), incident: { key: "PT4KHLK", source: "pagerduty" } });

  it("posts the opened note once, then the reconciled note once, found again by their markers in the notes' plain text", async () => {
    const pagerduty = new PagerDutyMock();
    const source = new PagerDutyIncidentSource({ token: "u+pagerdutyTOKEN0123456789", serviceIds: [], fromEmail: "driftback@acme.example" });
    const run = (pullRequests: LinkedPullRequest[]) => followUpIncidents({ sources: [source], templates: bundledTemplates(), logger: memoryLogger() }, { repo: { owner: "acme", repo: "infra" }, pullRequests });

    // 1. a pull request opens: one note, in plain text, ending with its marker
    pagerduty.listNotes("PT4KHLK", ["Rolled back at 03:40."]);
    pagerduty.createNote("PT4KHLK");
    expect((await run([pd(12, "open")])).writes).toBe(1);
    const opened = pagerduty.sent("POST", "/incidents/PT4KHLK/notes")[0]!;
    expect(opened.headers.from).toBe("driftback@acme.example");
    expect(opened.body.note.content).toBe(
      "driftback opened backport pull requests for this incident's drift in acme/infra:\n\n- acme/infra#12 (https://github.com/acme/infra/pull/12) open\n\ndriftback adds one more note when all of them are merged or closed.\n\n[driftback:follow-up:acme/infra:opened]",
    );

    // 2. a second pull request opens on a later scan: the opened note is there, nothing more is written
    pagerduty.listNotes("PT4KHLK", ["Rolled back at 03:40.", opened.body.note.content]);
    expect((await run([pd(12, "open"), pd(13, "open")])).writes).toBe(0);

    // 3. both merged: the reconciled note, once
    pagerduty.listNotes("PT4KHLK", ["Rolled back at 03:40.", opened.body.note.content]);
    pagerduty.createNote("PT4KHLK");
    expect((await run([pd(12, "merged"), pd(13, "merged")])).writes).toBe(1);
    const reconciled = pagerduty.sent("POST", "/incidents/PT4KHLK/notes")[1]!.body.note.content as string;
    expect(reconciled).toMatch(/^This incident's drift in acme\/infra is reconciled/);
    expect(reconciled.endsWith("[driftback:follow-up:acme/infra:reconciled]")).toBe(true);

    // 4. a rescan: nothing
    pagerduty.listNotes("PT4KHLK", ["Rolled back at 03:40.", opened.body.note.content, reconciled]);
    expect((await run([pd(12, "merged"), pd(13, "merged")])).writes).toBe(0);
    expect(pagerduty.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe("the follow-up through the Jira adapter", () => {
  const jiraLink = (repo: string, number: number, status: LinkedPullRequest["status"]): LinkedPullRequest => ({ repo, number, url: `https://github.com/${repo}/pull/${number}`, status, incident: { key: "INC-7", source: "jira" } });

  it("two repositories on one incident: each finds and edits only its own comment (acme/infra's marker is not found inside acme/infra2's)", async () => {
    const jira = new JiraMock();
    const source = new JiraIncidentSource({ site: "acme.atlassian.net", email: "bot@acme.example", apiToken: "jira-token-0123456789", jql: "project = INC" });
    const run = (repo: string, pullRequests: LinkedPullRequest[]) => {
      const [owner, name] = repo.split("/") as [string, string];
      return followUpIncidents({ sources: [source], templates: bundledTemplates(), logger: memoryLogger() }, { repo: { owner, repo: name }, pullRequests });
    };

    // acme/infra2 wrote its comment first; acme/infra's scan must not take it for its own
    jira.listComments("INC-7", { comments: [] });
    jira.createComment("INC-7", { status: 201, body: { id: "10100", body: { type: "doc", version: 1, content: [] } } });
    await run("acme/infra2", [jiraLink("acme/infra2", 5, "open")]);
    const infra2 = jira.sent("POST", "/rest/api/3/issue/INC-7/comment")[0]!.body.body;

    jira.listComments("INC-7", { comments: [{ id: "10100", body: infra2 }] });
    jira.createComment("INC-7", { status: 201, body: { id: "10101", body: { type: "doc", version: 1, content: [] } } });
    expect((await run("acme/infra", [jiraLink("acme/infra", 3, "open")])).followUps[0]!.outcome).toBe("created");
    const infra = jira.sent("POST", "/rest/api/3/issue/INC-7/comment")[1]!.body.body;
    expect(JSON.stringify(infra)).toContain("driftback:follow-up:acme/infra:list");

    // acme/infra's pull request merges: its own comment (10101) is edited, acme/infra2's left alone
    jira.listComments("INC-7", { comments: [{ id: "10100", body: infra2 }, { id: "10101", body: infra }] });
    jira.updateComment("INC-7", "10101");
    expect((await run("acme/infra", [jiraLink("acme/infra", 3, "merged")])).followUps[0]!.outcome).toBe("updated");
    const edited = JSON.stringify(jira.sent("PUT", "/rest/api/3/issue/INC-7/comment/10101")[0]!.body.body);
    expect(edited).toContain("☑ ");
    expect(edited).toContain("reconciled");
    expect(jira.requests.filter((r) => r.method === "PUT").map((r) => r.path)).toEqual(["/rest/api/3/issue/INC-7/comment/10101"]);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
