import { describe, expect, it } from "vitest";
import { IncidentSourceError } from "../../src/adapters/incidents/errors.js";
import { encodeMarker, parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import type { Incident, IncidentSource } from "../../src/ports.js";
import type { BackportIncidentsInput } from "../../src/usecases/backport-drift.js";
import { apiDrift, configOf, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";

const SG = "driftback/prod/aws_security_group.web";
const API = "driftback/prod/aws_instance.api";
const NOW = "2024-05-01T04:00:00.000Z";

function incident(key: string, text: string): Incident {
  return { key, title: `Outage ${key}`, url: `https://github.com/acme/incidents/issues/${key.split("#")[1] ?? 1}`, status: "resolved", openedAt: "2024-05-01T02:10:00Z", resolvedAt: "2024-05-01T03:40:00Z", text, source: "github" };
}

function source(answer: () => Incident[]): IncidentSource & { calls: number } {
  const s = {
    name: "github" as const,
    calls: 0,
    listIncidents: async () => {
      s.calls++;
      return answer();
    },
    getIncident: async () => undefined,
    upsertFollowUp: async () => ({ written: false as const, outcome: "unsupported" as const, reason: "fake" }),
    verifyWebhook: () => ({ ok: false as const, reason: "fake" }),
  };
  return s;
}

const incidentsOf = (...sources: IncidentSource[]): BackportIncidentsInput => ({ sources, options: {}, lastClean: new Map([["prod", "2024-05-01T01:00:00Z"]]), now: NOW });

describe("backportDrift with incidents", () => {
  it("asks each source once per scan and links the incident naming the resource in body, marker, record and report", async () => {
    const github = newGitHub();
    const tracker = source(() => [incident("acme/incidents#42", "someone edited sg-1 by hand at 2am: description now open to all")]);
    const { report, items } = await scanOnce(github, [apiDrift(), sgDrift()], { incidents: incidentsOf(tracker) });
    expect(tracker.calls).toBe(1);

    const sg = github.openPrs().find((pr) => pr.branch === SG)!;
    expect(sg.body).toContain("[acme/incidents#\u206042](https://github.com/acme/incidents/issues/42): Outage acme/incidents#\u206042 (resolved)");
    expect(sg.body).toMatch(/Why this incident \(confidence 0\.\d\d\):/);
    expect(sg.body).toContain("mentions sg-1");
    expect(parseMarker(sg.body)!.incident).toEqual({ key: "acme/incidents#42", source: "github", url: "https://github.com/acme/incidents/issues/42" });
    const sgItem = items.find((i) => i.address === "aws_security_group.web")!;
    expect(github.filesOf(SG).get(`.driftback/drift/prod/${fingerprintOf(sgItem)}.md`)).toContain("| Incident | [acme/incidents#\u206042](https://github.com/acme/incidents/issues/42) |");
    // the incident text is never copied
    expect(sg.body).not.toContain("by hand at 2am");

    const api = github.openPrs().find((pr) => pr.branch === API)!;
    expect(report.incidents).toEqual([{ pr: sg.number, key: "acme/incidents#42", source: "github", url: "https://github.com/acme/incidents/issues/42", title: "Outage acme/incidents#42", status: "open" }]);
    expect(api.body).toContain("No incident found for this drift");
  });

  it("writes nothing when it scans the same drift and incidents again", async () => {
    const github = newGitHub();
    const tracker = source(() => [incident("acme/incidents#42", "sg-1 description: open to all")]);
    await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    const again = await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    expect(again.report.writes).toBe(0);
    expect(again.report.incidents).toHaveLength(1);
  });

  it("opens the pull request anyway when a source fails, says why in the body, and links once the source answers", async () => {
    const github = newGitHub();
    let down = true;
    const tracker = source(() => {
      if (down) throw new IncidentSourceError("unauthorized", "GitHub answered 401: the installation cannot read acme/incidents");
      return [incident("acme/incidents#42", "sg-1 description: open to all")];
    });
    const first = await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    const [pr] = github.openPrs();
    expect(pr!.body).toContain("⚠️ incident lookup failed: github: GitHub answered 401: the installation cannot read acme/incidents. The next scan tries again.");
    expect(first.report.drift[fingerprintOf(first.items[0]!)]).toMatchObject({ status: "open" });

    down = false;
    const second = await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    expect(second.report.operations.map((o) => o.kind)).toEqual(["update"]);
    const [after] = github.openPrs();
    expect(after!.body).not.toContain("incident lookup failed");
    expect(parseMarker(after!.body)!.incident?.key).toBe("acme/incidents#42");
  });

  it("refreshes only the body when the linked incident resolves, and moves to a new commit when another incident is linked", async () => {
    const github = newGitHub();
    let answer: Incident[] = [{ ...incident("acme/incidents#42", "sg-1 description: open to all"), status: "open", resolvedAt: null }];
    const tracker = source(() => answer);
    await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    expect(github.openPrs()[0]!.body).toContain("(open)");

    answer = [incident("acme/incidents#42", "sg-1 description: open to all")];
    const resolved = await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    expect(resolved.report.operations.map((o) => o.kind)).toEqual(["refresh-body"]);
    expect(github.openPrs()[0]!.body).toContain("(resolved)");

    const commits = github.commitsOn(SG).length;
    answer = [incident("acme/incidents#43", "sg-1 description: open to all")];
    const relinked = await scanOnce(github, [sgDrift()], { incidents: incidentsOf(tracker) });
    expect(relinked.report.operations.map((o) => o.kind)).toEqual(["update"]);
    expect(github.commitsOn(SG).length).toBe(commits + 1);
    expect(parseMarker(github.openPrs()[0]!.body)!.incident?.key).toBe("acme/incidents#43");
  });

  it("keeps a pull request's pinned incident across scans without sources", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const [pr] = github.openPrs();
    const marker = parseMarker(pr!.body)!;
    // what `/driftback incident OPS-7` leaves: the marker pins the incident
    github.prs.get(pr!.number)!.body = pr!.body.replace(/<!-- driftback:backport .* -->/, encodeMarker({ ...marker, incident: { key: "OPS-7", source: "manual", pinned: true } }));
    const again = await scanOnce(github, [sgDrift()]);
    expect(again.report.operations.map((o) => o.kind)).toEqual(["update"]);
    const [after] = github.openPrs();
    expect(after!.body).toContain("**OPS-7**");
    expect(parseMarker(after!.body)!.incident).toEqual({ key: "OPS-7", source: "manual", pinned: true });
  });

  it("groups drift linked to one incident into one pull request with group_by: incident", async () => {
    const github = newGitHub();
    const tracker = source(() => [incident("acme/incidents#42", "sg-1 set to open to all, and aws_instance.api resized to t3.large too")]);
    await scanOnce(github, [apiDrift(), sgDrift()], { incidents: incidentsOf(tracker), config: configOf({ backport: { group_by: "incident" } }) });
    const prs = github.openPrs();
    expect(prs.map((pr) => pr.branch)).toEqual([expect.stringMatching(/^driftback\/incident\/acme-incidents-42-[0-9a-f]{8}\/prod$/)]);
    expect(parseMarker(prs[0]!.body)).toMatchObject({ key: "prod/incident:acme/incidents#42", action: "mixed", incident: { key: "acme/incidents#42" } });
  });
});
