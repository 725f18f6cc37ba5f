import { describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { apiDrift, configOf, goneDrift, MAIN_TF, MAIN_TF_TEXT, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";

const world = [apiDrift(), sgDrift(), goneDrift()];
const API = "driftback/prod/aws_instance.api";
const SG = "driftback/prod/aws_security_group.web";
const GONE = "driftback/prod/aws_instance.gone";

describe("backportDrift: one scan against an in-memory GitHub", () => {
  it("opens a verified codify pull request for configuration drift and revert pull requests for policy drift and a deleted resource", async () => {
    const github = newGitHub();
    const { report, items, plans } = await scanOnce(github, world);

    expect(github.openPrs().map((pr) => [pr.branch, pr.labels]).sort()).toEqual([
      [API, ["drift", "drift:codify"]],
      [GONE, ["drift", "drift:revert"]],
      [SG, ["drift", "drift:revert"]],
    ]);
    // one verification plan of the whole workspace (the scan's plan of the same commit is the base it is compared with)
    expect(plans).toHaveLength(1);
    expect(plans[0]!.args.filter((a) => a.startsWith("-target="))).toEqual([]);

    const api = github.openPrs().find((pr) => pr.branch === API)!;
    expect(api.title).toBe("Codify drift: aws_instance.api instance_type (prod)");
    expect(api.body).toContain("✅ Verified: <code>terraform plan</code> of this branch in <code>prod</code> (every configured workspace that loads an edited file) proposes no change to the codified attributes of <code>aws_instance.api</code>, and nothing it did not propose before the edit");
    const apiFiles = github.filesOf(API);
    expect(apiFiles.get(MAIN_TF)).toBe(MAIN_TF_TEXT.replace('instance_type = "t3.small"', 'instance_type = "t3.large"'));
    const apiItem = items.find((i) => i.address === "aws_instance.api")!;
    const record = apiFiles.get(`.driftback/drift/prod/${fingerprintOf(apiItem)}.md`);
    expect(record).toContain("t3.large");
    expect(github.commitsOn(API)).toHaveLength(1);

    // revert pull requests change no code: the drift record is their only file
    const sg = github.openPrs().find((pr) => pr.branch === SG)!;
    const sgCommit = github.writeCalls().find((c) => c.method === "commitFiles" && (c.args[0] as { branch: string }).branch === SG)!.args[0] as { additions: { path: string; contents: string }[] };
    expect(sgCommit.additions.map((a) => a.path)).toEqual([expect.stringMatching(/^\.driftback\/drift\/prod\/[0-9a-f]{16}\.md$/)]);
    expect(sg.body).toContain("Merging restores the declared value");
    expect(sg.body).toContain("driftback does not apply anything: your pipeline applies on merge");
    expect(sg.body).toContain("**Plan excerpt**");
    expect(sg.body).toContain("description");
    expect(parseMarker(sg.body)!.expect).toEqual([{ address: "aws_security_group.web", paths: ["description"] }]);
    expect(parseMarker(github.openPrs().find((pr) => pr.branch === GONE)!.body)!.expect).toEqual([{ address: "aws_instance.gone", paths: [] }]);

    // per drift, for the dashboard
    for (const item of items) {
      const pr = github.openPrs().find((p) => p.branch === `driftback/prod/${item.address}`)!;
      expect(report.drift[fingerprintOf(item)]).toEqual({ status: "open", pr: pr.number, url: `https://github.test/acme/infra/pull/${pr.number}`, action: item.address === "aws_instance.api" ? "codify" : "revert" });
    }
    // create branch, commit, open, label: four writes per new pull request
    expect(report.writes).toBe(12);
    expect(report.writes).toBe(github.writes);
  });

  it("writes nothing and plans nothing when it scans the same drift again", async () => {
    const github = newGitHub();
    const first = await scanOnce(github, world);
    const writes = github.writes;
    const again = await scanOnce(github, world);
    expect(again.report.writes).toBe(0);
    expect(github.writes).toBe(writes);
    expect(again.plans).toHaveLength(0);
    expect(again.report.drift).toEqual(first.report.drift);
    expect(again.report.operations.map((o) => o.kind)).toEqual(["leave-alone", "leave-alone", "leave-alone"]);
  });

  it("opens pull requests as drafts, with the configured labels and reviewers", async () => {
    const github = newGitHub();
    const config = configOf({ backport: { draft: true, labels: ["infra"], reviewers: ["bob"], team_reviewers: ["sre"] } });
    await scanOnce(github, [apiDrift()], { config });
    const [pr] = github.openPrs();
    expect(pr).toMatchObject({ draft: true, labels: ["drift", "drift:codify", "infra"], reviewers: ["bob", "team:sre"] });
  });

  it("says none for every drift when backport is disabled, and reads nothing from GitHub", async () => {
    const github = newGitHub();
    const { report, items } = await scanOnce(github, world, { config: configOf({ backport: { enabled: false } }) });
    expect(github.calls).toEqual([]);
    expect(Object.keys(report.drift).sort()).toEqual(items.filter((i) => i.class === "actionable" || i.class === "deleted").map(fingerprintOf).sort());
    expect(Object.values(report.drift).every((s) => s.status === "none")).toBe(true);
  });
});
