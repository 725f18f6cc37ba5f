import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GitCheckout, gitEnv } from "../../src/adapters/git/checkout.js";
import type { PullRequestInfo } from "../../src/ports.js";
import { TestRepo } from "../support/git-repo.js";

const TOKEN = "ghs_supersecretinstallationtoken000000";

const prFor = (repo: TestRepo, headSha: string): PullRequestInfo => ({ owner: "o", repo: "r", number: 2, headSha, isFork: false, draft: false, state: "open", cloneUrl: repo.cloneUrl });

describe("GitCheckout", () => {
  it("checks out the pull request head and leaves no token on disk", async () => {
    const repo = new TestRepo();
    const sha = repo.commit({ "infra/main.tf": 'resource "null_resource" "a" {}\n' });
    const checkout = await new GitCheckout({ token: async () => TOKEN }).checkoutPullRequest(prFor(repo, sha));
    try {
      expect(checkout.sha).toBe(sha);
      expect(readFileSync(path.join(checkout.dir, "infra/main.tf"), "utf8")).toContain("null_resource");
      const gitConfig = readFileSync(path.join(checkout.dir, ".git/config"), "utf8");
      expect(gitConfig).not.toContain(TOKEN);
      expect(gitConfig).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
      expect(gitConfig).not.toContain("extraheader");
    } finally {
      await checkout.cleanup();
    }
  });

  it("reports the commit it really got, so a moved branch is noticed", async () => {
    const repo = new TestRepo();
    const old = repo.commit({ "a.tf": "1" });
    const newer = repo.commit({ "a.tf": "2" });
    const checkout = await new GitCheckout({ token: async () => undefined }).checkoutPullRequest(prFor(repo, old));
    expect(checkout.sha).toBe(newer);
    await checkout.cleanup();
  });

  it("fails with git's reason when the ref does not exist", async () => {
    const repo = new TestRepo();
    repo.commit({ "a.tf": "1" });
    await expect(new GitCheckout({ token: async () => undefined }).checkoutPullRequest({ ...prFor(repo, "x"), number: 99 })).rejects.toThrow(/git fetch failed .*refs\/pull\/99\/head/);
  });
});

describe("gitEnv", () => {
  it("carries the token only as an environment-scoped auth header", () => {
    const env = gitEnv(TOKEN);
    expect(env.GIT_CONFIG_COUNT).toBe("1");
    expect(env.GIT_CONFIG_KEY_0).toBe("http.extraheader");
    expect(env.GIT_CONFIG_VALUE_0).toBe(`AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`);
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
    expect(gitEnv(undefined)).not.toHaveProperty("GIT_CONFIG_VALUE_0");
  });
});
