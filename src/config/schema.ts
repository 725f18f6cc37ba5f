import path from "node:path";
import { Cron } from "croner";
import { z } from "zod";

/** The masks that always apply live with the masking itself, in core; the config only adds to them. */
export { DEFAULT_MASKED_ATTRIBUTES, DEFAULT_MASKED_VALUES } from "../core/render/mask.js";
import { maskPatternProblem } from "../core/render/mask.js";

const DURATION = /^(\d+)(ms|s|m|h)$/;

/** A path inside the repository: relative, and never climbing out of it. */
const repoRelativePath = z
  .string()
  .min(1)
  .refine((value) => !path.posix.isAbsolute(value) && !path.win32.isAbsolute(value), {
    message: "must be a path relative to the repository root, not an absolute path",
  })
  .refine((value) => !path.posix.normalize(value.replaceAll("\\", "/")).startsWith(".."), {
    message: "must stay inside the repository (it climbs out with '..')",
  });

/**
 * A duration such as "20m", bounded: every timeout becomes a Node timer, which holds at most
 * 2^31-1 ms (24.8 days) and fires after 1 ms when given more, killing every plan at once.
 */
const duration = (bounds: { min: string; max: string; why: string }) =>
  z
    .string()
    .regex(DURATION, { message: 'must be a duration such as "90s", "20m" or "1h"' })
    .refine((value) => !DURATION.test(value) || durationToMs(value) >= durationToMs(bounds.min), {
      message: `must be at least ${bounds.min}`,
    })
    .refine((value) => !DURATION.test(value) || durationToMs(value) <= durationToMs(bounds.max), {
      message: `must be at most ${bounds.max}: ${bounds.why}`,
    });

/** A `mask.values` pattern: RE2 syntax (linear time, see maskPatternProblem); the message names the pattern. */
const regexSource = z.string().superRefine((value, ctx) => {
  const problem = maskPatternProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value.slice(0, 200))} is not a usable pattern: ${problem}` });
});

export const workspaceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "must be letters, digits, '.', '_' or '-'" })
      .describe("Unique name, shown in the comment and in the check run `driftback: <name>`."),
    dir: repoRelativePath.describe("Directory of the root module, relative to the repository root."),
    workspace: z.string().min(1).default("default").describe("Terraform workspace to select (TF_WORKSPACE)."),
    var_files: z.array(repoRelativePath).default([]).describe("-var-file arguments, relative to `dir`."),
    backend_config: z.array(repoRelativePath).default([]).describe("-backend-config files for init, relative to `dir`."),
    autoplan: z
      .array(z.string().min(1))
      .default([])
      .describe("Extra globs (relative to the repository root) whose changes also plan this workspace."),
    tier: z.enum(["dev", "staging", "prod", "shared"]).default("dev").describe("Environment tier; sets drift severity."),
  })
  .superRefine((workspace, ctx) => {
    for (const [field, files] of [["var_files", workspace.var_files], ["backend_config", workspace.backend_config]] as const) {
      files.forEach((file, index) => {
        if (path.posix.normalize(path.posix.join(workspace.dir, file)).startsWith("..")) {
          ctx.addIssue({ code: "custom", path: [field, index], message: "must stay inside the repository once joined to `dir`" });
        }
      });
    }
  });

/** A cron expression croner can read ("0 * * * *"); five or six fields. */
const cronExpression = z.string().refine(
  (value) => {
    try {
      new Cron(value, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron expression such as "0 * * * *" (hourly)' },
);

const ignoreRule = z
  .strictObject({
    type: z.string().min(1).optional().describe("Resource type glob, e.g. `aws_autoscaling_group`."),
    address: z.string().min(1).optional().describe("Resource address glob, e.g. `module.legacy.*`."),
    attribute: z.string().min(1).optional().describe("Attribute path glob, e.g. `tags.*` or `desired_capacity`."),
  })
  .refine((rule) => rule.type !== undefined || rule.address !== undefined || rule.attribute !== undefined, {
    message: "needs at least one of type, address or attribute",
  });

/** A difference parity expects by design: `drift.ignore`'s globs without `type` (a module input has none). */
const expectedRule = z
  .strictObject({
    address: z
      .string()
      .min(1)
      .optional()
      .describe("Resource address glob: inside the shared module (`aws_s3_bucket.*`), the full address in a group of whole workspaces, or `module.<call>` for a module input."),
    attribute: z.string().min(1).optional().describe("Attribute path glob (`*` crosses dots), e.g. `tags.Owner`, `env.*_HOST` or a module input's name such as `region`."),
  })
  .refine((rule) => rule.address !== undefined || rule.attribute !== undefined, {
    message: "needs at least one of address or attribute",
  });

const parityGroup = z
  .strictObject({
    name: z.string().min(1).describe("Unique group name, shown in the parity report."),
    workspaces: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Workspace names or globs (`prod-*`): the matching workspaces are compared whole. Give this or `module`."),
    module: z
      .string()
      .min(1)
      .optional()
      .describe("A module source: a local module's repo-relative dir (`modules/service`), or a registry or git source without `?ref=` and version. Every instance of it in the workspaces is compared. Give this or `workspaces`."),
    expected: z.array(expectedRule).optional().describe("Differences expected by design, added to the defaults (names, ids, ARNs, endpoints, hosts, URLs, regions, zones, CIDRs, the Name/Environment/env/stage tags)."),
    expected_only: z.array(expectedRule).optional().describe("Differences expected by design, replacing the defaults. Not together with `expected`."),
  })
  .superRefine((group, ctx) => {
    if (group.workspaces === undefined && group.module === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "needs `workspaces` (names or globs) or `module` (a module source): one of them says what the group compares" });
    }
    if (group.workspaces !== undefined && group.module !== undefined) {
      ctx.addIssue({ code: "custom", path: ["module"], message: "cannot be given together with `workspaces`: a group compares either listed workspaces or the instances of one module" });
    }
    if (group.expected !== undefined && group.expected_only !== undefined) {
      ctx.addIssue({ code: "custom", path: ["expected_only"], message: "cannot be given together with `expected`: `expected` adds to the defaults, `expected_only` replaces them" });
    }
  });

export const DRIFT_TAXONOMIES = ["configuration", "policy", "resource"] as const;
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const BACKPORT_ACTIONS = ["codify", "revert", "ignore"] as const;

/** One value or a list of them (`severity: high` or `severity: [high, critical]`); a list matches any of its values. */
const oneOrMany = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.enum(values), z.array(z.enum(values)).min(1)], { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}, or a list of them` });

const backportRule = z
  .strictObject({
    workspace: z.string().min(1).optional().describe("Workspace name glob, e.g. `prod` or `prod-*`."),
    type: z.string().min(1).optional().describe("Resource type glob, e.g. `aws_security_group*`."),
    address: z.string().min(1).optional().describe("Resource address glob, e.g. `module.network.*`."),
    attribute: z.string().min(1).optional().describe("Attribute path glob, e.g. `tags.*`; a whole deleted resource has the empty path."),
    taxonomy: oneOrMany(DRIFT_TAXONOMIES).optional().describe("configuration, policy or resource (one or a list)."),
    severity: oneOrMany(SEVERITIES).optional().describe("low, medium, high or critical (one or a list); from the workspace's tier, policy drift one step worse."),
    action: z.enum(BACKPORT_ACTIONS).describe("codify: write the live value into the code; revert: merging restores the declared value; ignore: never open a pull request."),
  })
  .refine((rule) => [rule.workspace, rule.type, rule.address, rule.attribute, rule.taxonomy, rule.severity].some((matcher) => matcher !== undefined), {
    message: "needs at least one of workspace, type, address, attribute, taxonomy or severity besides action",
  });

/** A branch name git and GitHub accept (git check-ref-format, the common subset). */
const branchName = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !/[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|^[/.-]|[/.]$|\.lock$|\/\./.test(value), {
    message: "must be a valid branch name (no spaces, `..`, `~^:?*[\\`, leading `-` or `.`, trailing `/`, `.` or `.lock`)",
  });

const githubLogin = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, { message: "must be a GitHub user login such as `octocat`" });
const teamSlug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "must be a team slug such as `platform-team`, without the organisation" });

/** Incident sources and correlation. Tokens and webhook secrets come from the environment only (see README). */
const incidentsSchema = z
  .strictObject({
    github: z
      .strictObject({
        repo: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, { message: 'must be "owner/name"' }).describe("Repository whose issues are incidents: one of the same owner (the same installation), read and written with the App's token of that installation."),
        label: z.string().min(1).max(50).default("incident").describe("Label that marks an issue as an incident."),
      })
      .optional()
      .describe("GitHub issues as incidents, read and written with the App's own token."),
    pagerduty: z
      .strictObject({
        service_ids: z.array(z.string().regex(/^[A-Z0-9]+$/, { message: "must be a PagerDuty service id such as P123ABC" })).default([]).describe("Only these services' incidents; empty: every service the operator's PAGERDUTY_SERVICE_ALLOWLIST allows this owner. A service outside that allowlist leaves PagerDuty out."),
        from: z.email({ message: "must be the email of a PagerDuty user" }).optional().describe("Email of the PagerDuty user that follow-up notes are written as (PagerDuty's `From` header); without it no note is written."),
      })
      .optional()
      .describe("PagerDuty incidents (REST API v2); PAGERDUTY_API_TOKEN, PAGERDUTY_WEBHOOK_SECRETS."),
    jira: z
      .strictObject({
        site: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i, { message: "must be a host name such as acme.atlassian.net" })
          .optional()
          .describe("Optional: the Jira Cloud site this repository expects. The credentials only ever go to the operator's JIRA_SITE; a different site here leaves Jira out."),
        jql: z
          .string()
          .min(1)
          .refine((value) => !/\border\s+by\b/i.test(value), { message: "must not contain ORDER BY (driftback adds its own time window)" })
          .describe('Which issues are incidents, e.g. "project = INC".'),
      })
      .optional()
      .describe("Jira Cloud issues as incidents (REST API v3) on the operator's JIRA_SITE; JIRA_EMAIL, JIRA_API_TOKEN, JIRA_WEBHOOK_SECRET."),
    incident_io: z.strictObject({}).optional().describe("incident.io incidents (API v2, at api.incident.io only); INCIDENT_IO_API_KEY, INCIDENT_IO_WEBHOOK_SECRET."),
    tag_keys: z.array(z.string().min(1)).default(["incident", "ticket", "change"]).describe("Tag or label keys on a live resource that name the incident behind a change (exact evidence)."),
    services: z.record(z.string().min(1), z.array(z.string().min(1))).default({}).describe("Incident service or component -> the workspaces it runs in."),
    threshold: z.number().min(0).max(1).default(0.5).describe("Lowest confidence (0 to 1) at which an incident is linked to a drift."),
    poll: duration({ min: "1m", max: "24h", why: "a resolved incident should be reconciled the same day" })
      .default("5m")
      .describe("How often sources without a webhook are asked for resolved incidents (1m to 24h)."),
    break_glass_grace: duration({ min: "1m", max: "168h", why: "drift left a week after its window is overdue by any measure" })
      .default("24h")
      .describe("How long drift from an ended break-glass window may stay unreconciled before the dashboard raises its severity one step (1m to 168h)."),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    binary: z.enum(["terraform", "tofu"]).default("terraform").describe("Which CLI plans the workspaces."),
    parallelism: z.int().min(1).max(16).default(4).describe("How many workspaces of one pull request plan at once."),
    workspaces: z.array(workspaceSchema).min(1).describe("The root modules driftback plans."),
    plan: z
      .strictObject({
        timeout: duration({ min: "1s", max: "24h", why: "no plan should run longer" })
          .default("20m")
          .describe("Longest a single init, plan or show may run before it is killed (1s to 24h)."),
        lock_timeout: duration({ min: "0s", max: "1h", why: "a plan waiting longer for the state lock blocks every other plan of the workspace" })
          .default("2m")
          .describe("Passed to -lock-timeout (0s to 1h; 0s, terraform's default, fails at once when the state is locked)."),
        forks: z
          .enum(["comment-only", "plan"])
          .default("comment-only")
          .describe("comment-only: fork PRs are planned only after `/driftback plan` from a user with write access."),
        drafts: z.boolean().default(true).describe("Plan draft pull requests; when false they are planned once ready for review."),
      })
      .prefault({})
      .describe("How pull requests are planned."),
    mask: z
      .strictObject({
        attributes: z.array(z.string().min(1)).default([]).describe("Extra attribute-name globs whose values are hidden."),
        values: z.array(regexSource).default([]).describe("Extra regular expressions in RE2 syntax (linear time: no lookaround, no backreferences); a string value one matches is hidden, and so is any value over 65,536 characters."),
      })
      .prefault({})
      .describe("Secrets a provider does not mark sensitive. Defaults always apply."),
    drift: z
      .strictObject({
        schedule: cronExpression.default("0 * * * *").describe("When to scan the default branch (cron, UTC). A per-repository jitter spreads scans out."),
        ignore: z.array(ignoreRule).default([]).describe("Drift that is expected and never reported: resource type, address and attribute globs."),
      })
      .prefault({})
      .describe("Scheduled drift detection on the default branch."),
    backport: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Open pull requests that codify or revert each real drift."),
        rules: z
          .array(backportRule)
          .default([])
          .describe("First match wins. Without a match: policy drift (IAM, firewalls, public access, encryption) and deleted resources are reverted, the rest codified."),
        group_by: z.enum(["resource", "workspace", "incident"]).default("resource").describe("resource: one pull request per drifted resource; workspace: one per workspace; incident: one per incident and workspace (drift with no incident: per resource)."),
        draft: z.boolean().default(false).describe("Open backport pull requests as drafts."),
        labels: z.array(z.string().min(1).max(50)).default([]).describe("Labels added to every backport pull request, besides `drift` and `drift:codify` / `drift:revert`."),
        reviewers: z.array(githubLogin).default([]).describe("Users asked to review each backport pull request."),
        team_reviewers: z.array(teamSlug).default([]).describe("Teams (slugs) asked to review each backport pull request."),
        max_open: z.int().min(0).default(10).describe("Most backport pull requests open at once (0: no limit); the rest wait, and the dashboard says so."),
        base: branchName.optional().describe("Branch the pull requests target; default the repository's default branch."),
        verify: z.boolean().default(true).describe("Plan the edited code, targeted at the drifted resources, before opening a codify pull request; a codify that still plans a change becomes a revert."),
        records: z.boolean().default(true).describe("Commit a drift record file with each codify pull request (revert pull requests always carry one)."),
        records_dir: repoRelativePath.default(".driftback/drift").describe("Where drift records go: `<records_dir>/<workspace>/<fingerprint>.md`, relative to the repository root."),
      })
      .prefault({})
      .describe("Backport pull requests: codify or revert each real drift."),
    apply: z
      .strictObject({
        on_merge: z.boolean().default(false).describe("true: after a revert pull request is merged, driftback plans and applies it; false: your pipeline applies on merge."),
      })
      .prefault({})
      .describe("What happens when a backport pull request is merged."),
    incidents: incidentsSchema.describe("Incident sources, correlation and the follow-up on incidents."),
    parity: z
      .array(parityGroup)
      .default([])
      .describe("Environment parity groups besides the automatic ones (workspaces calling one module): workspaces or module instances meant to be alike."),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.workspaces.forEach((workspace, index) => {
      const first = seen.get(workspace.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["workspaces", index, "name"],
          message: `duplicates the name of workspaces[${first}]; every workspace needs its own name`,
        });
      }
      seen.set(workspace.name, index);
    });
    const groups = new Map<string, number>();
    config.parity.forEach((group, index) => {
      const first = groups.get(group.name);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["parity", index, "name"], message: `duplicates the name of parity[${first}]; every parity group needs its own name` });
      } else groups.set(group.name, index);
    });
  });

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type WorkspaceConfig = Config["workspaces"][number];
export type BackportConfig = Config["backport"];
export type BackportRule = BackportConfig["rules"][number];
export type IncidentsConfig = Config["incidents"];
export type ParityConfig = Config["parity"][number];

/** "20m" -> 1_200_000; the schema has already checked the shape. */
export function durationToMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
