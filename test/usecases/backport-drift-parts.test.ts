import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeMarker, type BackportMarker } from "../../src/core/backport/index.js";
import type { BackportPullRequest, BranchComparison } from "../../src/ports.js";
import { parseStateKeys, useStateKeys } from "../../src/core/state-seal.js";
import { toExistingPullRequest } from "../../src/usecases/backport-existing.js";
import { blobShaOf, changesAgainst } from "../../src/usecases/backport-write.js";

const BOT = "driftback[bot]";
const marker: BackportMarker = { version: 1, key: "prod/aws_instance.api", workspace: "prod", action: "codify", items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "codify", settled: "codify" }], digest: "abcdefabcdef" };
const pr = (fields: Partial<BackportPullRequest> = {}): BackportPullRequest => ({
  number: 7,
  state: "closed",
  merged: false,
  draft: false,
  branch: "driftback/prod/aws_instance.api",
  headSha: "a".repeat(40),
  baseRef: "main",
  title: "Codify drift",
  body: encodeMarker(marker),
  labels: ["drift", "drift:codify"],
  url: "https://github.test/acme/infra/pull/7",
  ...fields,
});
const compare = (fields: Partial<BranchComparison> = {}): BranchComparison => ({ onlyDriftback: true, aheadBy: 1, behindBy: 0, mergeBaseSha: "b".repeat(40), otherAuthors: [], ...fields });
const options = { baseSha: "b".repeat(40), botLogin: BOT };

/** A marker from before seals: written with no key. */
const UNSIGNED = encodeMarker(marker);

describe("adopting an unsigned marker (issue 15 §2: only from a body driftback alone wrote)", () => {
  afterEach(() => useStateKeys([]));

  it.each([
    ["never edited since driftback opened it", undefined, "adopted"],
    ["last edited by driftback's bot (GraphQL names it without [bot])", "driftback", "adopted"],
    ["last edited by driftback's bot, REST form", BOT, "adopted"],
  ])("adopts it when the body was %s", (_name, editor, seal) => {
    useStateKeys(parseStateKeys("k".repeat(32)));
    const existing = toExistingPullRequest(pr({ state: "open", body: UNSIGNED, ...(editor ? { bodyEditedBy: editor } : {}) }), undefined, options);
    expect(existing.seal).toBe(seal);
    expect(existing.marker?.key).toBe("prod/aws_instance.api");
  });

  it("treats it as forged when a person last edited the body: their edit could have put it there", () => {
    useStateKeys(parseStateKeys("k".repeat(32)));
    const existing = toExistingPullRequest(pr({ state: "open", body: UNSIGNED, bodyEditedBy: "mallory" }), undefined, options);
    expect(existing.seal).toBe("forged");
    expect(existing.marker).toBeUndefined();
  });

  it("reads it without a key (the CLI with a personal token): the last line and the escaping carry the trust", () => {
    expect(toExistingPullRequest(pr({ state: "open", body: UNSIGNED, bodyEditedBy: "mallory" }), undefined, options).marker?.key).toBe("prod/aws_instance.api");
  });
});

describe("reading driftback's pull requests into the core's view", () => {
  it.each([
    ["closed by a person", pr({ closedByLogin: "alice" }), "person"],
    ["closed by the app on its own account", pr({ closedByLogin: BOT }), "driftback"],
    ["closed by the app after /driftback ignore", pr({ closedByLogin: BOT, body: encodeMarker({ ...marker, ignoredBy: "carol" }) }), "person"],
    ["closed by someone GitHub does not name", pr({}), "person"],
    ["merged", pr({ merged: true, closedByLogin: "alice" }), undefined],
    ["open", pr({ state: "open" }), undefined],
  ])("a pull request %s", (_name, input, closedBy) => {
    expect(toExistingPullRequest(input, undefined, options).closedBy).toBe(closedBy);
  });

  it.each([
    ["up to date with the base", compare(), { onlyDriftback: true, baseMoved: false, empty: false }],
    ["behind a base that moved since the branch was made", compare({ behindBy: 2, mergeBaseSha: "c".repeat(40) }), { onlyDriftback: true, baseMoved: true, empty: false }],
    ["behind only because the base moved after this scan's checkout", compare({ behindBy: 1 }), { onlyDriftback: true, baseMoved: false, empty: false }],
    ["without commits of its own", compare({ aheadBy: 0 }), { onlyDriftback: true, baseMoved: false, empty: true }],
    ["with a person's commit", compare({ onlyDriftback: false, otherAuthors: ["alice"] }), { onlyDriftback: false, baseMoved: false, empty: false }],
  ])("an open pull request's branch %s", (_name, comparison, head) => {
    expect(toExistingPullRequest(pr({ state: "open" }), comparison, options).head).toEqual(head);
  });
});

describe("committing only what a branch lacks", () => {
  it("names a file's blob as git does, line endings included", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "blob-"));
    for (const [name, text] of [["lf.tf", "a = 1\n"], ["crlf.tf", "a = 1\r\nb = 2\r\n"], ["utf8.md", "Grüße ✓\n"], ["empty", ""]] as const) {
      writeFileSync(path.join(dir, name), text);
      expect(blobShaOf(text), name).toBe(execFileSync("git", ["hash-object", path.join(dir, name)], { encoding: "utf8" }).trim());
    }
  });

  it("writes the files that differ, puts back what the branch should no longer change, and nothing when it already matches", async () => {
    const checkout = mkdtempSync(path.join(os.tmpdir(), "checkout-"));
    writeFileSync(path.join(checkout, "main.tf"), "base\n");
    writeFileSync(path.join(checkout, "vars.tf"), "vars\n");
    const desired = [{ path: "main.tf", contents: "edited\n" }, { path: ".driftback/r.md", contents: "record\n" }];

    expect((await changesAgainst(checkout, desired, [])).additions.map((f) => f.path)).toEqual(["main.tf", ".driftback/r.md"]);
    const already = [{ path: "main.tf", status: "modified" as const, sha: blobShaOf("edited\n")! }, { path: ".driftback/r.md", status: "added" as const, sha: blobShaOf("record\n")! }];
    expect(await changesAgainst(checkout, desired, already)).toEqual({ additions: [], deletions: [] });

    const stale = [
      { path: "main.tf", status: "modified" as const, sha: blobShaOf("older edit\n")! },
      { path: "vars.tf", status: "modified" as const, sha: blobShaOf("vars edited\n")! },
      { path: "old-record.md", status: "added" as const, sha: blobShaOf("x")! },
      { path: ".driftback/r.md", status: "added" as const, sha: blobShaOf("record\n")! },
    ];
    const changes = await changesAgainst(checkout, desired, stale);
    expect(changes.additions.map((f) => [f.path, Buffer.from(f.contents).toString()])).toEqual([["main.tf", "edited\n"], ["vars.tf", "vars\n"]]);
    expect(changes.deletions).toEqual([{ path: "old-record.md" }]);
  });
});
