import { readLocalTextFile } from "../adapters/local-file.js";
import type { PlanModel } from "../core/plan/model.js";
import { isNewerFormat, KNOWN_FORMAT_MAJOR } from "../core/plan/parse.js";
import type { Templates } from "../templates.js";

/**
 * Largest plan JSON the CLI reads: V8 cannot hold a string over 512 MiB (2^29 - 24 UTF-16 units)
 * and a UTF-8 file decodes to at most one unit per byte, so 500 MiB always fits.
 */
export const MAX_PLAN_JSON_BYTES = 500 * 1024 * 1024;

/** Reads a `show -json` file the user named (by `label`: a flag or "plan file"), refusing directories, devices and oversized files by name. */
export function readPlanJson(file: string, label: string, options: { displayName?: string; maxBytes?: number } = {}): Promise<string> {
  return readLocalTextFile(file, {
    label,
    displayName: options.displayName,
    maxBytes: options.maxBytes ?? MAX_PLAN_JSON_BYTES,
    tooLargeAdvice: "plan a smaller part of the configuration (-target), or split the workspace",
  });
}

/** The line a CLI prints (to stderr, so stdout stays data) when a plan's format is newer than driftback knows. */
export function newerFormatNotice(model: PlanModel, templates: Templates): string | undefined {
  if (!isNewerFormat(model.formatVersion)) return undefined;
  return templates.formatNotice({ formatVersion: model.formatVersion, knownMajor: KNOWN_FORMAT_MAJOR });
}
