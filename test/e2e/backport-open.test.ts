import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_BRANCH, API_FP, BackportScenario, committedFiles, CONFIG, CONTENT_CANARY, SSH_BRANCH, SSH_FP, TOKEN } from "./backport-harness.js";

let scenario: BackportScenario;
beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const commits = () => scenario.world.requests.filter((r) => r.operation === "driftbackCommit");
const pullFor = (branch: string) => [...scenario.world.pulls.values()].find((p) => p.branch === branch)!;

describe("a scan with drift opens backport pull requests (probot, nock, fake terraform, local git)", () => {
  it("opens one codify and one revert pull request with their commits, bodies and labels; the dashboard links them", async () => {
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    const requests = scenario.requestsFrom();
    const report = await app.scan();

    // 1. the dashboard is read once, before the pull requests are; it is written once, after them
    const scanRequests = requests().filter((r) => !/^(GET \/app\/installations|POST \/app\/installations|GET \/installation|GET \/contents)/.test(r));
    expect(scanRequests).toEqual([
      "GET /issues",
      "GET /app",
      "POST /graphql driftbackPullRequests",
      "POST /git/refs",
      "POST /graphql driftbackCommit",
      "POST /pulls",
      "POST /issues/20/labels",
      "POST /git/refs",
      "POST /graphql driftbackCommit",
      "POST /pulls",
      "POST /issues/21/labels",
      "POST /labels",
      "POST /issues",
    ]);
    expect(report!.backport).toMatchObject({ writes: 8, operations: [{ kind: "open", key: "prod/aws_security_group_rule.ssh", pr: 20 }, { kind: "open", key: "prod/aws_instance.api", pr: 21 }] });

    // 2. branches start at the commit the scan planned
    const refs = scenario.world.requests.filter((r) => r.method === "POST" && r.path.endsWith("/git/refs"));
    expect(refs.map((r) => r.body)).toEqual([
      { ref: `refs/heads/${SSH_BRANCH}`, sha: scenario.world.baseSha },
      { ref: `refs/heads/${API_BRANCH}`, sha: scenario.world.baseSha },
    ]);

    // 3. the revert commit carries the drift record only; the codify commit the edited HCL and its record
    const [revert, codify] = commits();
    expect(revert!.body.variables.input).toMatchObject({ branch: { repositoryNameWithOwner: "acme/infra", branchName: SSH_BRANCH }, expectedHeadOid: scenario.world.baseSha, message: { headline: "Revert drift: aws_security_group_rule.ssh cidr_blocks (prod)" } });
    expect(Object.keys(committedFiles(revert!))).toEqual([`.driftback/drift/prod/${SSH_FP}.md`]);
    const codified = committedFiles(codify!);
    expect(Object.keys(codified).sort()).toEqual([`.driftback/drift/prod/${API_FP}.md`, "prod/main.tf"]);
    expect(codified["prod/main.tf"]).toContain('  instance_type = "t3.large"\n');
    expect(codified["prod/main.tf"]).toContain('  cidr_blocks = ["10.0.0.0/8"]\n'); // the revert's resource is not touched here
    expect(codified[`.driftback/drift/prod/${API_FP}.md`]).toMatch(/Recorded \(what the state says\):\n\n```\nt3\.small\n```\n\nLive \(what is running\):\n\n```\nt3\.large\n```/);

    // 4. titles, bodies (verification, plan excerpt, hidden marker) and labels
    const codifyPr = pullFor(API_BRANCH);
    expect(codifyPr).toMatchObject({ number: 21, base: "main", draft: false, title: "Codify drift: aws_instance.api instance_type (prod)", labels: ["drift", "drift:codify"] });
    expect(codifyPr.body).toContain("✅ Verified: <code>terraform plan</code> of this branch in <code>prod</code> (every configured workspace that loads an edited file) proposes no change to the codified attributes of <code>aws_instance.api</code>");
    expect(codifyPr.body).toMatch(/<!-- driftback:backport \{"v":1,"key":"prod\/aws_instance\.api".*"items":\[\["87254b2f50b9f77c","[0-9a-f]{12}","codify","codify"\]\]/);
    const revertPr = pullFor(SSH_BRANCH);
    expect(revertPr).toMatchObject({ number: 20, title: "Revert drift: aws_security_group_rule.ssh cidr_blocks (prod)", labels: ["drift", "drift:revert"] });
    expect(revertPr.body).toContain('~     "0.0.0.0/0" -> "10.0.0.0/8"');
    expect(revertPr.body).toContain("Merging restores the declared value");

    // 5. the dashboard links each drift to its pull request with its state
    const dashboard = scenario.dashboard();
    expect(dashboard).toContain("| <code>aws_security_group_rule.ssh</code> | <code>cidr_blocks</code> | changed outside Terraform | policy | 2026-11-01 (0 days) | #20 open · revert |");
    expect(dashboard).toContain("| <code>aws_instance.api</code> | <code>instance_type</code> | changed outside Terraform | configuration | 2026-11-01 (0 days) | #21 open · codify |");
    expect(scenario.dashboardState().items[API_FP]).toMatchObject({ pr: 21, backport: { status: "open", pr: 21, action: "codify" } });
  });

  it("writes nothing on a rescan where nothing changed, after a restart too, and asks for the bot login once per process", async () => {
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    await app.scan();
    const worldWrites = scenario.world.writes().length;
    const dashboardWrites = scenario.dashboardWrites();

    const rescan = scenario.requestsFrom();
    const report = await app.scan();
    expect(report!.backport).toMatchObject({ writes: 0 });
    expect(report!.dashboard).toEqual({ number: 7, action: "unchanged" });
    // reads only: the dashboard, driftback's pull requests, and each open one's branch against the base
    expect(rescan().filter((r) => !/installation|contents/.test(r))).toEqual(["GET /issues", "POST /graphql driftbackPullRequests", `GET /compare/main...${SSH_BRANCH}`, `GET /compare/main...${API_BRANCH}`]);

    scenario.now += 3_600_000;
    const restarted = await scenario.startApp();
    await restarted.scan();
    expect(scenario.world.writes()).toHaveLength(worldWrites);
    expect(scenario.dashboardWrites()).toBe(dashboardWrites);
    expect(scenario.sequence.filter((r) => r === "GET /app")).toHaveLength(2); // once per process
    expect(scenario.world.openPulls().map((p) => p.number)).toEqual([20, 21]);
  });

  it("never logs file contents, pull request bodies or tokens", async () => {
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    await app.scan();
    scenario.live({ instanceType: "t3.xlarge", cidr: null });
    await app.scan();
    const logs = scenario.logs.join("\n");
    expect(logs).toContain("backport pull requests reconciled"); // the log was captured
    const codifiedFile = Buffer.from(committedFiles(commits()[1]!)["prod/main.tf"]!).toString("base64");
    for (const secret of [TOKEN, CONTENT_CANARY, codifiedFile.slice(0, 40), "<!-- driftback:backport", "Verified: `terraform plan`"]) expect(logs).not.toContain(secret);
  });

  it("opens no more than backport.max_open pull requests; the dashboard says how many drifts wait, and the next one opens when one closes", async () => {
    nock.cleanAll();
    scenario = new BackportScenario(`${CONFIG}backport:\n  max_open: 1\n`);
    scenario.live({ instanceType: "t3.large", cidr: ["0.0.0.0/0"] });
    const app = await scenario.startApp();
    await app.scan();
    expect(scenario.world.openPulls().map((p) => p.branch)).toEqual([SSH_BRANCH]); // policy drift first: the most severe
    expect(scenario.dashboard()).toContain("| ⏳ waiting |");
    expect(scenario.dashboard()).toContain("1 drift waits: backport.max_open is 1.");
    expect(scenario.dashboardState().items[API_FP]!.backport).toMatchObject({ status: "waiting" });

    scenario.world.personMerges(20);
    scenario.live({ instanceType: "t3.large", cidr: null }); // merged and applied: the rule's drift is gone
    await app.scan();
    expect(scenario.world.openPulls().map((p) => p.branch)).toEqual([API_BRANCH]);
    expect(scenario.dashboard()).not.toContain("backport.max_open is");
    expect(scenario.dashboard()).not.toContain("⏳");
  });
});
