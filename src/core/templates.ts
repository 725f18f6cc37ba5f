// view models from type-only leaves: the modules that build them import Templates
import type { BackportApplyView, BackportBodyView, BackportClosedView, BackportHumanPushView, BackportIgnoredView, BackportTitleView, DriftRecordView } from "./backport/view-types.js";
import type { FollowUpView } from "./incidents/follow-up-types.js";

/**
 * Every word users read, by message: core renders its view models through this interface and
 * never loads a template itself. `src/templates.ts` implements it (Handlebars, compiled at start-up);
 * it lives in core so core depends on nothing above it.
 */
export type Render = (view: object) => string;

export interface Templates {
  comment: Render;
  tooLarge: Render;
  checkSummary: Render;
  checkText: Render;
  configError: Render;
  resourceDiff: Render;
  resourceNames: Render;
  resourceRow: Render;
  outputs: Render;
  dashboard: Render;
  driftItems: Render;
  demo: Render;
  /** The GitHub Action's job summary of a scheduled scan ($GITHUB_STEP_SUMMARY). */
  actionSummary: Render;
  codifyReport: Render;
  /** `driftback parity --format markdown` (issue 16): groups, declared and live differences, versions. */
  parity: Render;
  /** `driftback backport`'s markdown output: the pull requests a dry run would open, or what a real run opened. */
  backportCli: Render;
  /** Backport pull requests: title, body, drift record file, and the closing and person-pushed comments. */
  backportTitle: (view: BackportTitleView) => string;
  backportBody: (view: BackportBodyView) => string;
  driftRecord: (view: DriftRecordView) => string;
  backportClosed: (view: BackportClosedView) => string;
  backportHumanPush: (view: BackportHumanPushView) => string;
  /** `/driftback ignore`: the comment that goes with closing the pull request. */
  backportIgnored: (view: BackportIgnoredView) => string;
  /** apply.on_merge: the result comment on a merged revert pull request. */
  backportApply: (view: BackportApplyView) => string;
  /** Alignment pull requests (issue 16 §6): the body, and the replies to `/driftback align`. */
  alignBody: Render;
  alignReply: Render;
  /** `/driftback break-glass`: the reply confirming the window (UTC), or one line saying what is wrong. */
  breakGlassReply: Render;
  /** The follow-up on an incident (issue 9 §4): the list edited in place (GitHub, Jira), and PagerDuty's two notes. */
  incidentFollowUp: (view: FollowUpView) => string;
  incidentNoteOpened: (view: FollowUpView) => string;
  incidentNoteReconciled: (view: FollowUpView) => string;
  /** One sentence: the plan's format_version is newer than driftback knows ({ formatVersion, knownMajor }). */
  formatNotice: Render;
  /** Short check-run messages, one template each. */
  status: { planning: Render; superseded: Render; internalError: Render; forkNotPlanned: Render; /** The reply to a `/driftback plan` that is refused ({ moved, given, head }). */ planRefused: Render };
  /** The text format for terminals (issue 17): `drift` and `scan --format text` (values through the terminal escaper). */
  text: {
    driftItems: Render;
    /** The table's column headers, one a line: resource, attribute, class, kind, recorded, live. */
    driftColumns: Render;
    /** `backport --format text`: the pull requests with their diffs, the summary last; the headers of a real run's table of pull requests. */
    backport: Render;
    backportColumns: Render;
    /** `parity --format text`: groups, tables, the summary last; the tables' fixed headers; a difference's Why cell. */
    parity: Render;
    parityColumns: Render;
    parityWhy: Render;
    /** `codify --format text`: each drift's outcome and diff, the summary last. */
    codify: Render;
    /** `preview --format text`: the changed resources and their attributes, the `Plan:` line last; the table's headers. */
    preview: Render;
    previewColumns: Render;
    /** `align --format text`: value, members, verification, diffs, the summary last; the member table's headers and outcome words. */
    align: Render;
    alignColumns: Render;
    /** `incidents --format text`: the table, the summary last; its headers. */
    incidents: Render;
    incidentsColumns: Render;
    /** `expect --format text`: the config's diff, the summary last. */
    expect: Render;
  };
  /** The `error` messages of driftback's HTTP endpoints (JSON answers: values are made printable by the caller). */
  http: {
    bodyTooLarge: Render;
    malformedRequest: Render;
    scanOff: Render;
    scanMethod: Render;
    scanUnauthorized: Render;
    scanBadRepo: Render;
    /** POST /driftback/incidents/<source>: unknown source, webhook off, wrong method, refused delivery, body not JSON. */
    incidentUnknown: Render;
    incidentOff: Render;
    incidentMethod: Render;
    incidentUnauthorized: Render;
    incidentMalformed: Render;
    /** GET /readyz answered 503: shutting down, Redis not answering, the app not loaded yet. */
    notReadyShuttingDown: Render;
    notReadyRedis: Render;
    notReadyLoading: Render;
  };
}
