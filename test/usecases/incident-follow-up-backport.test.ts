import { describe, expect, it } from "vitest";
import type { FollowUpRequest, FollowUpResult, Incident, IncidentSource } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import type { BackportIncidentsInput } from "../../src/usecases/backport-drift.js";
import { followUpIncidents, linkedFromReport } from "../../src/usecases/incident-follow-up.js";
import { memoryLogger, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";

const KEY = "acme/incidents#42";
const incident: Incident = {
  key: KEY,
  title: "Checkout down",
  url: "https://github.com/acme/incidents/issues/42",
  status: "resolved",
  openedAt: "2024-05-01T02:10:00Z",
  resolvedAt: "2024-05-01T03:40:00Z",
  text: "opened sg-1 to the world by hand (description: open to all) while customer jo@example.com waited",
  source: "github",
};

/** The GitHub incident source as the follow-up sees it: one comment per marker, written only when its body changes. */
function incidentIssues() {
  const comments = new Map<string, string>();
  const writes: string[] = [];
  const source: IncidentSource = {
    name: "github",
    listIncidents: async () => [incident],
    getIncident: async () => incident,
    verifyWebhook: () => ({ ok: false, reason: "not used" }),
    upsertFollowUp: async (key: string, request: FollowUpRequest): Promise<FollowUpResult> => {
      const before = comments.get(`${key} ${request.marker}`);
      if (before === request.body) return { written: false, outcome: "unchanged" };
      comments.set(`${key} ${request.marker}`, request.body);
      writes.push(request.body);
      return { written: true, outcome: before === undefined ? "created" : "updated" };
    },
  };
  return { source, comments, writes };
}

describe("the follow-up on the pull requests the real backport step reports", () => {
  it("lists the pull request backportDrift linked, says reconciled once it is merged, writes nothing on a rescan, and never reads driftback's pull requests itself", async () => {
    const github = newGitHub();
    const issues = incidentIssues();
    const incidents: BackportIncidentsInput = { sources: [issues.source], options: {}, lastClean: new Map([["prod", "2024-05-01T01:00:00Z"]]), now: "2024-05-01T04:00:00.000Z" };
    const scan = async (drift: boolean) => {
      const { report } = await scanOnce(github, drift ? [sgDrift()] : [], { incidents });
      const before = github.calls.filter((c) => c.method === "findBackportPullRequests").length;
      const followUp = await followUpIncidents(
        { sources: [issues.source], templates: bundledTemplates(), logger: memoryLogger() },
        { repo: { owner: "acme", repo: "infra" }, pullRequests: linkedFromReport({ owner: "acme", repo: "infra" }, report.incidents, (n) => `https://github.com/acme/infra/pull/${n}`) },
      );
      expect(github.calls.filter((c) => c.method === "findBackportPullRequests").length).toBe(before); // the follow-up made no request of its own
      return followUp;
    };

    // 1. the drift gets a pull request linked to the incident: the follow-up lists it, open
    expect((await scan(true)).writes).toBe(1);
    const [pr] = github.openPrs();
    expect(issues.writes[0]).toContain(`- [ ] [acme/infra#\u2060${pr!.number}](https://github.com/acme/infra/pull/${pr!.number}) open`);
    expect(issues.writes[0]).not.toContain("jo@example.com");
    expect(issues.writes[0]).not.toContain("Checkout down");
    expect(github.calls.filter((c) => c.method === "findBackportPullRequests")).toHaveLength(1);

    // 2. a person merges it; the next scan sees no drift: the same comment says reconciled
    github.personMerges(pr!.number);
    expect((await scan(false)).writes).toBe(1);
    expect(issues.writes[1]).toContain(`- [x] [acme/infra#\u2060${pr!.number}](https://github.com/acme/infra/pull/${pr!.number}) merged`);
    expect(issues.writes[1]!.split("\n").at(-1)).toBe("All of them are merged or closed: this incident's drift in acme/infra is reconciled.");

    // 3. a rescan: nothing written
    expect((await scan(false)).writes).toBe(0);
    expect(issues.comments.size).toBe(1);
    expect(github.calls.filter((c) => c.method === "findBackportPullRequests")).toHaveLength(3); // once per scan, by the backport step
  });
});
