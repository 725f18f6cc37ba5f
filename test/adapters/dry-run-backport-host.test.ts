import { describe, expect, it } from "vitest";
import { DryRunBackportHost } from "../../src/adapters/local/dry-run-backport-host.js";
import { BackportHostError } from "../../src/ports.js";

const repo = { owner: "acme", repo: "infra" };
const base = "a".repeat(40);

async function openOne(host: DryRunBackportHost, branch = "driftback/prod/aws-instance-web") {
  await host.createBranch(repo, branch, base);
  const commit = await host.commitFiles(repo, { branch, expectedHeadOid: base, message: { headline: "Codify drift" }, additions: [{ path: "infra/main.tf", contents: 'x = "1"\n' }], deletions: [] });
  const pr = await host.openPullRequest(repo, { head: branch, base: "main", title: "Codify drift: x", body: "body", draft: false });
  return { commit, pr };
}

describe("the dry-run BackportHost records what a real run would send", () => {
  it("starts with no driftback pull requests and no branches", async () => {
    const host = new DryRunBackportHost();
    expect(await host.findBackportPullRequests(repo)).toEqual([]);
    expect(await host.getBranch(repo, "driftback/prod/x")).toBeUndefined();
  });

  it("records branch, commit and pull request in order, and answers with made-up numbers", async () => {
    const host = new DryRunBackportHost();
    const { commit, pr } = await openOne(host);
    await host.addLabels(repo, pr.number, ["drift", "drift:codify"]);
    await host.requestReviewers(repo, pr.number, { reviewers: ["octocat"], teamReviewers: ["platform"] });
    expect(pr).toEqual({ number: 1, url: "dry-run://acme/infra/pull/1", created: true });
    expect(commit.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(commit.oid).not.toBe(base);
    expect(host.writes.map((w) => w.kind)).toEqual(["create-branch", "commit", "open-pull-request", "add-labels", "request-reviewers"]);
    expect(host.pullRequests()).toEqual([
      expect.objectContaining({ number: 1, branch: "driftback/prod/aws-instance-web", base: "main", title: "Codify drift: x", body: "body", labels: ["drift", "drift:codify"], reviewers: ["octocat"], teamReviewers: ["platform"], state: "open" }),
    ]);
    expect([...host.branchFiles("driftback/prod/aws-instance-web")]).toEqual([["infra/main.tf", 'x = "1"\n']]);
  });

  it("keeps the last body and title an update sent, and the branch's files across commits (deletions as null)", async () => {
    const host = new DryRunBackportHost();
    const branch = "driftback/prod/x";
    const { commit, pr } = await openOne(host, branch);
    await host.commitFiles(repo, { branch, expectedHeadOid: commit.oid, message: { headline: "again" }, additions: [{ path: "b.md", contents: new TextEncoder().encode("record\n") }], deletions: [{ path: "infra/main.tf" }] });
    await host.updatePullRequest(repo, pr.number, { body: "new body" });
    expect(host.pullRequests()[0]).toMatchObject({ title: "Codify drift: x", body: "new body" });
    const files = host.branchFiles(branch);
    expect(files.get("infra/main.tf")).toBeNull();
    expect(Buffer.from(files.get("b.md") as Uint8Array).toString()).toBe("record\n");
    expect(await host.compareBranch(repo, "main", branch)).toMatchObject({ onlyDriftback: true, aheadBy: 2, behindBy: 0 });
  });

  it.each([
    { name: "a second createBranch of the same branch", kind: "branch-exists", act: (h: DryRunBackportHost) => h.createBranch(repo, "driftback/prod/aws-instance-web", base) },
    {
      name: "a commit whose expected head is stale",
      kind: "head-moved",
      act: (h: DryRunBackportHost) => h.commitFiles(repo, { branch: "driftback/prod/aws-instance-web", expectedHeadOid: base, message: { headline: "x" }, additions: [], deletions: [] }),
    },
    { name: "a commit to a branch never created", kind: "not-found", act: (h: DryRunBackportHost) => h.commitFiles(repo, { branch: "driftback/none", expectedHeadOid: base, message: { headline: "x" }, additions: [], deletions: [] }) },
    { name: "a label on a pull request never opened", kind: "not-found", act: (h: DryRunBackportHost) => h.addLabels(repo, 99, ["drift"]) },
  ])("answers $name with a $kind BackportHostError, as GitHub would", async ({ act, kind }) => {
    const host = new DryRunBackportHost();
    await openOne(host);
    const error = await act(host).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackportHostError);
    expect((error as BackportHostError).kind).toBe(kind);
  });

  it("moves a branch reset to a rebuilt work branch's tip together with that branch's files", async () => {
    const host = new DryRunBackportHost();
    const { pr } = await openOne(host, "driftback/prod/x");
    await host.createBranch(repo, "driftback/prod/x.work", base);
    const rebuilt = await host.commitFiles(repo, { branch: "driftback/prod/x.work", expectedHeadOid: base, message: { headline: "rebuilt" }, additions: [{ path: "infra/main.tf", contents: 'x = "2"\n' }], deletions: [] });
    await host.resetBranch(repo, "driftback/prod/x", rebuilt.oid);
    await host.deleteBranch(repo, "driftback/prod/x.work");
    expect(await host.getBranch(repo, "driftback/prod/x")).toEqual({ sha: rebuilt.oid });
    expect([...host.branchFiles("driftback/prod/x")]).toEqual([["infra/main.tf", 'x = "2"\n']]);
    expect(host.pullRequests()[0]!.number).toBe(pr.number);
    await host.resetBranch(repo, "driftback/prod/x", base);
    expect([...host.branchFiles("driftback/prod/x")]).toEqual([]);
  });

  it("returns the open pull request of a branch instead of opening a second one", async () => {
    const host = new DryRunBackportHost();
    await openOne(host);
    expect(await host.openPullRequest(repo, { head: "driftback/prod/aws-instance-web", base: "main", title: "t", body: "b", draft: false })).toEqual({ number: 1, url: "dry-run://acme/infra/pull/1", created: false });
    expect(host.pullRequests()).toHaveLength(1);
  });

  it("records a closing with its comment, and forgets a deleted branch", async () => {
    const host = new DryRunBackportHost();
    const { pr } = await openOne(host);
    await host.closePullRequest(repo, pr.number, "resolved outside");
    await host.deleteBranch(repo, "driftback/prod/aws-instance-web");
    await host.deleteBranch(repo, "driftback/prod/aws-instance-web"); // gone already: not an error, not a write
    expect(host.pullRequests()[0]).toMatchObject({ state: "closed", comments: ["resolved outside"] });
    expect(await host.getBranch(repo, "driftback/prod/aws-instance-web")).toBeUndefined();
    expect(host.writes.slice(-3).map((w) => w.kind)).toEqual(["comment", "close-pull-request", "delete-branch"]);
  });
});

describe("the dry-run BackportHost reading GitHub through (the Action's dry run)", () => {
  const existing = { number: 41, state: "open" as const, merged: false, draft: false, branch: "driftback/prod/x", headSha: "c".repeat(40), baseRef: "main", title: "Codify drift: x", body: "marker", labels: ["drift"], url: "https://github.com/acme/infra/pull/41" };
  const reads = {
    findBackportPullRequests: async () => [existing],
    getBranch: async (_repo: unknown, branch: string) => (branch === existing.branch ? { sha: existing.headSha } : undefined),
    compareBranch: async () => ({ onlyDriftback: true, aheadBy: 2, behindBy: 1, mergeBaseSha: "d".repeat(40), otherAuthors: [] }),
  };

  it("sees GitHub's pull requests and branches, and edits of them are recorded writes against their real numbers", async () => {
    const host = new DryRunBackportHost(reads);
    expect(await host.findBackportPullRequests(repo)).toEqual([existing]);
    expect(await host.getBranch(repo, existing.branch)).toEqual({ sha: existing.headSha });
    expect(await host.compareBranch(repo, "main", existing.branch)).toMatchObject({ aheadBy: 2, behindBy: 1 });
    // a pull request GitHub has on the branch is kept, never opened again
    expect(await host.openPullRequest(repo, { head: existing.branch, base: "main", title: "t", body: "b", draft: false })).toEqual({ number: 41, url: existing.url, created: false });
    await host.updatePullRequest(repo, 41, { body: "new body" });
    expect(host.writes).toEqual([{ kind: "update-pull-request", number: 41, fields: ["body"] }]);
    expect(host.pullRequests()).toEqual([expect.objectContaining({ number: 41, body: "new body", existing: true })]);
  });

  it("refuses to create a branch GitHub has, and numbers a new pull request above every real one", async () => {
    const host = new DryRunBackportHost(reads);
    await host.findBackportPullRequests(repo);
    await expect(host.createBranch(repo, existing.branch, "a".repeat(40))).rejects.toMatchObject({ kind: "branch-exists" });
    await host.createBranch(repo, "driftback/prod/y", "a".repeat(40));
    const opened = await host.openPullRequest(repo, { head: "driftback/prod/y", base: "main", title: "t", body: "b", draft: false });
    expect(opened).toMatchObject({ number: 42, created: true });
    expect(host.pullRequests().find((pr) => pr.number === 42)?.existing).toBeUndefined();
  });
});
