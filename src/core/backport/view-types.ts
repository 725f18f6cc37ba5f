/**
 * The view models of backport pull requests' words, as the Templates interface (core/templates.ts)
 * takes them: types only, importing nothing, so core/templates.ts can name them without importing
 * the modules that build them (view.ts, apply-view.ts, command.ts, incident-view.ts), which import
 * Templates themselves. Those modules re-export what they build.
 */

export interface BackportTitleView {
  codify: boolean;
  revert: boolean;
  mixed: boolean;
  workspace: string;
  resources: { address: string; attributes: string[]; deleted: boolean }[];
  more: number;
}

interface DriftRow {
  address: string;
  path: string;
  deleted: boolean;
  recorded: string;
  live: string;
  since: string;
  action: string;
}

export interface BackportBodyView {
  workspace: string;
  /** terraform or tofu. */
  tool: string;
  codify: boolean;
  revert: boolean;
  mixed: boolean;
  since: string | null;
  rows: DriftRow[];
  hiddenRows: number;
  reasons: { why: string; subjects: { name: string; fellBack: boolean }[]; moreSubjects: number }[];
  /** `files`: every file edited beyond `file`; `via`: where the value was written and why (a lift out of shared code). */
  codified: { address: string; path: string; file: string; otherFiles: string[]; via: string }[];
  verification: { verified: boolean; disabled: boolean; dryRun: boolean; tool: string; addresses: string[]; moreAddresses: number; workspaces: string[] } | null;
  fallbacks: { address: string; path: string; refused: boolean; reason: string; snippetFence: string; snippet: string }[];
  reverted: { addresses: string[]; moreAddresses: number; applyOnMerge: boolean; excerpt: string[]; excerptOmitted: boolean } | null;
  /** Drift of this group beyond what one pull request carries (at most maxPerPullRequest). */
  overflow: number;
  maxPerPullRequest: number;
  stillChanging: string[];
  records: string[];
  hiddenRecords: number;
  incident: IncidentSectionView;
  /** Codified drift in one member of a parity group (issue 16 §6): the other members' values and the align command. */
  parity: { group: string; address: string; path: string; others: { member: string; value: string }[]; /** The value every other member holds, when they agree. */ same: string | null; command: string }[];
  marker: string;
}

export interface DriftRecordView {
  workspace: string;
  address: string;
  path: string;
  deleted: boolean;
  secret: boolean;
  recordedFence: string;
  recorded: string;
  liveFence: string;
  live: string;
  taxonomy: string;
  severity: string;
  firstSeen: string | null;
  action: string;
  why: string;
  /** Set when codify fell back to revert: refused by the engine (its reason), or still changed by the verification plan. */
  fallback: { refused: boolean; reason: string } | null;
  branch: string;
  pr: number | null;
  incident: IncidentRecordView | null;
  fingerprint: string;
  /** The merged pull request this drift came back after (a scan found it gone in between); null for a first occurrence. */
  returnedAfter: number | null;
}

export interface BackportClosedView {
  resolved: boolean;
  superseded: boolean;
  ignoredByRule: boolean;
  workspaceRemoved: boolean;
  duplicate: boolean;
  by: { pr: number | null; key: string } | null;
  branch: string;
  deleteBranch: boolean;
}

export interface BackportHumanPushView {
  changed: { address: string; path: string; live: string; deleted: boolean }[];
  added: { address: string; path: string; live: string; deleted: boolean }[];
  switched: { address: string; path: string; action: string }[];
  resolved: number;
  branch: string;
}

/** `/driftback ignore`: the comment that goes with closing the pull request. */
export interface BackportIgnoredView {
  login: string;
  branch: string;
  deleteBranch: boolean;
}

/** apply.on_merge: the result comment on a merged revert pull request. */
export interface BackportApplyView {
  marker: string;
  applied: boolean;
  differs: boolean;
  noExpectation: boolean;
  noWorkspace: boolean;
  planFailed: boolean;
  applyFailed: boolean;
  tool: string;
  workspace: string;
  shortSha: string;
  changes: { address: string; whole: boolean; paths: string[] }[];
  /** The plan changes nothing at all: the live values already match the code. */
  nothingPlanned: boolean;
  differences: { address: string; notChanged: boolean; unexpected: boolean; refused: boolean; whole: boolean; expectedWhole: boolean; action: string | null; missing: string[]; extra: string[] }[];
  /** terraform's closing line ("Apply complete! Resources: …"), masked. */
  summary: string | null;
  error: { message: string; timedOut: boolean; fence: string; text: string } | null;
}

/** The incident section of a backport body. Only key, title, status and link of an incident are ever shown. */
export interface IncidentSectionView {
  linked: {
    key: string;
    /** http(s) only, else no link. */
    url: string | null;
    title: string | null;
    status: string | null;
    pinned: boolean;
    /** Kept from the marker while the lookup failed. */
    kept: boolean;
    /** "0.87", or null for a pinned or kept link. */
    confidence: string | null;
    evidence: string[];
  } | null;
  candidates: { key: string; url: string | null; title: string | null; confidence: string; evidence: string[] }[];
  failures: string[];
}

/** The incident line of a drift record. */
export interface IncidentRecordView {
  key: string;
  url: string | null;
}
