import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { API_BRANCH, API_FP, BackportScenario, OWNER, REPO, SSH_BRANCH, SSH_FP } from "./backport-harness.js";
import { scanPlanCalls } from "../support/fake-terraform.js";

let scenario: BackportScenario;
beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const pullFor = (branch: string) => [...scenario.world.pulls.values()].filter((p) => p.branch === branch);

/** `issues.edited` on the dashboard issue: `body` is what it says now, `from` what it said before. */
function dashboardEdited(body: string, from: string, sender: { login: string; type: "User" | "Bot" } = { login: "octocat", type: "User" }) {
  return {
    action: "edited",
    issue: { number: 7, title: "Drift dashboard", state: "open", body, labels: [{ id: 1, name: "driftback" }], user: { login: "driftback[bot]", type: "Bot" } },
    changes: { body: { from } },
    repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, type: "Organization" }, clone_url: scenario.repo.cloneUrl, default_branch: "main", private: true },
    sender,
    installation: { id: 1 },
  };
}

describe("backport pull requests follow reality across scans (probot, nock, fake terraform, local git)", () => {
  it("closes a pull request with a comment and deletes its branch when its drift disappears; the dashboard is clean", async () => {
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    await app.scan();
    const before = scenario.world.writes().length;

    scenario.live({ instanceType: null, cidr: null }); // someone applied: nothing drifts any more
    const report = await app.scan();
    expect(scenario.world.describeWrites(before)).toEqual([
      "PATCH /pulls/20",
      "POST /issues/20/comments",
      `DELETE /git/refs/heads/${SSH_BRANCH}`,
      "PATCH /pulls/21",
      "POST /issues/21/comments",
      `DELETE /git/refs/heads/${API_BRANCH}`,
    ]);
    expect(report!.backport!.operations.map((o) => `${o.kind} #${o.pr}`)).toEqual(["close #20", "close #21"]);
    expect(scenario.world.openPulls()).toEqual([]);
    expect([...scenario.world.branches.keys()]).toEqual([]);
    expect(scenario.world.pulls.get(21)!.comments).toHaveLength(1);
    expect(scenario.world.pulls.get(21)!.comments[0]).toMatch(/resolved/i);
    expect(scenario.dashboard()).toContain("### No drift");
    expect(scenario.dashboardState().items).toEqual({});

    // and it stays that way
    const settled = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.writes()).toHaveLength(settled);
  });

  it("lists drift a person closed unmerged as ignored with an 'open again' box; ticking it opens a new pull request, and the box goes away", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null });
    const app = await scenario.startApp();
    await app.scan();
    expect(pullFor(API_BRANCH).map((p) => p.number)).toEqual([20]);

    // 1. a person closes it without merging: ignored, no new pull request, the dashboard offers to open it again
    scenario.world.personCloses(20);
    const before = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.describeWrites(before)).toEqual([]); // closed by a person: the branch is theirs to delete
    expect(scenario.world.openPulls()).toEqual([]);
    const ignoredBody = scenario.dashboard();
    const box = `- [ ] <!-- driftback:reopen:${API_FP} --> open again: <code>aws_instance.api</code> <code>instance_type</code> in prod (#20 was closed unmerged)`;
    expect(ignoredBody.split("\n")).toContain(box);
    expect(ignoredBody).toContain("| #20 ignored |");
    expect(scenario.dashboardState().ignored).toEqual([{ fingerprint: API_FP, valueHash: expect.stringMatching(/^[0-9a-f]{12}$/), pr: 20 }]);

    // 2. a rescan keeps it ignored and writes nothing
    const quiet = scenario.world.writes().length;
    const dashboardWrites = scenario.dashboardWrites();
    await app.scan();
    expect(scenario.world.writes()).toHaveLength(quiet);
    expect(scenario.dashboardWrites()).toBe(dashboardWrites);

    // 3. edits that tick nothing new, or made by a bot, start no scan
    // scans, not verification plans
    const plans = () => scanPlanCalls(app.fake.calls()).length;
    const planned = plans();
    const ticked = ignoredBody.replace(box, box.replace("- [ ]", "- [x]"));
    await app.receive("issues", dashboardEdited(ignoredBody.replace("Drift dashboard", "Drift dashboard (edited)"), ignoredBody));
    await app.receive("issues", dashboardEdited(ticked, ignoredBody, { login: "driftback[bot]", type: "Bot" }));
    await app.idle();
    expect(plans()).toBe(planned);

    // 4. a person ticks the box: a scan starts with it reopened, and a new pull request is opened
    await app.receive("issues", dashboardEdited(ticked, ignoredBody));
    await app.idle();
    expect(plans()).toBe(planned + 1);
    const reopened = pullFor(API_BRANCH).filter((p) => p.state === "open");
    expect(reopened.map((p) => p.number)).toEqual([21]);
    expect(reopened[0]!.labels).toEqual(["drift", "drift:codify"]);
    const after = scenario.dashboard();
    expect(after).not.toContain("driftback:reopen:");
    expect(after).toContain("| #21 open · codify |");
    expect(scenario.dashboardState().ignored).toEqual([]);

    // 5. the same delivery again (GitHub delivers at least once) changes nothing
    const settled = scenario.world.writes().length;
    await app.receive("issues", dashboardEdited(ticked, ignoredBody));
    await app.idle();
    expect(scenario.world.writes()).toHaveLength(settled);
    expect(scenario.world.openPulls().map((p) => p.number)).toEqual([21]);
  });

  it("opens an ignored drift again by itself when its live value changes", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null });
    const app = await scenario.startApp();
    await app.scan();
    scenario.world.personCloses(20);
    await app.scan();
    expect(scenario.world.openPulls()).toEqual([]);

    scenario.live({ instanceType: "m5.large", cidr: null });
    await app.scan();
    expect(scenario.world.openPulls().map((p) => [p.number, p.title])).toEqual([[21, "Codify drift: aws_instance.api instance_type (prod)"]]);
    expect(scenario.dashboard()).not.toContain("Ignored drift");
  });

  it("carries a box ticked during a running scan over to a scan right after it", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null });
    const app = await scenario.startApp();
    await app.scan();
    scenario.world.personCloses(20);
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 1_500 } }); // the next scan plans slowly
    await app.scan();
    const ignoredBody = scenario.dashboard();
    const ticked = ignoredBody.replace("- [ ] <!-- driftback:reopen:", "- [x] <!-- driftback:reopen:");

    const [found] = await app.driftback.scans().discover();
    expect(app.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    await app.receive("issues", dashboardEdited(ticked, ignoredBody)); // the scan is still planning
    await app.idle();
    expect(scenario.world.openPulls().map((p) => [p.number, p.branch])).toEqual([[21, API_BRANCH]]);
    expect(scenario.dashboard()).not.toContain("driftback:reopen:");
    expect(scenario.logs.join("\n")).toContain("open again: a scan is running, the next one carries it");
  });

  it("scans again right after a running scan when a switched action asks for it (again), but not for a plain request", async () => {
    scenario.live({ instanceType: "t3.large", cidr: null }, { sleepMs: { plan: 1_000 } });
    const app = await scenario.startApp();
    const [found] = await app.driftback.scans().discover();
    const scans = () => scanPlanCalls(app.fake.calls()).length;

    expect(app.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    expect(app.driftback.scans().start(found!.repo, found!.octokit)).toBe(false); // a plain request while running: dropped
    await app.idle();
    expect(scans()).toBe(1);

    expect(app.driftback.scans().start(found!.repo, found!.octokit)).toBe(true);
    expect(app.driftback.scans().start(found!.repo, found!.octokit, { again: true })).toBe(false); // carried over
    await app.idle();
    expect(scans()).toBe(3);
  });
});

describe("drift that comes back after its revert was merged and applied (issue 14, seen 4)", () => {
  it("SSH opened, revert merged, applied, a clean scan, SSH opened again: a new pull request, once, whatever the redeliveries", async () => {
    scenario.live({ instanceType: null, cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    await app.scan();
    expect(pullFor(SSH_BRANCH).map((p) => [p.number, p.state, p.labels])).toEqual([[20, "open", ["drift", "drift:revert"]]]);

    // merged; the next scan still sees the drift (not applied yet): it waits
    scenario.world.personMerges(20);
    let before = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.describeWrites(before)).toEqual([]);
    expect(scenario.dashboard()).toContain("| #20 merged · revert |");

    // applied: a scan finds no drift; the dashboard and the merged pull request's marker remember the merge is done with
    scenario.live({ instanceType: null, cidr: null });
    before = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.describeWrites(before)).toEqual(["PATCH /pulls/20"]);
    expect(parseMarker(scenario.world.pulls.get(20)!.body)!.cleared).toEqual([SSH_FP]);
    expect(scenario.dashboardState().items).toEqual({});
    expect(scenario.dashboardState().cleared).toEqual([{ fingerprint: SSH_FP, pr: 20 }]);
    before = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.describeWrites(before)).toEqual([]); // recorded once

    // the same rule is opened again: a new pull request on the same branch
    scenario.live({ instanceType: null, cidr: ["0.0.0.0/0"] });
    const report = await app.scan();
    expect(report!.backport!.operations.map((o) => `${o.kind} ${o.key}${o.pr ? ` #${o.pr}` : ""}`)).toEqual(["open prod/aws_security_group_rule.ssh #21"]);
    expect(pullFor(SSH_BRANCH).map((p) => [p.number, p.state])).toEqual([
      [20, "closed"],
      [21, "open"],
    ]);
    expect(scenario.dashboard()).toContain("| #21 open · revert |");

    // later scans write nothing, and the newer pull request decides from now on
    const settled = scenario.world.writes().length;
    await app.scan();
    await app.scan();
    expect(scenario.world.writes()).toHaveLength(settled);
    expect(scenario.world.openPulls().map((p) => p.number)).toEqual([21]);
    expect(scenario.dashboardState().cleared).toEqual([]);
  });
});
