/** The edges driftback's use cases talk to. Adapters implement them; tests can too. */

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
}

export interface GitHost {
  getPullRequest(ref: RepoRef, number: number): Promise<PullRequestInfo>;
  listChangedFiles(pr: PullRequestInfo): Promise<string[]>;
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
