import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LimitFunction } from "p-limit";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { Config } from "../config/schema.js";
import { CONFIG_PATH } from "../config/validate.js";
import { markExpected } from "../core/parity/expect-config.js";
import { alignRequestKey, type AlignAsk, type AlignRequest } from "../core/parity/align-command.js";
import { encodeAlignMarker, parseAlignMarker } from "../core/parity/align-marker.js";
import { differenceKey } from "../core/parity/first-seen.js";
import type { PublicGroup } from "../core/parity/public.js";
import type { Masker } from "../core/render/mask.js";
import { cellText } from "../core/render/cell.js";
import type { Templates } from "../core/templates.js";
import { BackportHostError, type BackportFile, type BackportHost, type BackportPullRequest, type Logger, type RepoRef, type TerraformRunner } from "../ports.js";
import { AlignInputError, alignDifference, type Alignment } from "./align.js";
import { verifyAlignment } from "./align-verify.js";
import { changesAgainst, openBackport, refreshBackport, regenerateBackport, updateBackport, WriteRefused, type WriteContext } from "./backport-write.js";

/**
 * The scan's alignment step (issue 16 §6): each alignment asked for (`/driftback align`, or a ticked "align all to"
 * box on the dashboard) runs on the scan's checkout and fresh plans, is verified when `backport.verify` is on, and
 * opens or keeps ONE pull request per alignment key (its branch, its sealed marker): an open one whose files, title
 * and body are what this scan builds gets no write at all, so a redelivered command or a rescan changes nothing.
 * Bad input and refusals never throw out of the scan: they are logged, and replied to the comment that asked.
 */

/** Alignment pull requests carry this label (and `backport.labels`); listing by it finds driftback's open ones. */
export const ALIGN_LABEL = "parity";
/** Under `driftback/` like every branch of driftback's (alignment.branch), apart from the backport branches' workspaces. */
export const ALIGN_BRANCH_PREFIX = "driftback/align/";

export interface AlignStepDeps {
  host: BackportHost;
  parser: HclParser;
  toolchain: HclToolchain;
  templates: Pick<Templates, "alignBody" | "alignReply">;
  logger: Logger;
  /** Verification plans run under it (after the scan's plans, never inside one of their slots). */
  planLimit?: LimitFunction;
  scratchDir?: string;
}

export interface ScanAlignInput {
  repo: RepoRef;
  config: Config;
  /** The branch the scan planned (new alignment branches start from it), its commit, and the checkout. */
  base: { branch: string; sha: string; dir: string };
  /** Asked for by a command (with where to reply). */
  requests: readonly AlignAsk[];
  /** Ticked dashboard boxes: a difference's key and a member, resolved against `parity`. */
  boxes?: readonly { key: string; member: string }[];
  /** This scan's parity groups: what the boxes' keys mean. */
  parity?: readonly PublicGroup[];
  /** Workspace -> this scan's plan JSON: the live values and the base plans of the verification. */
  planJson: ReadonlyMap<string, string>;
  /** The scan's terraform (scoped to the repository's reviewed code): the verification plans. */
  terraform: TerraformRunner;
  masker: Masker;
  signal?: AbortSignal;
}

export type AlignOutcome =
  | { request: AlignRequest; status: "opened" | "updated" | "unchanged"; pr: { number: number; url: string } }
  | { request: AlignRequest; status: "refused"; reason: string };

/** `scanAlign` with its ports bound (the scan service binds them per installation). */
export type RunAlign = (input: ScanAlignInput) => Promise<AlignOutcome[]>;

/** The step as the scan calls it: nothing asked, nothing done; never throws. */
export async function alignStep(run: RunAlign | undefined, logger: Logger, input: ScanAlignInput): Promise<AlignOutcome[]> {
  if (input.requests.length === 0 && (input.boxes ?? []).length === 0) return [];
  if (!run) {
    logger.warn({ repo: `${input.repo.owner}/${input.repo.repo}`, asked: input.requests.length + (input.boxes ?? []).length }, "alignment asked for, but this scan cannot open pull requests");
    return [];
  }
  try {
    return await run(input);
  } catch (error) {
    logger.warn({ repo: `${input.repo.owner}/${input.repo.repo}`, reason: reasonOf(error) }, "the alignment step failed");
    return [];
  }
}

/** Every request (commands first, then boxes), each key once, each answered; replies go to every comment that asked. */
export async function scanAlign(deps: AlignStepDeps, input: ScanAlignInput): Promise<AlignOutcome[]> {
  const repoName = `${input.repo.owner}/${input.repo.repo}`;
  const asked = new Map<string, { request: AlignRequest; replies: number[] }>();
  for (const ask of [...input.requests, ...boxRequests(input.boxes ?? [], input.parity ?? [], deps.logger)] as AlignAsk[]) {
    const request: AlignRequest = { group: ask.group, resource: ask.resource, attribute: ask.attribute, to: ask.to, ...(ask.expect ? { expect: true as const } : {}) };
    const entry = asked.get(alignRequestKey(request)) ?? { request, replies: [] };
    if (ask.reply && !entry.replies.includes(ask.reply.issue)) entry.replies.push(ask.reply.issue);
    asked.set(alignRequestKey(request), entry);
  }
  const outcomes: AlignOutcome[] = [];
  let listed: BackportPullRequest[] | undefined;
  const existing = async () => (listed ??= await deps.host.findBackportPullRequests(input.repo, { label: ALIGN_LABEL, branchPrefix: ALIGN_BRANCH_PREFIX }));
  for (const { request, replies } of asked.values()) {
    let outcome: AlignOutcome;
    try {
      outcome = request.expect ? await expectOne(deps, input, request, existing) : await alignOne(deps, input, request, existing);
    } catch (error) {
      const known = error instanceof AlignInputError || error instanceof WriteRefused || error instanceof BackportHostError;
      if (!known) deps.logger.error({ repo: repoName, reason: input.masker.scrubText(reasonOf(error)) }, "alignment failed unexpectedly");
      // an unexpected error's text may name paths or values: the reply says only that it happened
      outcome = { request, status: "refused", reason: known ? input.masker.scrubText(reasonOf(error)) : "driftback hit an internal error (its log says more); nothing was opened" };
    }
    outcomes.push(outcome);
    deps.logger.info({ repo: repoName, alignment: alignRequestKey(request), status: outcome.status, ...(outcome.status === "refused" ? { reason: outcome.reason } : { pr: outcome.pr.number }) }, "alignment");
    for (const issue of replies) {
      try {
        await deps.host.comment(input.repo, issue, deps.templates.alignReply(replyView(outcome)));
      } catch (error) {
        deps.logger.warn({ repo: repoName, issue, reason: reasonOf(error) }, "alignment: the reply could not be written");
      }
    }
  }
  return outcomes;
}

/** What a ticked box asks for, from this scan's parity: a box whose difference or member is gone asks for nothing. */
export function boxRequests(boxes: readonly { key: string; member: string }[], groups: readonly PublicGroup[], logger?: Logger): AlignRequest[] {
  const requests: AlignRequest[] = [];
  for (const box of boxes) {
    let found: AlignRequest | undefined;
    for (const group of groups) {
      const difference = group.differences.find((d) => differenceKey(group.name, d.kind, d.resource, d.attribute) === box.key);
      if (difference && group.members.includes(box.member)) found = { group: group.name, resource: difference.resource, attribute: difference.attribute, to: box.member };
      if (found) break;
    }
    if (found) requests.push(found);
    else logger?.info({ box: `${box.key}:${box.member}` }, "alignment box ticked for a difference this scan does not see: nothing to align");
  }
  return requests;
}

async function alignOne(deps: AlignStepDeps, input: ScanAlignInput, request: AlignRequest, existing: () => Promise<BackportPullRequest[]>): Promise<AlignOutcome> {
  const alignment = await alignDifference({ parser: deps.parser, toolchain: deps.toolchain }, { checkoutDir: input.base.dir, config: input.config, ...request, plans: input.planJson, masker: input.masker });
  if (alignment.files.size === 0) return { request, status: "refused", reason: nothingToEdit(alignment) };

  // 1. Verification: a plan of each aligned member and of every workspace reading an edited file, on a scratch copy.
  let verified: string[] | undefined;
  if (input.config.backport.verify) {
    const problem = await verify(deps, input, alignment);
    if (typeof problem === "string") return { request, status: "refused", reason: problem };
    verified = problem.verified;
  }

  // 2. One pull request per key: open it, or bring the open one up to date (no write when it is).
  const files: BackportFile[] = [...alignment.files].map(([file, contents]) => ({ path: file, contents }));
  const built = { title: alignment.title, body: deps.templates.alignBody(bodyView(alignment, verified)), labels: [...new Set([ALIGN_LABEL, ...input.config.backport.labels])], files };
  return keepPullRequest(deps, input, request, { branch: alignment.branch, key: alignment.key, built }, existing);
}

/**
 * `/driftback expect`: the difference marked expected by design, as a pull request that adds its glob to the
 * group's `expected` in .github/driftback.yml (an automatic group gets a configured group matching its module).
 */
async function expectOne(deps: AlignStepDeps, input: ScanAlignInput, request: AlignRequest, existing: () => Promise<BackportPullRequest[]>): Promise<AlignOutcome> {
  const groups = input.parity ?? [];
  const group = groups.find((g) => g.name === request.group);
  if (!group) return { request, status: "refused", reason: `${request.group} is not a parity group of this scan (its groups: ${groups.map((g) => g.name).join(", ") || "none"})` };
  if (!group.differences.some((d) => d.resource === request.resource && d.attribute === request.attribute)) {
    return { request, status: "refused", reason: `${request.attribute} of ${request.resource} is not a difference of ${group.name} in this scan` };
  }
  const text = await readFile(path.join(input.base.dir, CONFIG_PATH), "utf8").catch(() => undefined);
  if (text === undefined) return { request, status: "refused", reason: `${CONFIG_PATH} could not be read from ${input.base.branch}` };
  const edit = markExpected(text, { name: group.name, origin: group.origin, ...(group.module !== undefined ? { module: group.module } : {}) }, { address: request.resource, attribute: request.attribute });
  if (!edit.ok) return { request, status: "refused", reason: `${CONFIG_PATH}: ${edit.reason}` };
  if (edit.text === text) return { request, status: "refused", reason: `${CONFIG_PATH} already expects it` };
  const key = alignRequestKey(request);
  const branch = `${ALIGN_BRANCH_PREFIX}expect-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
  const body = deps.templates.alignBody({ expect: true, group: group.name, resource: request.resource, attribute: request.attribute, configPath: CONFIG_PATH, marker: encodeAlignMarker({ key }) });
  const built = { title: `Parity: expect ${request.attribute} of ${request.resource} to differ in ${group.name}`, body, labels: [...new Set([ALIGN_LABEL, ...input.config.backport.labels])], files: [{ path: CONFIG_PATH, contents: edit.text }] };
  return keepPullRequest(deps, input, request, { branch, key, built }, existing);
}

/** One pull request per key: opened, or the open one brought up to date (no write when it already is). */
async function keepPullRequest(
  deps: AlignStepDeps,
  input: ScanAlignInput,
  request: AlignRequest,
  wanted: { branch: string; key: string; built: { title: string; body: string; labels: string[]; files: BackportFile[] } },
  existing: () => Promise<BackportPullRequest[]>,
): Promise<AlignOutcome> {
  const { built, branch, key } = wanted;
  const files = built.files;
  const ctx: WriteContext = {
    host: deps.host,
    repo: input.repo,
    baseBranch: input.base.branch,
    baseSha: input.base.sha,
    checkoutDir: input.base.dir,
    draft: input.config.backport.draft,
    reviewers: input.config.backport.reviewers,
    teamReviewers: input.config.backport.team_reviewers,
    logger: deps.logger,
  };
  const open = (await existing()).find((pr) => pr.state === "open" && pr.branch === branch && parseAlignMarker(pr.body)?.key === key);
  if (!open) {
    const opened = await openBackport(ctx, branch, built);
    return { request, status: "opened", pr: opened };
  }
  const pr = { number: open.number, url: open.url };
  const comparison = await deps.host.compareBranch(input.repo, input.base.branch, open.branch);
  const words = open.title !== built.title || open.body !== built.body;
  if (!comparison.onlyDriftback) {
    // a person pushed to it: theirs now; its words only
    await refreshBackport(ctx, open, built);
    return { request, status: words ? "updated" : "unchanged", pr };
  }
  const changes = comparison.files ? await changesAgainst(input.base.dir, files, comparison.files) : undefined;
  if (changes && changes.additions.length + changes.deletions.length === 0) {
    await refreshBackport(ctx, open, built);
    return { request, status: words ? "updated" : "unchanged", pr };
  }
  if (comparison.files && comparison.mergeBaseSha === input.base.sha) await updateBackport(ctx, open, comparison, built);
  else await regenerateBackport(ctx, open, built);
  return { request, status: "updated", pr };
}

/** The verification's answer: the workspaces it planned, or why the alignment is not opened. */
async function verify(deps: AlignStepDeps, input: ScanAlignInput, alignment: Alignment): Promise<{ verified: string[] } | string> {
  // under a driftback-verify-* dir, like the backport verification's copies
  const scratch = await mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), "driftback-verify-align-"));
  try {
    const result = await verifyAlignment(
      { terraform: input.terraform, masker: input.masker, scratchDir: scratch, ...(deps.planLimit ? { planLimit: deps.planLimit } : {}) },
      { config: input.config, checkoutDir: input.base.dir, files: alignment.files, expectations: alignment.expectations, readers: alignment.readers, basePlans: input.planJson, ...(input.signal ? { signal: input.signal } : {}) },
    );
    if (!result.ok) return `its verification could not run, so no pull request was opened: ${result.reason}`;
    if (result.problems.length > 0) {
      const shown = result.problems.slice(0, 3).map((p) => `${p.workspace}: ${p.problem}`).join("; ");
      return `its verification plan found a problem, so no pull request was opened: ${shown}${result.problems.length > 3 ? `; and ${result.problems.length - 3} more` : ""}`;
    }
    return { verified: result.verified };
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

function nothingToEdit(alignment: Alignment): string {
  const refused = alignment.refused.map((r) => `\`${r.member}\`: ${r.reason}`);
  const unchanged = alignment.unchanged.map((u) => `\`${u.member}\`: ${u.why}`);
  if (refused.length > 0) return `no member could be edited (${refused.join("; ")})${unchanged.length > 0 ? `; unchanged: ${unchanged.join("; ")}` : ""}`;
  return `nothing to change: ${unchanged.length > 0 ? unchanged.join("; ") : "every member already has the value"}`;
}

const ORIGIN: Record<Alignment["origin"], string> = { live: "what runs there, changed outside Terraform: its code is set to it too", planned: "what its code makes it", declared: "what its code declares" };

function bodyView(alignment: Alignment, verified: string[] | undefined) {
  const members = [
    ...alignment.aligned.map((a) => ({ member: a.member, aligned: true, via: a.via, files: a.files, unchanged: false, why: "", refused: false, reason: "" })),
    ...alignment.unchanged.map((u) => ({ member: u.member, aligned: false, via: "", files: [], unchanged: true, why: u.why, refused: false, reason: "" })),
    ...alignment.refused.map((r) => ({ member: r.member, aligned: false, via: "", files: [], unchanged: false, why: "", refused: true, reason: r.reason })),
  ];
  return {
    expect: false,
    group: alignment.group,
    resource: alignment.resource,
    attribute: alignment.attribute,
    to: alignment.to,
    value: cellText(alignment.value),
    origin: ORIGIN[alignment.origin],
    members,
    verified: verified ?? null,
    refusedAny: alignment.refused.length > 0,
    marker: encodeAlignMarker({ key: alignment.key }),
  };
}

function replyView(outcome: AlignOutcome) {
  const base = { ...outcome.request, expect: outcome.request.expect === true, usage: null, started: false };
  if (outcome.status === "refused") return { ...base, refused: outcome.reason };
  return { ...base, refused: null, opened: outcome.status === "opened", updated: outcome.status === "updated", pr: outcome.pr.number, prUrl: outcome.pr.url };
}

function reasonOf(error: unknown): string {
  if (error instanceof BackportHostError) return error.reason;
  return (error as Error)?.message?.split("\n")[0]?.slice(0, 500) ?? String(error);
}
