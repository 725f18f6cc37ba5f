import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { differenceKey } from "../../src/core/parity/first-seen.js";
import { BackportScenario, committedFiles, OWNER, REPO } from "./backport-harness.js";
import { PARITY_CONFIG, parityFiles, parityPlan, parityRoot } from "./parity-fixtures.js";

/**
 * Issue 16 §6 end to end: `/driftback align` on the drift dashboard (and its "align all to" box) opens the alignment
 * pull request through a real scan (probot, nock's stateful GitHub, the fake terraform replaying each member's plan,
 * a local git repository). Shapes as the other commands' e2e tests: POST /issues/{n}/comments answers { id, html_url },
 * reactions POST /issues/comments/{id}/reactions { content }.
 */
const CONFIG = PARITY_CONFIG;

/** The parity repository, and prod-eu's verification plan (in the driftback-verify-* copy) planning the aligned 20. */
const files = () => ({
  ...parityFiles(),
  "envs/prod-eu/aligned.json": parityPlan("prod-eu", { pool: 10, timeout: "60s" }, { pool: 20, timeout: "10s" }),
  "envs/prod-eu/.fake-terraform.json": JSON.stringify({ plan: "plan.json", planWhenTargeted: "aligned.json" }),
});

const COMMAND = "/driftback align modules/service module.shop pool_size to staging";
const BRANCH = /^driftback\/align\/modules-service\/module-shop-pool-size-to-staging-[0-9a-f]{8}$/;

let scenario: BackportScenario;
beforeEach(() => {
  nock.disableNetConnect();
  scenario = new BackportScenario(CONFIG);
  scenario.world.baseSha = scenario.repo.commitTo(files(), "refs/heads/main");
  scenario.api.permission(OWNER, REPO, "octocat", "write").permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO).comments(OWNER, REPO, 7);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function commentEvent(body: string, options: { login?: string; id?: number; issueBody?: string } = {}) {
  const login = options.login ?? "octocat";
  return {
    action: "created",
    issue: { number: 7, title: "Drift dashboard", state: "open", body: options.issueBody ?? "<!-- driftback:dashboard -->\n## Drift dashboard", labels: [{ id: 1, name: "driftback" }], user: { login: "driftback[bot]", type: "Bot" } },
    comment: { id: options.id ?? 11, body, user: { login, type: "User" } },
    repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, type: "Organization" }, clone_url: scenario.repo.cloneUrl, default_branch: "main", private: true },
    sender: { login, type: "User" },
    installation: { id: 1 },
  };
}

function dashboardEdited(body: string, from: string) {
  return {
    action: "edited",
    issue: { number: 7, title: "Drift dashboard", state: "open", body, labels: [{ id: 1, name: "driftback" }], user: { login: "driftback[bot]", type: "Bot" } },
    changes: { body: { from } },
    repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, type: "Organization" }, clone_url: scenario.repo.cloneUrl, default_branch: "main", private: true },
    sender: { login: "octocat", type: "User" },
    installation: { id: 1 },
  };
}

const replies = () => scenario.api.sent("POST", new RegExp(`^/repos/${OWNER}/${REPO}/issues/7/comments$`)).map((r) => String(r.body.body));
const reactions = (id: number) => scenario.api.sent("POST", new RegExp(`/issues/comments/${id}/reactions$`)).map((r) => r.body.content);
const commits = () => scenario.world.requests.filter((r) => r.operation === "driftbackCommit");

describe("/driftback align and the dashboard's align boxes (issue 16 §6; probot, nock, fake terraform, local git)", () => {
  it("a writer's command opens one verified pull request setting prod-eu's pool_size to 20; a redelivery opens no second one and commits nothing", async () => {
    const app = await scenario.startApp();
    await app.scan(); // the dashboard exists (drift in prod-eu)
    const receive = (payload: object, id: string) => app.probot.receive({ id, name: "issue_comment", payload } as Parameters<typeof app.probot.receive>[0]);

    await receive(commentEvent(COMMAND, { id: 31 }), "delivery-1");
    await app.idle();
    expect(reactions(31)).toEqual(["+1"]);
    const [started, done] = replies();
    expect(started).toBe("🧭 driftback aligns <code>pool_size</code> of <code>module.shop</code> in parity group <code>modules/service</code> to the value of <code>staging</code> on the next scan of acme/infra, starting now. Its pull request is linked here when the scan is done.");

    // one pull request: its branch, title, label, the one edited file, and a body ending in the sealed marker
    const pulls = [...scenario.world.pulls.values()];
    expect(pulls).toHaveLength(1);
    const pull = pulls[0]!;
    expect(pull).toMatchObject({ number: 20, state: "open", base: "main", labels: ["parity"], title: "Align `pool_size` of `module.shop` to staging in parity group modules/service" });
    expect(pull.branch).toMatch(BRANCH);
    expect(done).toBe(`🧭 Alignment of <code>pool_size</code> of <code>module.shop</code> in parity group <code>modules/service</code> to <code>staging</code>: opened [#20](https://github.com/${OWNER}/${REPO}/pull/20).`);
    expect(commits()).toHaveLength(1);
    const written = committedFiles(commits()[0]!);
    expect(Object.keys(written)).toEqual(["envs/prod-eu/main.tf"]);
    expect(written["envs/prod-eu/main.tf"]).toContain("pool_size = 20");
    expect(written["envs/prod-eu/main.tf"]).not.toContain("pool_size = 10");
    expect(pull.body).toContain("to <code>20</code>, the value of <code>staging</code>");
    expect(pull.body).toMatch(/\| <code>prod-eu<\/code> \| ✏️ aligned: .*\(<code>envs\/prod-eu\/main\.tf<\/code>\) \|/);
    expect(pull.body).toMatch(/\| <code>prod-us<\/code> \| ✅ unchanged: /);
    expect(pull.body).toContain("✅ Verified: <code>terraform plan</code> of this branch in <code>prod-eu</code>");
    expect(pull.body.trimEnd().split("\n").at(-1)).toMatch(/^<!-- driftback:align \{"v":1,"kind":"align","key":"align:modules\/service:module\.shop:pool_size:staging"\}(?: seal:[A-Za-z0-9_-]{43})? -->$/);
    // the verification planned prod-eu in a copy of the tree with the edit
    expect(app.fake.calls().some((c) => c.args[0] === "plan" && /driftback-verify-align-/.test(c.cwd) && c.cwd.endsWith("envs/prod-eu"))).toBe(true);

    // the same delivery again: acted on once
    const writes = scenario.world.writes().length;
    await receive(commentEvent(COMMAND, { id: 31 }), "delivery-1");
    await app.idle();
    expect(replies()).toHaveLength(2);
    expect(scenario.world.writes()).toHaveLength(writes);

    // the same command delivered again under a new id (or asked again): a scan runs, finds the pull request up to date, writes nothing to it
    await receive(commentEvent(COMMAND, { id: 32 }), "delivery-2");
    await app.idle();
    expect(scenario.world.pulls.size).toBe(1);
    expect(commits()).toHaveLength(1);
    expect(scenario.world.writes()).toHaveLength(writes);
    expect(replies().at(-1)).toBe(`🧭 Alignment of <code>pool_size</code> of <code>module.shop</code> in parity group <code>modules/service</code> to <code>staging</code>: up to date in [#20](https://github.com/${OWNER}/${REPO}/pull/20).`);
  });

  it("refuses a reader (a reaction, no scan), gives the usage line for bad syntax, and replies why an alignment cannot be made", async () => {
    const app = await scenario.startApp();
    await app.scan();
    const plans = () => app.fake.calls().filter((c) => c.args[0] === "plan").length;
    const planned = plans();

    await app.receive("issue_comment", commentEvent(COMMAND, { login: "mallory", id: 41 }));
    await app.idle();
    expect(reactions(41)).toEqual(["confused"]);
    expect(replies()).toEqual([]);
    expect(plans()).toBe(planned);

    await app.receive("issue_comment", commentEvent("/driftback align modules/service module.shop pool_size staging", { id: 42 }));
    await app.idle();
    expect(reactions(42)).toEqual(["confused"]);
    expect(replies()).toEqual([
      "⚠️ usage: <code>/driftback align &lt;group&gt; &lt;resource&gt; &lt;attribute&gt; to &lt;member&gt;</code>, for example <code>/driftback align modules/service module.shop pool_size to staging</code> (names as the dashboard&#x27;s parity section shows them, without spaces)",
    ]);
    expect(plans()).toBe(planned);

    // not on the dashboard nor a backport pull request: not driftback's to answer
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 43, issueBody: "an ordinary issue" }));
    await app.idle();
    expect(reactions(43)).toEqual([]);

    // a member that is not one: the scan runs, nothing opens, the reply says what the members are
    await app.receive("issue_comment", commentEvent("/driftback align modules/service module.shop pool_size to dev", { id: 44 }));
    await app.idle();
    expect(scenario.world.pulls.size).toBe(0);
    expect(replies().at(-1)).toBe("⚠️ driftback did not align <code>pool_size</code> of <code>module.shop</code> in parity group <code>modules/service</code> to <code>dev</code>: <code>dev</code> is not a member of group <code>modules/service</code> (its members: <code>staging</code>, <code>prod-us</code>, <code>prod-eu</code>)");
  });

  it("follows the base: an unrelated commit writes nothing, a change to the edited file rebuilds the branch; a verification problem opens nothing", async () => {
    const app = await scenario.startApp();
    await app.scan();
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 51 }));
    await app.idle();
    expect(scenario.world.openPulls().map((p) => p.number)).toEqual([20]);
    const branch = scenario.world.openPulls()[0]!.branch;

    // main moves with a file the alignment does not touch: the open pull request is still what it should be
    scenario.world.baseSha = scenario.repo.commitTo({ ...files(), "README.md": "# infra\n" }, "refs/heads/main");
    let writes = scenario.world.writes().length;
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 52 }));
    await app.idle();
    expect(scenario.world.writes()).toHaveLength(writes);
    expect(replies().at(-1)).toContain("up to date in [#20]");

    // main changes prod-eu's file: the branch is built again on the new base, with the edit over the new text
    scenario.world.baseSha = scenario.repo.commitTo({ ...files(), "README.md": "# infra\n", "envs/prod-eu/main.tf": `# prod-eu\n${parityRoot("prod-eu", "  pool_size = 10\n")}` }, "refs/heads/main");
    writes = scenario.world.writes().length;
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 53 }));
    await app.idle();
    expect(replies().at(-1)).toContain("updated [#20]");
    expect(scenario.world.pulls.size).toBe(1);
    expect(scenario.world.files(branch).get("envs/prod-eu/main.tf")).toMatch(/^# prod-eu\nmodule "shop" \{[\s\S]*pool_size = 20/);
    expect(scenario.world.describeWrites(writes)).toContain("POST graphql driftbackCommit");

    // an edit whose verification plan changes something outside the aligned module: refused, nothing written
    const bad = JSON.parse(files()["envs/prod-eu/aligned.json"]) as { resource_changes: object[] };
    bad.resource_changes.push({ address: "aws_s3_bucket.logs", mode: "managed", type: "aws_s3_bucket", name: "logs", change: { actions: ["update"], before: { acl: "private" }, after: { acl: "public-read" }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } });
    scenario.world.baseSha = scenario.repo.commitTo({ ...files(), "envs/prod-eu/aligned.json": JSON.stringify(bad) }, "refs/heads/main");
    writes = scenario.world.writes().length;
    await app.receive("issue_comment", commentEvent("/driftback align modules/service module.shop pool_size to staging", { id: 54 }));
    await app.idle();
    expect(scenario.world.writes()).toHaveLength(writes);
    expect(replies().at(-1)).toMatch(/^⚠️ driftback did not align .*: its verification plan found a problem, so no pull request was opened: prod-eu: applying the edits would change more than the aligned value/);
  });

  it("leaves a branch a person pushed to alone: no commit over theirs, the reply links the pull request", async () => {
    const app = await scenario.startApp();
    await app.scan();
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 71 }));
    await app.idle();
    const pull = scenario.world.openPulls()[0]!;
    scenario.world.personPushes(pull.branch, "envs/prod-eu/main.tf", parityRoot("prod-eu", "  pool_size = 25\n"));
    const writes = scenario.world.writes().length;
    await app.receive("issue_comment", commentEvent(COMMAND, { id: 72 }));
    await app.idle();
    expect(scenario.world.writes()).toHaveLength(writes);
    expect(scenario.world.files(pull.branch).get("envs/prod-eu/main.tf")).toContain("pool_size = 25");
    expect(replies().at(-1)).toContain("up to date in [#20]");
  });

  it("a ticked 'align all to' box opens the same pull request, and the box shows unticked again", async () => {
    const app = await scenario.startApp();
    await app.scan();
    const body = scenario.dashboard();
    const box = `- [ ] <!-- driftback:align:${differenceKey("modules/service", "declared", "module.shop", "pool_size")}:staging --> align all to <code>20</code> (<code>staging</code>)`;
    expect(body.split("\n")).toContain(`  ${box}`);
    expect(body).toContain("align all to <code>10</code> (<code>prod-eu</code>)");

    // a person ticks it: GitHub's issue now says so, and the edit event starts a scan
    const ticked = body.replace(box, box.replace("- [ ]", "- [x]"));
    scenario.api.requests.push({ method: "PATCH", path: `/repos/${OWNER}/${REPO}/issues/7`, body: { body: ticked } });
    await app.receive("issues", dashboardEdited(ticked, body));
    await app.idle();
    const pulls = [...scenario.world.pulls.values()];
    expect(pulls.map((p) => [p.number, p.title, p.labels])).toEqual([[20, "Align `pool_size` of `module.shop` to staging in parity group modules/service", ["parity"]]]);
    expect(pulls[0]!.branch).toMatch(BRANCH);
    expect(committedFiles(commits()[0]!)["envs/prod-eu/main.tf"]).toContain("pool_size = 20");
    expect(scenario.dashboard().split("\n")).toContain(`  ${box}`);
    expect(replies()).toEqual([]);

    // a rescan with nothing ticked leaves it alone
    const writes = scenario.world.writes().length;
    await app.scan();
    expect(scenario.world.writes()).toHaveLength(writes);
  });
});


describe("/driftback expect (issue 16 §6: the difference marked expected by design, in a pull request)", () => {
  it("opens one pull request adding the glob to .github/driftback.yml as a configured group of the module; a redelivery opens no second one", async () => {
    // the config as the default branch holds it (the App reads it through the API, the edit from the checkout)
    scenario.world.baseSha = scenario.repo.commitTo({ ...files(), ".github/driftback.yml": CONFIG }, "refs/heads/main");
    const app = await scenario.startApp();
    await app.scan();
    const receive = (payload: object, id: string) => app.probot.receive({ id, name: "issue_comment", payload } as Parameters<typeof app.probot.receive>[0]);

    await receive(commentEvent("/driftback expect modules/service module.shop pool_size", { id: 41 }), "delivery-e1");
    await app.idle();
    expect(reactions(41)).toEqual(["+1"]);
    const [started, done] = replies();
    expect(started).toContain("driftback marks <code>pool_size</code> of <code>module.shop</code> expected to differ in parity group <code>modules/service</code> on the next scan");
    const pulls = [...scenario.world.pulls.values()];
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ labels: ["parity"], title: "Parity: expect pool_size of module.shop to differ in modules/service" });
    expect(pulls[0]!.branch).toMatch(/^driftback\/align\/expect-[0-9a-f]{12}$/);
    expect(done).toContain(`expected to differ in parity group <code>modules/service</code>: opened [#${pulls[0]!.number}]`);
    const written = committedFiles(commits()[0]!);
    expect(Object.keys(written)).toEqual([".github/driftback.yml"]);
    expect(written[".github/driftback.yml"]).toContain("workspaces:"); // the rest of the config kept
    expect(written[".github/driftback.yml"]).toMatch(/parity:\n {2}- name: modules\/service\n {4}module: modules\/service\n {4}expected:\n {6}- \{ ?address: module\.shop, attribute: pool_size ?\}/);

    // the same command again (a new delivery): the open pull request is up to date, nothing written
    await receive(commentEvent("/driftback expect modules/service module.shop pool_size", { id: 42 }), "delivery-e2");
    await app.idle();
    expect([...scenario.world.pulls.values()]).toHaveLength(1);
    expect(commits()).toHaveLength(1);
    expect(replies().at(-1)).toContain("up to date in");
  });

  it("bad syntax gets its usage line", async () => {
    const app = await scenario.startApp();
    await app.scan();
    await app.probot.receive({ id: "delivery-e3", name: "issue_comment", payload: commentEvent("/driftback expect modules/service", { id: 43 }) } as Parameters<typeof app.probot.receive>[0]);
    await app.idle();
    expect(replies().at(-1)).toContain("usage: <code>/driftback expect &lt;group&gt; &lt;resource&gt; &lt;attribute&gt;</code>");
    expect(reactions(43)).toEqual(["confused"]);
  });
});
