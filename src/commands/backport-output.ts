import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import type { DryRunBackportHost } from "../adapters/local/dry-run-backport-host.js";
import type { PlanIncident } from "../core/backport/index.js";
import { parseMarker } from "../core/backport/marker.js";
import type { DriftItem } from "../core/drift/items.js";
import { fingerprintOf } from "../core/drift/track.js";
import { escapeUnprintable } from "../core/printable.js";
import { fenceFor } from "../core/render/fence.js";
import { renderBackportText } from "../core/render/terminal/backport-text.js";
import type { DriftSummary } from "../core/render/terminal/drift-text.js";
import type { BackportFile } from "../ports.js";
import type { Templates } from "../templates.js";
import type { BackportReport, DriftBackportStatus } from "../usecases/backport-drift.js";

/** A pull request the dry run would open, as the CLI prints it. */
export interface ProposedPullRequest {
  branch: string;
  base: string;
  title: string;
  body: string;
  /** What the pull request does after codify and verification; `mixed` when a group got both. */
  action: "codify" | "revert" | "mixed";
  labels: string[];
  draft: boolean;
  reviewers: string[];
  teamReviewers: string[];
  /** Each file the commit writes, with a unified diff against the repository on disk. */
  files: { path: string; diff: string }[];
  /** After --verify: a verification plan proposed no change to what it codifies (false for a pull request that codifies nothing). Null without --verify. */
  verified: boolean | null;
  /** With --incidents-from: the linked incident (confidence null when a person pinned it) or null, and the runners-up. */
  incident?: { key: string; confidence: number | null; evidence: string[] } | null;
  candidates?: { key: string; confidence: number; title?: string; url?: string }[];
}

/** A drift that gets no pull request this run, and why. */
export interface SkippedDrift {
  address: string;
  attribute: string;
  status: "waiting" | "failed" | "none" | "ignored";
  reason: string;
}

/** A pull request the real run opened or kept current. */
export interface OpenedPullRequest {
  number: number;
  url: string;
  status: "open" | "merged";
  action: "codify" | "revert";
  drift: { address: string; attribute: string }[];
}

/** The pull requests the use case sent to the recording host, with diffs against `repoDir`. */
export async function proposedPullRequests(host: DryRunBackportHost, repoDir: string, options: { verify: boolean; recordsDir: string; incidents?: Record<string, PlanIncident> }): Promise<ProposedPullRequest[]> {
  const records = `${options.recordsDir.replace(/\/+$/, "")}/`;
  // the code changes first, the drift records after them
  const order = ([a]: [string, unknown], [b]: [string, unknown]) => Number(a.startsWith(records)) - Number(b.startsWith(records)) || a.localeCompare(b);
  const out: ProposedPullRequest[] = [];
  for (const pr of host.pullRequests().filter((p) => p.state === "open")) {
    const marker = parseMarker(pr.body);
    const files: ProposedPullRequest["files"] = [];
    for (const [file, contents] of [...host.branchFiles(pr.branch)].sort(order)) {
      files.push({ path: file, diff: await diffAgainstDisk(repoDir, file, contents) });
    }
    out.push({
      branch: pr.branch,
      base: pr.base,
      title: pr.title,
      body: pr.body,
      action: marker?.action ?? (pr.labels.includes("drift:revert") ? "revert" : "codify"),
      labels: pr.labels,
      draft: pr.draft,
      reviewers: pr.reviewers,
      teamReviewers: pr.teamReviewers,
      files,
      // a drift still settled as codify after a verification plan is one that plan left alone
      verified: options.verify ? (marker?.items.some((i) => i.settled === "codify") ?? false) : null,
      ...(options.incidents ? incidentOutput(options.incidents[pr.branch]) : {}),
    });
  }
  return out;
}

function incidentOutput(section: PlanIncident | undefined): Pick<ProposedPullRequest, "incident" | "candidates"> {
  const linked = section?.linked;
  return {
    incident: linked ? { key: linked.link.key, confidence: linked.confidence ?? null, evidence: linked.evidence } : null,
    candidates: section?.candidates ?? [],
  };
}

async function diffAgainstDisk(repoDir: string, file: string, contents: BackportFile["contents"] | null): Promise<string> {
  const before = await readFile(path.join(repoDir, file), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  const after = contents === null ? undefined : typeof contents === "string" ? contents : Buffer.from(contents).toString("utf8");
  return createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${file}`, after === undefined ? "/dev/null" : `b/${file}`, before ?? "", after ?? "", undefined, undefined, { context: 3 });
}

/** Drift the report left without a pull request (waiting for max_open, failed, ignored), named by address. */
export function skippedDrift(report: BackportReport, items: readonly DriftItem[]): SkippedDrift[] {
  const byFingerprint = new Map(items.map((item) => [fingerprintOf(item), item]));
  const out: SkippedDrift[] = [];
  for (const [fingerprint, status] of Object.entries(report.drift)) {
    if (status.status === "open" || status.status === "merged") continue;
    const item = byFingerprint.get(fingerprint);
    out.push({ address: item?.address ?? fingerprint, attribute: item?.pathText ?? "", status: status.status, reason: reasonOf(status) });
  }
  return out;
}

function reasonOf(status: DriftBackportStatus): string {
  switch (status.status) {
    case "ignored":
      return `ignored: pull request #${status.pr} was closed unmerged`;
    case "waiting":
    case "failed":
    case "none":
      return status.reason;
    default:
      return "";
  }
}

/** The pull requests a real run left open (or found merged), each with the drift it carries. */
export function openedPullRequests(report: BackportReport, items: readonly DriftItem[]): OpenedPullRequest[] {
  const byFingerprint = new Map(items.map((item) => [fingerprintOf(item), item]));
  const byNumber = new Map<number, OpenedPullRequest>();
  for (const [fingerprint, status] of Object.entries(report.drift)) {
    if (status.status !== "open" && status.status !== "merged") continue;
    const pr = byNumber.get(status.pr) ?? { number: status.pr, url: status.url, status: status.status, action: status.action, drift: [] };
    const item = byFingerprint.get(fingerprint);
    pr.drift.push({ address: item?.address ?? fingerprint, attribute: item?.pathText ?? "" });
    byNumber.set(status.pr, pr);
  }
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}

export interface BackportOutput {
  dryRun: boolean;
  repo: string;
  workspace: string;
  proposed: ProposedPullRequest[];
  opened: OpenedPullRequest[];
  skipped: SkippedDrift[];
  writes: number;
}

export type BackportFormat = "text" | "json" | "markdown";

/** For the text format: the terminal's width and colour, and the drift the summary line counts. */
export interface BackportTextOutput {
  width: number;
  colour: boolean;
  summary: DriftSummary;
  /** backport.records_dir: its files (the drift records) are named, not shown as diffs. */
  recordsDir: string;
}

/**
 * `--format json`: `{"pullRequests": [...]}` plus the drift that got none; markdown from templates/backport-cli.hbs;
 * text (for terminals) from templates/text/backport.hbs, the summary line last.
 */
export function formatBackportOutput(output: BackportOutput, format: BackportFormat, templates: Pick<Templates, "backportCli" | "text">, text?: BackportTextOutput): string {
  if (format === "text") {
    const { width, colour, summary, recordsDir } = text ?? { width: 80, colour: false, summary: { real: 0, policy: 0, noise: 0, unapplied: 0 }, recordsDir: ".driftback/drift" };
    return renderBackportText(output, { width, colour, summary, recordsDir, render: templates.text.backport, columns: templates.text.backportColumns });
  }
  if (format === "json") {
    const pullRequests = output.dryRun ? output.proposed : output.opened;
    return `${JSON.stringify({ dryRun: output.dryRun, repo: output.repo, workspace: output.workspace, pullRequests, skipped: output.skipped, ...(output.dryRun ? {} : { writes: output.writes }) }, null, 2)}\n`;
  }
  // for a terminal: a plan or a file can carry escape sequences and control characters (a CR shows as \x0d)
  return escapeUnprintable(templates.backportCli({
    ...output,
    proposed: output.proposed.map((pr, index) => ({
      ...pr,
      position: index + 1,
      bodyFence: fenceFor(pr.body),
      verifiedText: pr.verified === null ? "not run (add --verify)" : pr.verified ? "yes" : "no",
      files: pr.files.map((f) => ({ ...f, fence: fenceFor(f.diff) })),
    })),
  }));
}
