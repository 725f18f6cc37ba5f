import { describe, expect, it } from "vitest";
import { followUpMarker, followUpView, groupByIncident, noteStages, type LinkedPullRequest } from "../../../src/core/incidents/follow-up-view.js";
import { loadTemplates } from "../../../src/templates.js";

const REPO = "acme/infra";
const templates = loadTemplates();

function pr(number: number, status: LinkedPullRequest["status"], key = "acme/incidents#42", source: LinkedPullRequest["incident"]["source"] = "github", repo = REPO): LinkedPullRequest {
  return { repo, number, url: `https://github.com/${repo}/pull/${number}`, status, incident: { key, source, url: `https://github.com/acme/incidents/issues/${key.split("#")[1] ?? "0"}` } };
}

describe("groupByIncident", () => {
  it.each([
    {
      name: "pull requests of one incident become one group, sorted by number whatever order they came in",
      linked: [pr(14, "open"), pr(3, "merged"), pr(9, "closed")],
      expected: [{ key: "acme/incidents#42", numbers: [3, 9, 14] }],
    },
    {
      name: "two incidents become two groups, sorted by source then key",
      linked: [pr(5, "open", "PT4KHLK", "pagerduty"), pr(7, "open", "INC-9", "jira"), pr(6, "open", "INC-10", "jira")],
      expected: [
        { key: "INC-10", numbers: [6] },
        { key: "INC-9", numbers: [7] },
        { key: "PT4KHLK", numbers: [5] },
      ],
    },
    {
      name: "the same key from two sources stays two incidents",
      linked: [pr(1, "open", "X-1", "jira"), pr(2, "open", "X-1", "pagerduty")],
      expected: [
        { key: "X-1", numbers: [1] },
        { key: "X-1", numbers: [2] },
      ],
    },
    {
      name: "a pull request listed twice counts once (the first status wins)",
      linked: [pr(4, "merged"), pr(4, "open")],
      expected: [{ key: "acme/incidents#42", numbers: [4] }],
    },
    {
      name: "another repository's pull requests are left out (case does not matter)",
      linked: [pr(1, "open", "acme/incidents#42", "github", "acme/other"), pr(2, "open", "acme/incidents#42", "github", "Acme/Infra")],
      expected: [{ key: "acme/incidents#42", numbers: [2] }],
    },
    { name: "no pull requests, no groups", linked: [], expected: [] },
  ])("$name", ({ linked, expected }) => {
    expect(groupByIncident(REPO, linked).map((g) => ({ key: g.incident.key, numbers: g.pullRequests.map((p) => p.number) }))).toEqual(expected);
  });
});

describe("followUpView and noteStages", () => {
  it.each([
    { name: "all open: nothing done, not reconciled, PagerDuty's opened note", statuses: ["open", "open"] as const, done: [false, false], reconciled: false, stages: ["opened"] },
    { name: "one merged, one open: still not reconciled", statuses: ["merged", "open"] as const, done: [true, false], reconciled: false, stages: ["opened"] },
    { name: "merged and closed: reconciled, PagerDuty's reconciled note", statuses: ["merged", "closed"] as const, done: [true, true], reconciled: true, stages: ["reconciled"] },
    { name: "one closed without merging is done too", statuses: ["closed"] as const, done: [true], reconciled: true, stages: ["reconciled"] },
  ])("$name", ({ statuses, done, reconciled, stages }) => {
    const [group] = groupByIncident(REPO, statuses.map((status, i) => pr(i + 1, status)));
    const view = followUpView(group!);
    expect(view.pullRequests.map((p) => p.done)).toEqual(done);
    expect(view.reconciled).toBe(reconciled);
    expect(view.doneCount + view.openCount).toBe(statuses.length);
    expect(noteStages(view)).toEqual(stages);
  });

  it("an incident without pull requests is never reconciled and calls for no note", () => {
    const view = followUpView({ repo: REPO, incident: { key: "INC-1", source: "jira" }, pullRequests: [] });
    expect(view.reconciled).toBe(false);
    expect(noteStages(view)).toEqual([]);
  });
});

describe("followUpMarker", () => {
  it.each([
    { name: "the list's marker names the repository, lower-cased, and ends in :list", repo: "Acme/Infra", stage: undefined, expected: "driftback:follow-up:acme/infra:list" },
    { name: "a PagerDuty note's marker ends in its stage", repo: "acme/infra", stage: "opened" as const, expected: "driftback:follow-up:acme/infra:opened" },
    { name: "the reconciled note has its own marker", repo: "acme/infra", stage: "reconciled" as const, expected: "driftback:follow-up:acme/infra:reconciled" },
  ])("$name", ({ repo, stage, expected }) => {
    expect(followUpMarker(repo, stage)).toBe(expected);
  });

  it("one repository's marker is never found inside another's (acme/infra and acme/infra2)", () => {
    expect(followUpMarker("acme/infra2").includes(followUpMarker("acme/infra"))).toBe(false);
    expect(followUpMarker("acme/infra2", "opened").includes(followUpMarker("acme/infra", "opened"))).toBe(false);
  });

  it("an over-long repository name becomes a stable hash within the adapters' 100-character marker alphabet", () => {
    const long = `${"o".repeat(39)}/${"r".repeat(100)}`;
    const marker = followUpMarker(long, "reconciled");
    expect(marker).toMatch(/^driftback:[A-Za-z0-9._/:-]{1,100}$/);
    expect(marker).toBe(followUpMarker(long.toUpperCase(), "reconciled"));
    expect(marker).not.toBe(followUpMarker(`${long}x`, "reconciled"));
  });
});

describe("follow-up templates", () => {
  const view = (statuses: LinkedPullRequest["status"][]) => followUpView(groupByIncident(REPO, statuses.map((status, i) => pr(i + 11, status)))[0]!);

  it("the list is a task list: merged and closed ticked, open not, and no reconciled line while one is open", () => {
    expect(templates.incidentFollowUp(view(["merged", "open", "closed"]))).toBe(
      [
        "**driftback: backport pull requests for this incident's drift in acme/infra** (2 of 3 pull requests merged or closed)",
        "",
        "- [x] [acme/infra#\u206011](https://github.com/acme/infra/pull/11) merged",
        "- [ ] [acme/infra#\u206012](https://github.com/acme/infra/pull/12) open",
        "- [x] [acme/infra#\u206013](https://github.com/acme/infra/pull/13) closed",
      ].join("\n"),
    );
  });

  it("when all are merged or closed the last line says the incident's drift is reconciled", () => {
    const body = templates.incidentFollowUp(view(["merged", "closed"]));
    expect(body.split("\n").at(-1)).toBe("All of them are merged or closed: this incident's drift in acme/infra is reconciled.");
  });

  it("PagerDuty's opened note lists the pull requests and says one more note follows; the reconciled note says reconciled", () => {
    expect(templates.incidentNoteOpened(view(["open"]))).toBe(
      "driftback opened backport pull requests for this incident's drift in acme/infra:\n\n- [acme/infra#11](https://github.com/acme/infra/pull/11) open\n\ndriftback adds one more note when all of them are merged or closed.",
    );
    expect(templates.incidentNoteReconciled(view(["merged"]))).toBe(
      "This incident's drift in acme/infra is reconciled: all of its backport pull requests are merged or closed.\n\n- [acme/infra#11](https://github.com/acme/infra/pull/11) merged",
    );
  });

  it("the same pull requests in another order render the same text (a rescan writes nothing)", () => {
    const a = groupByIncident(REPO, [pr(2, "open"), pr(1, "merged")])[0]!;
    const b = groupByIncident(REPO, [pr(1, "merged"), pr(2, "open")])[0]!;
    expect(templates.incidentFollowUp(followUpView(a))).toBe(templates.incidentFollowUp(followUpView(b)));
  });
});
