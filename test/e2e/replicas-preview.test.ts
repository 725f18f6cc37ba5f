import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPLY_MARKER } from "../../src/core/backport/apply-view.js";
import { encodeMarker } from "../../src/core/backport/marker.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { redisMissing, redisUrl } from "../support/redis.js";
import { fakeTerraformEnv } from "../support/fake-terraform.js";
import { allCalls, closeAll, idleAll, startReplicas, type Replica } from "../support/replicas.js";
import { sharedAvailable } from "../support/shared.js";
import * as merged from "./apply-fixtures.js";
import { baseFiles, planComment, prPayload, standardApi } from "./preview-fixtures.js";

/**
 * Two driftback replicas on one real Redis, GitHub mocked with nock (it intercepts both): duplicate deliveries reaching
 * both are one preview, a newer head supersedes an older one whichever replica got it, an apply on merge runs once
 * (also when the replica applying dies), and a slash command is acted on once.
 */
let api: GitHubApiMock;
let repo: TestRepo;
let replicas: Replica[] = [];

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith("127.0.0.1") || host.startsWith("localhost")); // Redis
  api = new GitHubApiMock();
  repo = new TestRepo();
});
afterEach(async () => {
  await closeAll(replicas);
  replicas = [];
  nock.cleanAll();
  nock.enableNetConnect();
});

const plans = () => allCalls(replicas).filter((c) => c.args[0] === "plan");
const applies = () => allCalls(replicas).filter((c) => c.args[0] === "apply");

/** A fake terraform both replicas share, for tests that wrap the runner itself. */
function sharedFakeTerraform() {
  const fake = fakeTerraformEnv();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-replicas-"));
  return { terraform: new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 }), calls: fake.calls };
}

const suite = redisUrl && sharedAvailable ? describe : describe.skip;
suite(`previews and apply-on-merge across two replicas (real Redis, nock) ${redisUrl ? "" : `(SKIPPED: ${redisMissing})`}`, () => {
  it("plans a head once and comments once when the same delivery, and a redelivery under a new id, reach both replicas", async () => {
    const sha = repo.commit(baseFiles({ sleepMs: { plan: 1_000 } }));
    const payload = prPayload(repo, "pull_request.opened", sha);
    standardApi(api, payload, ["infra/prod/main.tf"]);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];

    await Promise.all([a.receive("pull_request", payload, "delivery-1"), b.receive("pull_request", payload, "delivery-1")]);
    const again = prPayload(repo, "pull_request.synchronize", sha);
    await Promise.all([a.receive("pull_request", again, "delivery-2"), b.receive("pull_request", again, "delivery-2")]);
    await idleAll(replicas);

    expect(plans()).toHaveLength(1);
    expect(api.sent("POST", /check-runs$/)).toHaveLength(1);
    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${sha.slice(0, 7)}`);
  });

  it("aborts head A's running plan when head B reaches the other replica: the only comment is B's", async () => {
    const first = repo.commit(baseFiles({ hang: ["plan"] }));
    const payload = prPayload(repo, "pull_request.opened", first);
    let head = first;
    standardApi(api, payload, ["infra/prod/main.tf"], undefined, () => head);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];

    await a.receive("pull_request", payload);
    await expect.poll(() => plans().length, { timeout: 10_000 }).toBe(1);
    const second = repo.commit(baseFiles());
    head = second;
    await b.receive("pull_request", prPayload(repo, "pull_request.synchronize", second));
    await idleAll(replicas);

    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${second.slice(0, 7)}`);
    expect(plans()).toHaveLength(2);
    // A's check run says it was superseded; B's finished with its plan
    const finished = api.sent("PATCH", /check-runs\/\d+$/).filter((r) => r.body.status === "completed" || r.body.conclusion);
    expect(finished.map((r) => r.body.output?.title)).toEqual(expect.arrayContaining(["Superseded", "1 to change, 1 to destroy"]));
  });

  it("skips a queued head once a newer one was queued on another replica: it never plans", async () => {
    const first = repo.commit(baseFiles());
    const second = repo.commit(baseFiles());
    const payloadA = prPayload(repo, "pull_request.opened", first);
    let head = first;
    standardApi(api, payloadA, ["infra/prod/main.tf"], undefined, () => head);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];
    const queue = a.driftback.runtime()!.queue("preview");
    const outcomes = new Map<string, unknown>();
    (await a.driftback.runtime()!.queueEvents("preview")).on("completed", ({ jobId, returnvalue }) => outcomes.set(jobId, returnvalue));

    await queue.pause(); // both jobs wait, as behind a busy worker
    await a.receive("pull_request", payloadA);
    head = second;
    await b.receive("pull_request", prPayload(repo, "pull_request.synchronize", second));
    await queue.resume();
    await idleAll(replicas);

    await expect.poll(() => outcomes.size).toBe(2);
    expect(outcomes.get(`preview/codertocat/hello-world/2/${first}`)).toBe("superseded-before-start"); // not even checked out
    expect(outcomes.get(`preview/codertocat/hello-world/2/${second}`)).toBe("planned");
    expect(plans()).toHaveLength(1);
    expect(api.sent("POST", /check-runs$/)).toHaveLength(1);
    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${second.slice(0, 7)}`);
  });

  it("still plans the real head when a late delivery of an older head reaches a replica after it (GitHub decides)", async () => {
    const first = repo.commit(baseFiles());
    const second = repo.commit(baseFiles());
    const head = second;
    const payloadA = prPayload(repo, "pull_request.opened", first);
    standardApi(api, payloadA, ["infra/prod/main.tf"], undefined, () => head);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];
    const queue = a.driftback.runtime()!.queue("preview");

    await queue.pause();
    await b.receive("pull_request", prPayload(repo, "pull_request.synchronize", second));
    await a.receive("pull_request", payloadA); // late: Redis now names A as the newest head, GitHub still says B
    await queue.resume();
    await idleAll(replicas);

    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${second.slice(0, 7)}`);
  });

  it("gives a preview cut short by a replica's shutdown back to the queue: the other replica plans it and comments", async () => {
    const sha = repo.commit(baseFiles({ sleepMs: { plan: 2_000 } }));
    const payload = prPayload(repo, "pull_request.opened", sha);
    standardApi(api, payload, ["infra/prod/main.tf"]);
    replicas = await startReplicas(2);

    await replicas[0]!.receive("pull_request", payload);
    await expect.poll(() => plans().length, { timeout: 10_000 }).toBe(1);
    const stopping = replicas.find((r) => r.fake.calls().some((c) => c.args[0] === "plan"))!;
    const staying = replicas.find((r) => r !== stopping)!;
    await stopping.driftback.close(100); // the grace period ends mid-plan
    replicas = [staying];
    await expect.poll(() => staying.fake.calls().filter((c) => c.args[0] === "plan").length, { timeout: 15_000 }).toBe(1);
    await staying.idle();

    const comments = api.sent("POST", /issues\/2\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.body).toContain(`for ${sha.slice(0, 7)}`);
  });

  it("applies a merged revert pull request once when its closed event, and a redelivery, reach both replicas", async () => {
    const sha = merged.mergeCommit(repo, merged.planJson(merged.sgRevert, merged.dbRevert));
    merged.standardApi(api);
    replicas = await startReplicas(2, { botLogin: async () => merged.BOT });
    const [a, b] = replicas as [Replica, Replica];

    const event = merged.mergedEvent(repo, sha);
    await Promise.all([a.receive("pull_request", event, "closed-1"), b.receive("pull_request", event, "closed-1")]);
    await Promise.all([a.receive("pull_request", event, "closed-2"), b.receive("pull_request", event, "closed-2")]);
    await idleAll(replicas);

    expect(applies()).toHaveLength(1);
    const results = api.sent("POST", new RegExp(`/issues/${merged.PR}/comments$`)).map((r) => r.body.body as string);
    expect(results).toHaveLength(1);
    expect(results[0]!.startsWith(APPLY_MARKER)).toBe(true);
    expect(results[0]).toContain("✅ **Applied.**");
  });

  it("never applies twice when the replica applying dies: the one taking the job over refuses and says so", async () => {
    const sha = merged.mergeCommit(repo, merged.planJson(merged.sgRevert, merged.dbRevert), { hang: ["apply"] });
    merged.standardApi(api);
    replicas = await startReplicas(2, { botLogin: async () => merged.BOT });

    await replicas[0]!.receive("pull_request", merged.mergedEvent(repo, sha));
    await expect.poll(() => applies().length, { timeout: 10_000 }).toBe(1);
    const dying = replicas.find((r) => r.fake.calls().some((c) => c.args[0] === "apply"))!;
    const survivor = replicas.find((r) => r !== dying)!;
    await dying.driftback.runtime()!.kill();
    replicas = [survivor]; // a dead replica is not closed again

    await expect.poll(() => survivor.fake.calls().filter((c) => c.args[0] === "plan").length, { timeout: 15_000 }).toBe(1);
    await survivor.idle();

    expect(applies()).toHaveLength(0); // the survivor planned again but did not apply
    expect(dying.fake.calls().filter((c) => c.args[0] === "apply")).toHaveLength(1);
    const results = api.sent("POST", new RegExp(`/issues/${merged.PR}/comments$`)).map((r) => r.body.body as string);
    expect(results.some((body) => body.includes("never applies twice"))).toBe(true);
  });

  it("retries an apply job that failed before the apply (GitHub 502 on the config), and never one whose apply began", async () => {
    const sha = merged.mergeCommit(repo, merged.planJson(merged.sgRevert, merged.dbRevert));
    const configPath = `/repos/${merged.OWNER}/${merged.REPO}/contents/${encodeURIComponent(".github/driftback.yml")}`;
    // the webhook handler reads the config fine; the job's first read meets a 502, its retry the file again
    let configReads = 0;
    api.scope
      .get(configPath)
      .query(true)
      .reply(() => (++configReads === 2 ? [502, { message: "Bad Gateway" }] : [200, merged.CONFIG(true), { "content-type": "application/vnd.github.raw; charset=utf-8" }]))
      .persist();
    api.installationToken(42).comments(merged.OWNER, merged.REPO, merged.PR);
    const { terraform, calls } = sharedFakeTerraform();
    let applyThrows = 0;
    const throwingApply = { plan: terraform.plan.bind(terraform), apply: async () => (applyThrows++, Promise.reject(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))) };
    replicas = await startReplicas(2, { botLogin: async () => merged.BOT, terraform: throwingApply });
    const queue = replicas[0]!.driftback.runtime()!.queue("backport");

    await replicas[0]!.receive("pull_request", merged.mergedEvent(repo, sha));
    await idleAll(replicas);

    const job = (await queue.getJobs(["failed", "completed"]))[0]!;
    expect(configReads).toBe(3);
    expect(job.attemptsMade).toBe(2); // the 502 was retried (transient, before the apply) ...
    expect(await job.getState()).toBe("failed"); // ... the transient error thrown by the apply was not
    expect(applyThrows).toBe(1);
    expect(calls().filter((c) => c.args[0] === "plan")).toHaveLength(1);
  }, 30_000);

  it("acts once on a /driftback plan delivered to both replicas", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    standardApi(api, payload, ["infra/prod/main.tf"]);
    api.permission(payload.repository.owner.login, payload.repository.name, "octocat", "write").reactions(payload.repository.owner.login, payload.repository.name);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];

    const command = planComment(payload, "octocat", 12);
    await Promise.all([a.receive("issue_comment", command, "comment-1"), b.receive("issue_comment", command, "comment-1")]);
    await idleAll(replicas);

    expect(api.sent("POST", /comments\/12\/reactions$/).map((r) => r.body)).toEqual([{ content: "eyes" }]);
    expect(plans()).toHaveLength(1);
    expect(api.sent("POST", /issues\/2\/comments$/)).toHaveLength(1);
  });

  it("acts once on /driftback codify and /driftback break-glass delivered to both replicas (a reader: one confused reaction each)", async () => {
    const sha = repo.commit(baseFiles());
    const payload = prPayload(repo, "pull_request.opened", sha);
    const owner = payload.repository.owner.login;
    const name = payload.repository.name;
    api.installationToken(payload.installation.id).permission(owner, name, "mallory", "read").reactions(owner, name);
    replicas = await startReplicas(2);
    const [a, b] = replicas as [Replica, Replica];

    const codify = planComment(payload, "mallory", 21, "/driftback codify");
    codify.issue.body = `Revert drift\n\n${encodeMarker(merged.revertMarker)}`;
    const breakGlass = planComment(payload, "mallory", 22, "/driftback break-glass prod 2h database failover");
    delete breakGlass.issue.pull_request; // an incident issue, not a pull request
    for (const [event, id] of [[codify, "codify-1"], [breakGlass, "break-glass-1"]] as const) {
      await Promise.all([a.receive("issue_comment", event, id), b.receive("issue_comment", event, id)]);
    }
    await idleAll(replicas);

    expect(api.sent("POST", /comments\/21\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
    expect(api.sent("POST", /comments\/22\/reactions$/).map((r) => r.body)).toEqual([{ content: "confused" }]);
  });
});
