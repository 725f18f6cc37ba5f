import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GitCheckout } from "../../src/adapters/git/checkout.js";
import { TestRepo } from "../support/git-repo.js";

describe("GitCheckout.checkoutCommit", () => {
  it("checks out the merge commit itself, though main has moved on since", async () => {
    const repo = new TestRepo();
    const merge = repo.commitTo({ "infra/main.tf": "# merged\n" }, "refs/heads/main");
    repo.commitTo({ "infra/main.tf": "# later\n" }, "refs/heads/main");
    const checkout = await new GitCheckout({ token: async () => undefined }).checkoutCommit(repo.cloneUrl, merge);
    try {
      expect(checkout.sha).toBe(merge);
      expect(readFileSync(path.join(checkout.dir, "infra/main.tf"), "utf8")).toBe("# merged\n");
    } finally {
      await checkout.cleanup();
    }
  });

  it.each(["main", "--upload-pack=touch /tmp/pwned", "abc123", `${"a".repeat(40)}\n`])("refuses %j, which is not a full commit SHA, before running git", async (sha) => {
    await expect(new GitCheckout({ token: async () => undefined }).checkoutCommit("file:///nowhere", sha)).rejects.toThrow(/is not a full commit SHA/);
  });
});
