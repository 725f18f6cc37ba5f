import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";

export const CONFIG_PATH = ".github/driftback.yml";

/** One thing wrong with a config file, phrased for the person who has to fix it. */
export interface ConfigIssue {
  /** Field path such as `workspaces[0].dir`, or `(file)` for the whole file. */
  path: string;
  message: string;
  fix: string;
}

export type ConfigResult =
  | { ok: true; config: Config; source: string }
  | { ok: false; source: string; issues: ConfigIssue[] };

/** Validates an already-parsed config object. Pure: no I/O. */
export function validateConfig(raw: unknown, source: string = CONFIG_PATH): ConfigResult {
  const parsed = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data, source };
  return { ok: false, source, issues: parsed.error.issues.map(describeIssue) };
}

export function formatFieldPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || "(top level)";
}

function describeIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = formatFieldPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return {
        path,
        message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`,
        fix: "Remove it or correct its spelling; schema/driftback.schema.json lists every key.",
      };
    case "invalid_type":
      return {
        path,
        message: issue.input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${describeType(issue.input)}`,
        fix: issue.input === undefined ? `Add \`${path}\`.` : `Change \`${path}\` to a ${issue.expected}.`,
      };
    case "invalid_value":
      return {
        path,
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        fix: `Set \`${path}\` to one of the allowed values.`,
      };
    case "too_small":
    case "too_big":
      return { path, message: issue.message, fix: `Adjust \`${path}\`.` };
    default:
      return { path, message: issue.message, fix: `Correct \`${path}\`.` };
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
