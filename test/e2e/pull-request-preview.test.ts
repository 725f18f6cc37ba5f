import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { APP_ID, startApp } from "../support/probot-app.js";
import { describeShared } from "../support/shared.js";
import { encodeMarker, MARKER_VERSION } from "../../src/core/backport/marker.js";
import { baseFiles, CONFIG, OWNER, planComment, prApi, prPayload as fixturePayload, REPO, standardApi as fixtureApi } from "./preview-fixtures.js";
import { useMockedGitHub } from "../support/mocked-github.js";

let api: GitHubApiMock;
let repo: TestRepo;

useMockedGitHub((world) => ({ api, repo } = world));

const prPayload = (name: "pull_request.opened" | "pull_request.synchronize", sha: string, overrides: { fork?: boolean; draft?: boolean } = {}) => fixturePayload(repo, name, sha, overrides);
const standardApi = (payload: any, changed: string[], config: string | null = CONFIG) => fixtureApi(api, payload, changed, config);

describeShared("plan previews on pull requests (probot.receive, nock, fake terraform)", () => {
  it("plans the touched workspace and posts one comment and one finished check run", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf", "README.md"]);
    const app = await startApp();

    await app.receive("pull_request", payload);
    await app.idle();

    const calls = app.fake.calls();
    expect(calls.map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(calls[0]!.cwd).toMatch(/infra\/prod$/);
    expect(calls[1]!.args).toContain("-var-file=prod.tfvars");
    expect(calls[1]!.env.TF_WORKSPACE).toBe("production");
    // the pull request's code installs providers into its repository's own cache, never the one reviewed code runs from
    expect(calls[0]!.env.TF_PLUGIN_CACHE_DIR).toMatch(/\/codertocat\/pull-requests\/hello-world\/slot-\d+$/);

    const created = api.sent("POST", /check-runs$/);
    expect(created).toHaveLength(1);
    expect(created[0]!.body).toMatchObject({ name: "driftback: prod", head_sha: sha, status: "in_progress" });
    const completed = api.sent("PATCH", /check-runs\/\d+$/);
    expect(completed.at(-1)!.body).toMatchObject({ status: "completed", conclusion: "success", output: { title: "1 to change, 1 to destroy" } });
    expect(completed.at(-1)!.body.output.text).toContain("~ instance_type = \"t3.small\" -> \"t3.large\"");

    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    const body: string = comments[0]!.body.body;
    expect(body.startsWith("<!-- driftback:preview -->")).toBe(true);
    expect(body).toContain(`for ${sha.slice(0, 7)}`);
    expect(body).toContain("[!CAUTION]");
    expect(body).toContain("~ password      = (sensitive value)");
    expect(body).not.toContain("pw-rotated-secret");
    expect(body).not.toContain("pw-in-clear-text");
    expect(body).not.toContain("`staging`");
  });

  it("plans a backport pull request's workspace from its marker, though a revert changes only its drift record", async () => {
    const record = ".driftback/drift/prod/0123456789abcdef.md";
    const sha = repo.commit({ ...baseFiles(), [record]: "# drift record\n" });
    const payload = prPayload("pull_request.opened", sha);
    const marker = encodeMarker({ version: MARKER_VERSION, key: "prod/aws_instance.web", workspace: "prod", action: "revert", items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }], digest: "abcdefabcdef" });
    payload.pull_request.body = `Revert drift\n\n${marker}`;
    standardApi(payload, [record]);
    const app = await startApp();

    await app.receive("pull_request", payload);
    await app.idle();

    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
    expect(app.fake.calls()[0]!.cwd).toMatch(/infra\/prod$/);
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: prod"]);
  });

  it("plans a workspace when only a local module it calls changes", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["modules/net/main.tf"]);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: prod"]);
  });

  it("does nothing for a change outside every workspace", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["docs/guide.md", "src/app.ts"]);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it("ignores a duplicate delivery and a second delivery for the commit already being planned", async () => {
    const sha = repo.commit(baseFiles({ sleepMs: { plan: 500 } }));
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf"]);
    const app = await startApp();

    await app.receive("pull_request", payload, "delivery-1");
    await app.receive("pull_request", payload, "delivery-1"); // GitHub redelivers with the same id
    await app.receive("pull_request", prPayload("pull_request.synchronize", sha), "delivery-2");
    await app.idle();

    expect(app.fake.calls().filter((c) => c.args[0] === "plan")).toHaveLength(1);
    expect(api.sent("POST", /check-runs$/)).toHaveLength(1);
    expect(api.sent("POST", /comments$/)).toHaveLength(1);
  });

  it("edits its own comment and check run in place when the same commit is planned again", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    api
      .installationToken(payload.installation.id)
      .config(OWNER, REPO, CONFIG)
      .changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"])
      .pullRequest(OWNER, REPO, 2, prApi(payload))
      .comments(OWNER, REPO, 2, () => [
        { id: 1, body: "LGTM", user: { type: "User" } },
        // another bot's comment starting with the marker (issue 15 §4.5): never driftback's to edit
        { id: 66, body: "<!-- driftback:preview -->\ncopied by a workflow", user: { type: "Bot", login: "github-actions[bot]" }, performed_via_github_app: { id: 15368, slug: "github-actions" }, html_url: "https://github.com/x#66" },
        { id: 77, body: "<!-- driftback:preview -->\nold plan", user: { type: "Bot", login: "driftback[bot]" }, performed_via_github_app: { id: APP_ID, slug: "driftback" }, html_url: "https://github.com/x#77" },
      ])
      .checkRuns(OWNER, REPO, (name) => [{ id: 555, name, app: { id: APP_ID } }]);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();

    expect(api.sent("POST", /comments$/)).toEqual([]);
    expect(api.sent("POST", /check-runs$/)).toEqual([]);
    expect(api.sent("PATCH", /issues\/comments\/77$/)).toHaveLength(1);
    expect(api.sent("PATCH", /issues\/comments\/66$/)).toEqual([]);
    expect(api.sent("PATCH", /check-runs\/555$/).map((r) => r.body.status)).toEqual(["in_progress", "completed"]);
  });

  it("never edits another bot's comment that starts with its marker: a workflow's github-actions[bot] copy stays, driftback writes its own (issue 15 §4.5)", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    api
      .installationToken(payload.installation.id)
      .config(OWNER, REPO, CONFIG)
      .changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"])
      .pullRequest(OWNER, REPO, 2, prApi(payload))
      .comments(OWNER, REPO, 2, () => [
        { id: 66, body: "<!-- driftback:preview -->\nnot driftback", user: { type: "Bot", login: "github-actions[bot]" }, performed_via_github_app: { id: 15368, slug: "github-actions" }, html_url: "https://github.com/x#66" },
        { id: 67, body: "<!-- driftback:preview -->\nanother app", user: { type: "Bot", login: "other-app[bot]" }, html_url: "https://github.com/x#67" },
      ])
      .checkRuns(OWNER, REPO);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();

    expect(api.sent("PATCH", /issues\/comments\/\d+$/)).toEqual([]);
    expect(api.sent("POST", /issues\/2\/comments$/)).toHaveLength(1);
  });

  it("turns an invalid config into one failing check run that names the field and the fix", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf"], "workspaces:\n  - name: prod\n    dir: /etc/prod\n    tier: production\n");
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();

    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments$/)).toEqual([]);
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: config"]);
    const done = api.sent("PATCH", /check-runs/).at(-1)!.body;
    expect(done).toMatchObject({ conclusion: "failure", output: { title: ".github/driftback.yml is invalid" } });
    expect(done.output.summary).toContain("<code>workspaces[0].dir</code>");
    expect(done.output.summary).toContain("<code>workspaces[0].tier</code>");
    expect(done.output.summary).toMatch(/relative to the repository root/);
  });

  it("reports YAML syntax errors with the line", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf"], "workspaces:\n  - name: prod\n   dir: [unclosed\n");
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    const done = api.sent("PATCH", /check-runs/).at(-1)!.body;
    expect(done.conclusion).toBe("failure");
    expect(done.output.summary).toMatch(/not valid YAML at line \d+, column \d+/);
  });

  it("waits for a draft to be ready for review when drafts are off", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha, { draft: true });
    standardApi(payload, ["infra/prod/main.tf"], `${CONFIG}plan:\n  drafts: false\n`);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(app.fake.calls()).toEqual([]);

    const ready = { ...payload, action: "ready_for_review", pull_request: { ...payload.pull_request, draft: false } };
    await app.receive("pull_request", ready);
    await app.idle();
    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
  });

  it("fails the config check run, rather than going silent, when GitHub cannot serve the config", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    api.installationToken(payload.installation.id).checkRuns(OWNER, REPO);
    api.scope.get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(".github/driftback.yml")}`).query(true).reply(502, { message: "Bad Gateway" }).persist();
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    const done = api.sent("PATCH", /check-runs/).at(-1)!.body;
    expect(done).toMatchObject({ conclusion: "failure", output: { title: "Could not read the configuration" } });
    expect(done.output.summary).toMatch(/reading .github\/driftback.yml failed/);
  });

  it("does nothing when the repository has no config at all", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    api.installationToken(payload.installation.id).config(OWNER, REPO, null).rootFile(OWNER, REPO, "atlantis.yaml", null).rootFile(OWNER, REPO, "atlantis.yml", null);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it("takes workspaces from atlantis.yaml when there is no driftback.yml", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/staging/main.tf"], null);
    api.rootFile(OWNER, REPO, "atlantis.yaml", "version: 3\nprojects:\n  - name: stg\n    dir: infra/staging\n");
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    expect(api.sent("POST", /check-runs$/).map((r) => r.body.name)).toEqual(["driftback: stg"]);
    expect(api.sent("PATCH", /check-runs/).at(-1)!.body).toMatchObject({ conclusion: "success", output: { title: "No changes" } });
  });

  it("shows a failed plan's error in the comment and fails its check run", async () => {
    const sha = repo.commit(baseFiles({ fail: { plan: { code: 1, stderr: "\u001b[31mError:\u001b[0m Error acquiring the state lock\n" } } }));
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf"]);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    const done = api.sent("PATCH", /check-runs/).at(-1)!.body;
    expect(done).toMatchObject({ conclusion: "failure", output: { title: "Plan failed during plan" } });
    const body: string = api.sent("POST", /comments$/)[0]!.body.body;
    expect(body).toContain("Error: Error acquiring the state lock");
    expect(body).not.toContain("\u001b");
  });

  it("fails the check run, never an all-clear, when `show -json` prints a state instead of the plan", async () => {
    const state = readFileSync(new URL("../fixtures/states/show-json-state-tf1.11.json", import.meta.url), "utf8");
    const sha = repo.commit({ ...baseFiles(), "infra/prod/plan.json": state });
    const payload = prPayload("pull_request.opened", sha);
    standardApi(payload, ["infra/prod/main.tf"]);
    const app = await startApp();
    await app.receive("pull_request", payload);
    await app.idle();
    const done = api.sent("PATCH", /check-runs/).at(-1)!.body;
    expect(done).toMatchObject({ conclusion: "failure" });
    const body: string = api.sent("POST", /comments$/)[0]!.body.body;
    expect(body).toContain("this is a state, not a plan");
    expect(body).not.toMatch(/No changes/);
  });

  it("drops the results of a commit that a newer push superseded", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha);
    let head = sha;
    api.installationToken(payload.installation.id).config(OWNER, REPO, CONFIG).changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"]).comments(OWNER, REPO, 2).checkRuns(OWNER, REPO).pullRequest(OWNER, REPO, 2, prApi(payload, () => head));
    const app = await startApp();
    head = "f".repeat(40); // the branch moved on while the plan ran
    await app.receive("pull_request", payload);
    await app.idle();
    expect(api.sent("POST", /comments$/)).toEqual([]);
    expect(api.sent("PATCH", /check-runs/).at(-1)!.body).toMatchObject({ conclusion: "neutral", output: { title: "Superseded" } });
  });

  it("cancels the older run when a newer commit arrives", async () => {
    const first = repo.commit(baseFiles({ hang: ["plan"] }));
    const payload = prPayload("pull_request.opened", first);
    let head = first;
    api.installationToken(payload.installation.id).config(OWNER, REPO, CONFIG).changedFiles(OWNER, REPO, 2, ["infra/prod/main.tf"]).comments(OWNER, REPO, 2).checkRuns(OWNER, REPO).pullRequest(OWNER, REPO, 2, prApi(payload, () => head));
    const app = await startApp();
    await app.receive("pull_request", payload);
    await expect.poll(() => app.fake.calls().some((c) => c.args[0] === "plan"), { timeout: 10_000 }).toBe(true);

    const second = repo.commit(baseFiles());
    head = second;
    await app.receive("pull_request", prPayload("pull_request.synchronize", second));
    await app.idle();

    const comments = api.sent("POST", /comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${second.slice(0, 7)}`);
  });

  it("does not plan a fork's code, says so, and plans once on /driftback plan from a writer", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload("pull_request.opened", sha, { fork: true });
    standardApi(payload, ["infra/prod/main.tf"]);
    api.permission(OWNER, REPO, "octocat", "write").permission(OWNER, REPO, "mallory", "read").reactions(OWNER, REPO);
    const app = await startApp();

    await app.receive("pull_request", payload);
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments$/)[0]!.body.body).toContain("comes from a fork");
    expect(api.sent("PATCH", /check-runs/).at(-1)!.body).toMatchObject({ conclusion: "neutral", output: { title: "Not planned" } });

    // on a fork the command names the reviewed commit (issue 15, 4.1; test/e2e/fork-plan-command.test.ts)
    const comment = (login: string, id: number) => planComment(payload, login, id, `/driftback plan ${sha.slice(0, 7)}`);
    await app.receive("issue_comment", comment("mallory", 11));
    await app.idle();
    expect(app.fake.calls()).toEqual([]);
    expect(api.sent("POST", /comments\/11\/reactions$/)[0]!.body).toEqual({ content: "confused" });

    await app.receive("issue_comment", comment("octocat", 12));
    await app.idle();
    expect(api.sent("POST", /comments\/12\/reactions$/)[0]!.body).toEqual({ content: "eyes" });
    expect(app.fake.calls().map((c) => c.args[0])).toEqual(["init", "plan", "show"]);
  });
});
