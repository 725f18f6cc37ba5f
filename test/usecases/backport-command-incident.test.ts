import { describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { IncidentLink } from "../../src/core/backport/marker.js";
import { bundledTemplates } from "../../src/templates.js";
import { runBackportCommand } from "../../src/usecases/backport-command.js";
import { memoryLogger, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";
import type { MemoryGitHub } from "../support/memory-github.js";

const REPO = { owner: "acme", repo: "infra" };

async function link(github: MemoryGitHub, incident: IncidentLink) {
  const pr = github.openPrs()[0] ?? [...github.prs.values()][0]!;
  let scans = 0;
  const outcome = await runBackportCommand(
    { host: github, templates: bundledTemplates(), logger: memoryLogger(), requestScan: async () => (scans++, "started" as const) },
    { repo: REPO, pull: { number: pr.number, state: pr.state, merged: pr.merged, branch: pr.branch, baseRef: pr.base, body: pr.body }, marker: parseMarker(pr.body)!, command: { incident }, login: "octocat" },
  );
  return { outcome, scans, pr: github.prs.get(pr.number)! };
}

describe("/driftback incident with the backport use case (in-memory GitHub)", () => {
  it("pins the incident in the marker, asks for a scan, and that scan puts it in the body and the drift record", async () => {
    const github = newGitHub();
    const { items } = await scanOnce(github, [sgDrift()]);
    const incident = { key: "INC-77", source: "manual" as const, url: "https://status.example.com/INC-77", pinned: true };

    const { outcome, scans, pr } = await link(github, incident);
    expect(outcome).toEqual({ status: "linked", scan: "started" });
    expect(scans).toBe(1);
    expect(parseMarker(pr.body)!.incident).toEqual(incident);

    const scan = await scanOnce(github, [sgDrift()]);
    expect(scan.report.operations.map((o) => o.kind)).toEqual(["update"]);
    const after = github.prs.get(pr.number)!;
    expect(after.body).toContain("[INC-77](https://status.example.com/INC-77)");
    expect(after.body).toContain("Linked by a person with `/driftback incident`");
    expect(parseMarker(after.body)!.incident).toEqual(incident);
    expect(github.filesOf(pr.branch).get(`.driftback/drift/prod/${fingerprintOf(items[0]!)}.md`)).toContain("| Incident | [INC-77](https://status.example.com/INC-77) |");
    expect(scan.report.incidents).toEqual([{ pr: pr.number, key: "INC-77", source: "manual", url: "https://status.example.com/INC-77", status: "open" }]);

    // the next scan changes nothing
    expect((await scanOnce(github, [sgDrift()])).report.writes).toBe(0);
  });

  it("writes nothing and asks for no scan when the same incident is pinned already", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const incident = { key: "INC-77", source: "manual" as const, pinned: true };
    await link(github, incident);
    const writes = github.writes;
    const { outcome, scans } = await link(github, incident);
    expect(outcome).toEqual({ status: "unchanged" });
    expect(scans).toBe(0);
    expect(github.writes).toBe(writes);
  });

  it("leaves a closed pull request alone", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const [pr] = github.openPrs();
    github.prs.get(pr!.number)!.state = "closed";
    const { outcome, scans } = await link(github, { key: "INC-1", source: "manual", pinned: true });
    expect(outcome).toEqual({ status: "not-open" });
    expect(scans).toBe(0);
  });
});
