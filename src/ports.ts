/** The edges driftback's use cases talk to. Adapters implement them; tests can too. */

import type { CorrelationIncident } from "./core/incidents/types.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo extends RepoRef {
  number: number;
  headSha: string;
  /** The head lives in another repository: its code is untrusted. */
  isFork: boolean;
  draft: boolean;
  state: "open" | "closed";
  /** Clone URL of the base repository (it serves `refs/pull/N/head`, fork heads included). */
  cloneUrl: string;
  /** The base branch's commit when the event was sent (`base.sha`): parity compares the pull request's code with it. */
  baseSha?: string;
}

export interface PlanRequest {
  /** Absolute path of the workspace's root module. */
  dir: string;
  binary: "terraform" | "tofu";
  workspace: string;
  varFiles: readonly string[];
  backendConfig: readonly string[];
  timeoutMs: number;
  lockTimeout: string;
  signal?: AbortSignal;
  /** `-target` addresses: plan (and refresh) only these resources, as a verification plan does. */
  targets?: readonly string[];
  /** Keep the saved plan file (and the initialised data dir) so `apply` can apply exactly that plan. */
  keepPlanFile?: boolean;
  /** Whose code runs, which decides the provider plugin cache it may install into (absent: the CLI's local cache). */
  pluginCache?: PluginCacheScope;
  /** What progress shows this run as: the workspace's name, or the directory as the user gave it (default: `dir`). */
  label?: string;
}

/** One terraform command of a run, as progress shows it: `plan` of workspace `prod`. */
export interface TerraformStep {
  command: "init" | "plan" | "show" | "apply";
  /** The request's label (a workspace's name, a directory), unescaped: whoever shows it escapes it. */
  label: string;
}

/** Told when each terraform command starts and ends (the CLI's progress on stderr); several can run at once. */
export interface TerraformProgress {
  started(step: TerraformStep): void;
  finished(step: TerraformStep, ok: boolean): void;
}

/** Reviewed code (a default branch, driftback's edit of it) or a pull request's, of one repository. */
export interface PluginCacheScope {
  owner: string;
  repo: string;
  code: "reviewed" | "pull-request";
}

/** A plan file kept for `apply`, with the data dir it was made in; release it when done. */
export interface SavedPlan {
  planFile: string;
  dataDir: string;
  pluginCacheDir: string;
  release(): Promise<void>;
}

export interface ApplyRequest {
  /** The workspace dir the plan was made in. */
  dir: string;
  binary: "terraform" | "tofu";
  workspace: string;
  saved: SavedPlan;
  timeoutMs: number;
  lockTimeout: string;
  signal?: AbortSignal;
}

export type ApplyOutcome =
  | { ok: true; output: string }
  | { ok: false; message: string; output: string; timedOut: boolean; cancelled: boolean };

export type PlanStage = "init" | "plan" | "show";

export type PlanOutcome =
  | { ok: true; planJson: string; saved?: SavedPlan }
  | {
      ok: false;
      stage: PlanStage;
      message: string;
      output: string;
      timedOut: boolean;
      cancelled: boolean;
      /** An errored plan that terraform still saved, shown for what it got to. */
      planJson?: string;
    };

export interface TerraformRunner {
  plan(request: PlanRequest): Promise<PlanOutcome>;
  /** Applies a plan kept with `keepPlanFile`: exactly what that plan showed, never a fresh plan. */
  apply?(request: ApplyRequest): Promise<ApplyOutcome>;
}

export interface Checkout {
  /** Absolute path of the checked-out tree. */
  dir: string;
  /** The commit actually checked out. */
  sha: string;
  cleanup(): Promise<void>;
}

export interface SourceFetcher {
  /** A shallow checkout of the pull request's head. */
  checkoutPullRequest(pr: PullRequestInfo, signal?: AbortSignal): Promise<Checkout>;
}

export interface BranchSource {
  /** A shallow checkout of a branch's tip. */
  checkoutBranch(cloneUrl: string, branch: string, signal?: AbortSignal): Promise<Checkout>;
}

/** A repository to scan for drift. */
export interface ScanTarget extends RepoRef {
  cloneUrl: string;
  defaultBranch: string;
}

export interface DashboardIssue {
  number: number;
  body: string;
}

/** Where drift is shown: one dashboard issue per repository. */
export interface DriftHost {
  findDashboard(repo: RepoRef, marker: string): Promise<DashboardIssue | undefined>;
  /** Whether anyone but the issue's author (driftback's bot) last edited its body; asked only of an unsealed state block. */
  dashboardEditedByOthers?(repo: RepoRef, issueNumber: number): Promise<boolean>;
  createDashboard(repo: RepoRef, title: string, body: string, label: string): Promise<number>;
  updateDashboard(repo: RepoRef, issueNumber: number, body: string): Promise<void>;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

export interface CheckRunHandle {
  id: number;
  /** Set when the token may not write check runs (a workflow's GITHUB_TOKEN without `checks: write`): a commit status stands in. */
  status?: { sha: string; context: string };
}

/** A pull request's changed files (a rename gives both paths) and whether that is all of them. */
export interface ChangedFiles {
  files: string[];
  complete: boolean;
}

export interface GitHost {
  getPullRequest(ref: RepoRef, number: number): Promise<PullRequestInfo>;
  /** The files a pull request changes; `complete: false` when GitHub lists only some (its list stops at 3,000). */
  listChangedFiles(pr: PullRequestInfo): Promise<ChangedFiles>;
  /** Creates the comment that carries `marker`, or edits it in place; returns its URL. */
  upsertComment(pr: PullRequestInfo, marker: string, body: string, options?: { onlyIfExists?: boolean }): Promise<string | undefined>;
  /** Finds this app's check run of that name on the commit, or creates it, and marks it in progress. */
  startCheckRun(ref: RepoRef, headSha: string, name: string, output: CheckRunOutput): Promise<CheckRunHandle>;
  completeCheckRun(ref: RepoRef, handle: CheckRunHandle, conclusion: "success" | "failure" | "neutral", output: CheckRunOutput): Promise<void>;
  hasWriteAccess(ref: RepoRef, username: string): Promise<boolean>;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** A file a backport commit writes: `contents` is committed byte for byte (a string as UTF-8, line endings kept). */
export interface BackportFile {
  path: string;
  contents: string | Uint8Array;
}

export interface BackportCommit {
  branch: string;
  /** The tip the commit goes on; if the branch has moved since, nothing is written (a `head-moved` error). */
  expectedHeadOid: string;
  message: { headline: string; body?: string };
  additions: readonly BackportFile[];
  deletions: readonly { path: string }[];
}

/** How a backport branch stands against its base. */
export interface BranchComparison {
  /** Every commit on the branch since it left base is driftback's: authored by the app's bot and signed by GitHub. */
  onlyDriftback: boolean;
  /** Commits on the branch that base does not have. */
  aheadBy: number;
  /** Commits on base that the branch does not have: base moved since the branch was made. */
  behindBy: number;
  mergeBaseSha: string;
  /** Whoever else committed on the branch (login, or the git name when GitHub links no account). */
  otherAuthors: string[];
  /**
   * Files the branch changed since the merge base, with their git blob SHA on the branch (none when removed):
   * lets a repeated commit be skipped without reading contents. Undefined when the host cannot tell (or lists only part).
   */
  files?: { path: string; status: "added" | "modified" | "removed"; sha?: string }[];
}

export interface BackportPullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  /** The head branch, always in the same repository (a fork's PR is never driftback's). */
  branch: string;
  headSha: string;
  baseRef: string;
  title: string;
  body: string;
  labels: string[];
  url: string;
  /** Who closed it, when it was closed without being merged. */
  closedByLogin?: string;
  /** Who last edited its body, when anyone did after it was opened (GraphQL's `editor`: a bot's login has no `[bot]`). */
  bodyEditedBy?: string;
}

export interface OpenPullRequest {
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface PullRequestRef {
  number: number;
  url: string;
  /** False when a pull request from that branch was already open and is returned instead. */
  created: boolean;
}

/** The GitHub side of backport pull requests. Every method throws only `BackportHostError`. */
export interface BackportHost {
  /** The branch's tip, or undefined when there is no such branch. */
  getBranch(repo: RepoRef, branch: string): Promise<{ sha: string } | undefined>;
  compareBranch(repo: RepoRef, base: string, branch: string): Promise<BranchComparison>;
  /** Throws a `branch-exists` error when the branch is already there. */
  createBranch(repo: RepoRef, branch: string, sha: string): Promise<void>;
  /** Force-moves the branch: only for a branch `compareBranch` says holds only driftback's commits. */
  resetBranch(repo: RepoRef, branch: string, sha: string): Promise<void>;
  /** A branch already gone is not an error. */
  deleteBranch(repo: RepoRef, branch: string): Promise<void>;
  /** One commit, signed by GitHub as the app; `head-moved` when the branch is no longer at `expectedHeadOid`. */
  commitFiles(repo: RepoRef, commit: BackportCommit): Promise<{ oid: string; url: string }>;
  /** driftback's pull requests in every state: labelled `label` (default `drift`), head branch under `branchPrefix` (default `driftback/`). */
  findBackportPullRequests(repo: RepoRef, options?: { label?: string; branchPrefix?: string }): Promise<BackportPullRequest[]>;
  /** Opens the pull request, or returns the one already open from that branch. */
  openPullRequest(repo: RepoRef, request: OpenPullRequest): Promise<PullRequestRef>;
  updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void>;
  addLabels(repo: RepoRef, number: number, labels: readonly string[]): Promise<void>;
  /** Takes one label off (a stale `drift:codify` after a switch); a label already gone is not an error. Optional: a host without it leaves stale labels. */
  removeLabel?(repo: RepoRef, number: number, label: string): Promise<void>;
  /** Reviewers GitHub refuses (not a collaborator, the author) are left out; returns one readable warning for each. */
  requestReviewers(repo: RepoRef, number: number, request: { reviewers: readonly string[]; teamReviewers: readonly string[] }): Promise<string[]>;
  /** Returns the comment's URL. */
  comment(repo: RepoRef, number: number, body: string): Promise<string>;
  /** Comments first (when a comment is given), then closes. */
  closePullRequest(repo: RepoRef, number: number, comment?: string): Promise<void>;
}

export type BackportHostErrorKind = "branch-exists" | "head-moved" | "forbidden" | "rate-limited" | "not-found" | "invalid" | "unavailable";

/** The one error a BackportHost throws: `reason` is a readable sentence for the dashboard (never a token or a response dump). */
export class BackportHostError extends Error {
  override readonly name = "BackportHostError";
  /** Seconds GitHub asked to wait, for `rate-limited`. */
  readonly retryAfterSeconds?: number;
  /** The HTTP status, when there was one. */
  readonly status?: number;

  constructor(
    readonly kind: BackportHostErrorKind,
    readonly reason: string,
    options: { cause?: unknown; retryAfterSeconds?: number; status?: number } = {},
  ) {
    super(reason, { cause: options.cause });
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.status !== undefined) this.status = options.status;
  }
}

export type IncidentSourceName = "github" | "pagerduty" | "jira" | "incident_io";

/**
 * An incident in driftback's neutral shape, whatever tracker it came from (also the `--incidents-from` file's shape).
 * Only `key`, `title`, `status` and `url` may ever be shown, logged or persisted: `text` can hold customer data.
 */
export interface Incident extends CorrelationIncident {
  source: IncidentSourceName;
}

/** A time window: the incidents wanted are those open at any moment inside it. */
export interface IncidentWindow {
  since: Date;
  until: Date;
}

/**
 * `edit`: one follow-up carrying the marker, created or edited in place (GitHub, Jira). `append`: a new one only when none
 * carries the marker yet (PagerDuty's notes cannot be edited, so there every follow-up is append: use one marker per stage).
 */
export type FollowUpMode = "edit" | "append";

export interface FollowUpRequest {
  /** A stable hidden key (`driftback:` then letters, digits, `:._/-`): how the follow-up is found again. */
  marker: string;
  /** Markdown rendered from a template; each adapter turns it into what its tracker shows (ADF for Jira, plain text for PagerDuty). */
  body: string;
  mode: FollowUpMode;
  /** The linked pull requests' URLs, for trackers that attach them rather than take a text (incident.io). */
  pullRequests?: readonly string[];
  /**
   * Seals of the marker for this incident, one per state key (the first is written): with them only a follow-up
   * carrying `marker seal:<one of them>` is driftback's, so a marker a person typed is neither edited nor taken as
   * "already written". Absent without a key (the CLI): the marker alone finds it.
   */
  seals?: readonly string[];
}

export type FollowUpResult =
  | { written: true; outcome: "created" | "updated"; url?: string }
  | { written: false; outcome: "unchanged"; url?: string; reason?: string }
  | { written: false; outcome: "unsupported"; reason: string };

export type IncidentEventKind = "resolved" | "opened" | "updated" | "other";

/** A verified delivery carries only the incident's key: deliveries arrive out of order, so the caller fetches the incident again. */
export type WebhookVerification =
  | { ok: true; event: { key: string | null; kind: IncidentEventKind; deliveryId?: string } }
  /** `duplicate`: a correctly signed delivery already received (a tracker's retry after a lost answer): nothing to do again. */
  | { ok: false; reason: string; duplicate?: true };

/** Request headers as Node gives them (lower-case names) or as a fetch `Headers`. */
export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

/**
 * Where incidents come from (GitHub issues, PagerDuty, Jira Cloud, incident.io). Every method throws only
 * `IncidentSourceError` (src/adapters/incidents/errors.ts): a kind and one readable sentence, never a token.
 */
export interface IncidentSource {
  readonly name: IncidentSourceName;
  /** Every incident open at some moment of the window, all pages read. */
  listIncidents(window: IncidentWindow): Promise<Incident[]>;
  /** One incident by key (or by its URL); undefined when the tracker has no such incident. */
  getIncident(key: string): Promise<Incident | undefined>;
  /** Writes or updates driftback's follow-up on the incident; writes nothing when it would not change. */
  upsertFollowUp(key: string, followUp: FollowUpRequest): Promise<FollowUpResult>;
  /** Checks a webhook delivery (signature in constant time, freshness, replay) and says which incident it is about. */
  verifyWebhook(headers: WebhookHeaders, rawBody: string | Uint8Array, now: Date): WebhookVerification;
}
