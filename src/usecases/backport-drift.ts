import type { LimitFunction } from "p-limit";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { Config } from "../config/schema.js";
import type { IgnoredDrift } from "../core/backport/index.js";
import type { DriftItem } from "../core/drift/items.js";
import type { BackportHost, Logger, RepoRef, TerraformRunner } from "../ports.js";
import type { Templates } from "../templates.js";

export interface BackportDeps {
  host: BackportHost;
  /** Verification plans only. */
  terraform: TerraformRunner;
  toolchain: HclToolchain;
  loadParser: () => Promise<HclParser>;
  templates: Templates;
  logger: Logger;
  /** `<app-slug>[bot]`: pull requests closed by this login were closed by driftback. */
  botLogin: string;
  /** Shares the scan's plan concurrency. */
  planLimit?: LimitFunction;
  /** Where verification copies of the tree go (default the OS temp dir). */
  scratchDir?: string;
  now?: () => number;
}

export interface BackportInput {
  repo: RepoRef;
  /** config.backport.base, or the repository's default branch. */
  baseBranch: string;
  /** The commit the scan planned; new branches start here. */
  baseSha: string;
  /** That commit's tree on disk: read-only (verification works on a copy). */
  checkoutDir: string;
  config: Config;
  /** classifyDrift output (after withoutIgnored) of the workspaces in `scanned`. */
  items: readonly DriftItem[];
  /** Workspaces planned successfully this scan (others' pull requests are left alone). */
  scanned: readonly string[];
  /** The dashboard state's remembered ignores. */
  remembered: readonly IgnoredDrift[];
  /** Fingerprints whose "open again" checkbox a person ticked on the dashboard. */
  reopen: readonly string[];
  /** Fingerprint -> YYYY-MM-DD (dashboard state). */
  firstSeen: ReadonlyMap<string, string>;
  /** Workspace -> the scan's plan JSON, for revert pull requests' plan excerpts. */
  planExcerpts?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

export type DriftBackportStatus =
  | { status: "open"; pr: number; url: string; action: "codify" | "revert" }
  /** Merged; waiting for apply or the next scan. */
  | { status: "merged"; pr: number; url: string; action: "codify" | "revert" }
  /** A person closed it unmerged. */
  | { status: "ignored"; pr: number; url?: string }
  /** Over backport.max_open. */
  | { status: "waiting"; reason: string }
  /** A host or verification error; retried on the next scan. */
  | { status: "failed"; reason: string; pr?: number; url?: string }
  /** A rule says ignore, or backport is disabled. */
  | { status: "none"; reason: string };

export interface BackportReport {
  /** Per fingerprint, for the dashboard. */
  drift: Record<string, DriftBackportStatus>;
  /** To remember in the dashboard state. */
  ignored: IgnoredDrift[];
  /** GitHub write calls made. */
  writes: number;
  operations: { kind: string; key: string; pr?: number; error?: string }[];
}

/** Opens, updates and closes backport pull requests so GitHub matches the scan (implementation lands next). */
export async function backportDrift(_deps: BackportDeps, _input: BackportInput): Promise<BackportReport> {
  throw new Error("backportDrift: not implemented yet");
}
