import { describe, expect, it } from "vitest";
import { apiDrift, configOf, goneDrift, MAIN_TF, MAIN_TF_TEXT, newGitHub, scanOnce, settle, sgDrift, type ResourceDrift, type ScanOptions } from "../support/backport-world.js";
import { Crash, type MemoryGitHub } from "../support/memory-github.js";

const world = [apiDrift(), sgDrift(), goneDrift()];
// verification plans run before any write: they are covered elsewhere, and skipping them keeps 100+ scans quick
const options: ScanOptions = { config: configOf({ backport: { verify: false } }) };

interface Scenario {
  name: string;
  before: (github: MemoryGitHub) => Promise<void>;
  drifts: ResourceDrift[];
}

const settled = async (github: MemoryGitHub) => void (await settle(github, world, options));
const scenarios: Scenario[] = [
  { name: "opening pull requests", before: async () => {}, drifts: world },
  { name: "updating a changed value", before: settled, drifts: [apiDrift("t3.xlarge"), sgDrift(), goneDrift()] },
  {
    name: "regenerating on a moved base",
    before: async (github) => {
      await settled(github);
      github.baseMoves("README.md", "# moved\n");
    },
    drifts: world,
  },
  { name: "closing resolved drift", before: settled, drifts: [apiDrift()] },
  {
    name: "opening again after a person closed one",
    before: async (github) => {
      await settled(github);
      github.personCloses(github.openPrs().find((pr) => pr.branch.endsWith("aws_instance.api"))!.number);
    },
    drifts: [apiDrift("t3.2xlarge"), sgDrift(), goneDrift()],
  },
  {
    name: "switching a pull request to revert",
    before: async (github) => {
      await settled(github);
      const pr = github.openPrs().find((p) => p.branch.endsWith("aws_instance.api"))!;
      pr.body = pr.body.replace(/(<!-- driftback:backport \{)/, '$1"override":"revert",');
    },
    drifts: world,
  },
];

/** What a person sees on GitHub: per open pull request its branch, files, title, body and labels. */
function visible(github: MemoryGitHub) {
  return github
    .openPrs()
    .map((pr) => ({ branch: pr.branch, title: pr.title, body: pr.body, labels: [...pr.labels].sort(), files: Object.fromEntries(github.filesOf(pr.branch)) }))
    .sort((a, b) => (a.branch < b.branch ? -1 : 1));
}

describe("backportDrift: a crash after any write, then a restart, converges with no duplicate (issue 8 §6)", () => {
  for (const scenario of scenarios) {
    it(`while ${scenario.name}`, async () => {
      const probe = newGitHub();
      await scenario.before(probe);
      const start = probe.writes;
      await scanOnce(probe, scenario.drifts, options);
      const total = probe.writes - start;
      expect(total).toBeGreaterThan(0);
      await settle(probe, scenario.drifts, options);
      const expected = visible(probe);

      for (let allowed = 0; allowed < total; allowed++) {
        const github = newGitHub();
        await scenario.before(github);
        github.crashAfterWrites(allowed);
        await expect(scanOnce(github, scenario.drifts, options), `a crash after ${allowed} writes`).rejects.toThrow(Crash);
        github.noCrash();
        await settle(github, scenario.drifts, options); // the restart: fresh deps, the same GitHub
        const why = `${scenario.name}, crashed after write ${allowed} of ${total}`;
        expect(visible(github), why).toEqual(expected);
        expect([...github.prs.values()].filter((pr) => pr.merged), why).toEqual([]);
        expect(github.prs.size, `${why}: no extra pull request`).toBe(probe.prs.size);
        // a work branch can be left only by a crash between moving a branch onto it and deleting it
        const left = [...github.refs.keys()].filter((b) => b.startsWith("driftback-work/"));
        expect(left.length, why).toBeLessThanOrEqual(1);
      }
    });
  }

  it("still verifies after a crash in the middle of opening: the restart plans again and opens the verified pull request once", async () => {
    const github = newGitHub();
    github.crashAfterWrites(2); // branch and commit made, no pull request yet
    await expect(scanOnce(github, [apiDrift()])).rejects.toThrow(Crash);
    github.noCrash();
    const { plans } = await scanOnce(github, [apiDrift()]);
    expect(plans).toHaveLength(1);
    expect(github.openPrs()).toHaveLength(1);
    expect(github.openPrs()[0]!.body).toContain("✅ Verified");
    expect(github.commitsOn("driftback/prod/aws_instance.api")).toHaveLength(1); // the branch had the files: no second commit
    expect(github.filesOf("driftback/prod/aws_instance.api").get(MAIN_TF)).toBe(MAIN_TF_TEXT.replace("t3.small", "t3.large"));
  });
});
