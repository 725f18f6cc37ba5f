import path from "node:path";
import { Cron } from "croner";
import { z } from "zod";

/** Attribute-name globs masked by default, on top of whatever a repo adds. */
export const DEFAULT_MASKED_ATTRIBUTES = ["*password*", "*secret*", "*token*", "*private_key*", "*access_key*"];
/** Value patterns masked by default: cloud keys and tokens a provider may not mark sensitive. */
export const DEFAULT_MASKED_VALUES = [
  "AKIA[0-9A-Z]{16}",
  "gh[pousr]_[A-Za-z0-9]{36,}",
  "github_pat_[A-Za-z0-9_]{22,}",
  "xox[abprs]-[A-Za-z0-9-]{10,}",
  "-----BEGIN [A-Z ]*PRIVATE KEY-----",
];

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

const duration = z.string().regex(DURATION, { message: 'must be a duration such as "90s", "20m" or "1h"' });

const regexSource = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a valid JavaScript regular expression" },
);

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

export const configSchema = z
  .strictObject({
    binary: z.enum(["terraform", "tofu"]).default("terraform").describe("Which CLI plans the workspaces."),
    parallelism: z.int().min(1).max(16).default(4).describe("How many workspaces of one pull request plan at once."),
    workspaces: z.array(workspaceSchema).min(1).describe("The root modules driftback plans."),
    plan: z
      .strictObject({
        timeout: duration.default("20m").describe("Longest a single init, plan or show may run before it is killed."),
        lock_timeout: duration.default("2m").describe("Passed to -lock-timeout."),
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
        values: z.array(regexSource).default([]).describe("Extra regular expressions; matching string values are hidden."),
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
  });

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type WorkspaceConfig = Config["workspaces"][number];

/** "20m" -> 1_200_000; the schema has already checked the shape. */
export function durationToMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
