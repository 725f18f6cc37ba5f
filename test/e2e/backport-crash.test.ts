import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_BRANCH, API_FP, BackportScenario, SSH_BRANCH } from "./backport-harness.js";

let scenario: BackportScenario;
beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const BAD_GATEWAY = { status: 502, body: { message: "Server Error" } };

describe("a scan stopped between two writes converges after a restart, with no duplicate (probot, nock, fake terraform, local git)", () => {
  // each write answered 422 "already exists" on the way back counts as a request: it is how the step learns what is there
  it.each([
    {
      step: "commit",
      partial: ["POST /git/refs", "POST graphql driftbackCommit"],
      reason: "Could not commit to branch driftback/prod/aws_instance.api: GitHub did not answer properly (HTTP 502)",
      recovery: ["POST /git/refs", "POST graphql driftbackCommit", "POST /pulls", "POST /issues/21/labels"],
    },
    {
      step: "open-pull",
      partial: ["POST /git/refs", "POST graphql driftbackCommit", "POST /pulls"],
      reason: "Could not open the pull request from driftback/prod/aws_instance.api into main: GitHub did not answer properly (HTTP 502)",
      recovery: ["POST /git/refs", "POST /pulls", "POST /issues/21/labels"],
    },
    {
      step: "labels",
      partial: ["POST /git/refs", "POST graphql driftbackCommit", "POST /pulls", "POST /issues/21/labels"],
      reason: "Could not label pull request #21: GitHub did not answer properly (HTTP 502)",
      // unlabelled, the pull request is not in the listing: GitHub's "already exists" hands it back, and its words are set again
      recovery: ["POST /git/refs", "POST /pulls", "PATCH /pulls/21", "POST /issues/21/labels"],
    },
  ])("a 502 on the codify pull request's $step: the dashboard says why, a new process finishes it, nothing is duplicated", async ({ step, partial, reason, recovery }) => {
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    scenario.world.failNext(step, BAD_GATEWAY, API_BRANCH);
    const first = await scenario.startApp();
    const report = await first.scan();

    // 1. the revert pull request went through; the codify one stopped at the failing write, with a reason on the dashboard
    const codifyWrites = scenario.world.describeWrites().slice(4);
    expect(codifyWrites).toEqual(partial);
    expect(report!.backport!.operations.find((o) => o.key === "prod/aws_instance.api")!.error).toMatch(/502|GitHub/);
    expect(scenario.dashboard()).toMatch(/\| ⚠️ failed( \(#21\))? \|/);
    expect(scenario.dashboard()).toContain("#### Backport pull requests that could not be opened or updated");
    expect(scenario.dashboardState().items[API_FP]!.backport).toMatchObject({ status: "failed" });
    expect(scenario.dashboard().split("\n")).toContain(`- <code>aws_instance.api</code> <code>instance_type</code> in prod: ${reason.replace("#", "#\u2060")}; driftback tries again on the next scan.`);

    // 2. a new process (all it knows is GitHub) converges: one pull request per branch, labelled, no work branch left over
    const restarted = await scenario.startApp();
    const before = scenario.world.writes().length;
    await restarted.scan();
    expect(scenario.world.describeWrites(before)).toEqual(recovery);
    const pulls = [...scenario.world.pulls.values()];
    expect(pulls.map((p) => [p.number, p.branch, p.state, p.labels])).toEqual([
      [20, SSH_BRANCH, "open", ["drift", "drift:revert"]],
      [21, API_BRANCH, "open", ["drift", "drift:codify"]],
    ]);
    expect([...scenario.world.branches.keys()].sort()).toEqual([API_BRANCH, SSH_BRANCH]);
    expect([...scenario.world.files(API_BRANCH).keys()].sort()).toEqual([`.driftback/drift/prod/${API_FP}.md`, "prod/main.tf"]);
    expect(scenario.world.requests.filter((r) => r.operation === "driftbackCommit" && r.body.variables.input.branch.branchName === API_BRANCH).length).toBeLessThanOrEqual(2);
    expect(scenario.dashboard()).toContain("| #21 open · codify |");
    expect(scenario.dashboard()).not.toContain("could not be opened or updated");

    // 3. and then it is quiet
    const settled = scenario.world.writes().length;
    await restarted.scan();
    expect(scenario.world.writes()).toHaveLength(settled);
  });
});
