import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ACTION_LABELS, BRANCH_PREFIX } from "../core/backport/index.js";
import { BackportHostError, type BackportFile, type BackportHost, type BackportPullRequest, type BranchComparison, type Logger, type RepoRef } from "../ports.js";
import type { BuiltBackport as FullBackport } from "./backport-files.js";

/** What the write steps use of a built pull request (alignment pull requests build the same without drift). */
type BuiltBackport = Pick<FullBackport, "title" | "body" | "labels" | "files">;

/** Where the write steps of one scan happen. */
export interface WriteContext {
  host: BackportHost;
  repo: RepoRef;
  baseBranch: string;
  baseSha: string;
  /** The scan's checkout: the base's files, to know what a commit really changes. */
  checkoutDir: string;
  draft: boolean;
  reviewers: readonly string[];
  teamReviewers: readonly string[];
  logger: Logger;
}

/** Branch names never start with this: a rebuilt branch's new commit is made here first (see rebuildBranch). */
const WORK_PREFIX = "driftback-work/";

/** Refused before any write: the pull request would change nothing, or its branch is someone else's. */
export class WriteRefused extends Error {}

/**
 * Opens a pull request for a plan, each step safe to repeat after a crash: the branch is created
 * (or, when it is there already and holds only driftback's commits, reused), the files committed
 * unless the branch has them already, the pull request opened (GitHub's "already exists" gives
 * back the open one), labelled, and reviewers asked for.
 */
export async function openBackport(ctx: WriteContext, branch: string, built: BuiltBackport): Promise<{ number: number; url: string }> {
  const { host, repo } = ctx;
  const fromBase = await changesAgainst(ctx.checkoutDir, built.files, []);
  if (fromBase.additions.length + fromBase.deletions.length === 0) throw new WriteRefused(`nothing to change: ${ctx.baseBranch} already has every file of this pull request`);
  let head = ctx.baseSha;
  let onBranch: BranchComparison["files"] | null = [];
  try {
    await host.createBranch(repo, branch, ctx.baseSha);
  } catch (error) {
    if (!(error instanceof BackportHostError) || error.kind !== "branch-exists") throw error;
    const tip = await host.getBranch(repo, branch);
    const comparison = tip ? await host.compareBranch(repo, ctx.baseBranch, branch) : undefined;
    if (!tip) await host.createBranch(repo, branch, ctx.baseSha); // deleted in between
    else if (!comparison!.onlyDriftback) {
      throw new WriteRefused(`the branch ${branch} exists with commits by ${comparison!.otherAuthors.join(", ") || "someone else"}; delete or merge it so driftback can use it`);
    } else if (comparison!.mergeBaseSha === ctx.baseSha && comparison!.files) {
      head = tip.sha;
      onBranch = comparison!.files;
    } else {
      await rebuildBranch(ctx, branch, built);
      onBranch = null;
    }
  }
  if (onBranch) {
    const changes = await changesAgainst(ctx.checkoutDir, built.files, onBranch);
    if (changes.additions.length + changes.deletions.length > 0) await commit(ctx, branch, head, built, changes);
  }
  const opened = await host.openPullRequest(repo, { head: branch, base: ctx.baseBranch, title: built.title, body: built.body, draft: ctx.draft });
  // an open pull request GitHub gave back was not listed (it lost its label): its words may be stale
  if (!opened.created) await host.updatePullRequest(repo, opened.number, { title: built.title, body: built.body });
  await host.addLabels(repo, opened.number, built.labels);
  if (opened.created && ctx.reviewers.length + ctx.teamReviewers.length > 0) {
    const warnings = await host.requestReviewers(repo, opened.number, { reviewers: ctx.reviewers, teamReviewers: ctx.teamReviewers });
    for (const warning of warnings) ctx.logger.warn({ repo: `${repo.owner}/${repo.repo}`, pr: opened.number }, warning);
  }
  return { number: opened.number, url: opened.url };
}

/**
 * A new commit on an open pull request's branch with what changed (files restored to the base
 * when the pull request no longer changes them), skipped when the branch has it all already;
 * then the title, body and labels.
 */
export async function updateBackport(ctx: WriteContext, pr: BackportPullRequest, comparison: BranchComparison | undefined, built: BuiltBackport): Promise<void> {
  if (comparison?.files && comparison.mergeBaseSha === ctx.baseSha) {
    const changes = await changesAgainst(ctx.checkoutDir, built.files, comparison.files);
    if (changes.additions.length + changes.deletions.length > 0) await commit(ctx, pr.branch, pr.headSha, built, changes);
  } else {
    await rebuildBranch(ctx, pr.branch, built); // what the branch holds is unknown: build it again from the base
  }
  await refreshBackport(ctx, pr, built);
}

/** The branch built again on the current base (only driftback's commits on it), then title, body and labels. */
export async function regenerateBackport(ctx: WriteContext, pr: BackportPullRequest, built: BuiltBackport): Promise<void> {
  await rebuildBranch(ctx, pr.branch, built);
  await refreshBackport(ctx, pr, built);
}

/** Title and body when they differ from what GitHub shows, and labels. */
export async function refreshBackport(ctx: WriteContext, pr: BackportPullRequest, built: BuiltBackport): Promise<void> {
  const update = { ...(pr.title !== built.title ? { title: built.title } : {}), ...(pr.body !== built.body ? { body: built.body } : {}) };
  if (Object.keys(update).length > 0) await ctx.host.updatePullRequest(ctx.repo, pr.number, update);
  const add = built.labels.filter((l) => !pr.labels.includes(l));
  const remove = pr.labels.filter((l) => ACTION_LABELS.includes(l) && !built.labels.includes(l));
  await fixLabels(ctx, pr.number, add, remove);
}

export async function fixLabels(ctx: WriteContext, number: number, add: readonly string[], remove: readonly string[]): Promise<void> {
  if (add.length > 0) await ctx.host.addLabels(ctx.repo, number, add);
  for (const label of remove) {
    if (ctx.host.removeLabel) await ctx.host.removeLabel(ctx.repo, number, label);
    else ctx.logger.warn({ repo: `${ctx.repo.owner}/${ctx.repo.repo}`, pr: number, label }, "this GitHub host cannot remove a stale label");
  }
}

/** Close first, then comment, then delete the branch: a run that stops after the close never comments twice. */
export async function closeBackport(ctx: WriteContext, number: number, comment: string, branch: string | undefined): Promise<void> {
  await ctx.host.closePullRequest(ctx.repo, number);
  await ctx.host.comment(ctx.repo, number, comment);
  if (branch) await ctx.host.deleteBranch(ctx.repo, branch);
}

/**
 * Rebuilds a branch on the base without ever pointing it at the base itself (GitHub marks an
 * open pull request whose head is already in its base as merged): the commit is made on a work
 * branch started at the base, the branch is moved to it, and the work branch deleted.
 */
async function rebuildBranch(ctx: WriteContext, branch: string, built: BuiltBackport): Promise<void> {
  const { host, repo } = ctx;
  const work = `${WORK_PREFIX}${branch.startsWith(BRANCH_PREFIX) ? branch.slice(BRANCH_PREFIX.length) : branch}`;
  const changes = await changesAgainst(ctx.checkoutDir, built.files, []);
  if (changes.additions.length + changes.deletions.length === 0) throw new WriteRefused(`nothing to change: ${ctx.baseBranch} already has every file of this pull request`);
  try {
    await host.createBranch(repo, work, ctx.baseSha);
  } catch (error) {
    if (!(error instanceof BackportHostError) || error.kind !== "branch-exists") throw error;
    await host.resetBranch(repo, work, ctx.baseSha); // left by a run that stopped half-way; no pull request uses it
  }
  const made = await commit(ctx, work, ctx.baseSha, built, changes);
  await host.resetBranch(repo, branch, made.oid);
  await host.deleteBranch(repo, work);
}

async function commit(ctx: WriteContext, branch: string, head: string, built: BuiltBackport, changes: Changes): Promise<{ oid: string }> {
  return ctx.host.commitFiles(ctx.repo, { branch, expectedHeadOid: head, message: { headline: built.title }, additions: changes.additions, deletions: changes.deletions });
}

interface Changes {
  additions: BackportFile[];
  deletions: { path: string }[];
}

/**
 * What a commit must write so the branch holds exactly the base plus `desired`: files whose blob
 * differs from what the branch has, and files the branch changed earlier that it should no
 * longer change, put back as the base has them. `onBranch` is the compare's file list against
 * the base (empty for a branch at the base).
 */
export async function changesAgainst(checkoutDir: string, desired: readonly BackportFile[], onBranch: NonNullable<BranchComparison["files"]>): Promise<Changes> {
  const branchFiles = new Map(onBranch.map((f) => [f.path, f]));
  const additions: BackportFile[] = [];
  const deletions: { path: string }[] = [];
  const wanted = new Set(desired.map((f) => f.path));
  for (const file of desired) {
    const changed = branchFiles.get(file.path);
    const current = changed ? changed.sha : blobShaOf(await baseFile(checkoutDir, file.path));
    if (changed?.status === "removed" || current !== blobShaOf(file.contents)) additions.push(file);
  }
  for (const changed of onBranch) {
    if (wanted.has(changed.path)) continue;
    const base = await baseFile(checkoutDir, changed.path);
    if (base === undefined) {
      if (changed.status !== "removed") deletions.push({ path: changed.path });
    } else if (changed.status === "removed" || changed.sha !== blobShaOf(base)) additions.push({ path: changed.path, contents: base });
  }
  return { additions, deletions };
}

/** Git's blob id of some contents: what GitHub's compare reports per file. */
export function blobShaOf(contents: string | Uint8Array | undefined): string | undefined {
  if (contents === undefined) return undefined;
  const bytes = typeof contents === "string" ? Buffer.from(contents, "utf8") : Buffer.from(contents);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** A file of the base as the checkout has it; undefined when absent (or a path that leaves the tree). */
async function baseFile(checkoutDir: string, file: string): Promise<Uint8Array | undefined> {
  const parts = file.split("/");
  if (file.startsWith("/") || parts.some((p) => p === "" || p === "." || p === ".." || p === ".git")) return undefined;
  try {
    return await readFile(path.join(checkoutDir, ...parts));
  } catch {
    return undefined;
  }
}
