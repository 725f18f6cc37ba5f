import type { SwitchAction } from "../policy/decide.js";
import type { Templates } from "../templates.js";
import { encodeMarker, lastLine, parseMarker, type BackportMarker } from "./marker.js";
import type { BackportIgnoredView } from "./view-types.js";

export type { BackportIgnoredView } from "./view-types.js";

/** A slash command a writer may give on a backport pull request (`/driftback plan` has its own handler). */
export type BackportCommand = SwitchAction | "ignore";

const COMMAND = /^\/driftback\s+(codify|revert|ignore)\s*$/m;

/** The command a comment gives, on a line of its own; undefined for anything else. */
export function parseBackportCommand(comment: string | null | undefined): BackportCommand | undefined {
  const match = typeof comment === "string" ? COMMAND.exec(comment) : null;
  return match ? (match[1] as BackportCommand) : undefined;
}

/** The marker after the command: a switch pins the action, an ignore names who ignored it. Unchanged input gives an equal marker. */
export function markerAfter(marker: BackportMarker, command: BackportCommand, login: string): BackportMarker {
  // the first person to ignore it stays named
  if (command === "ignore") return marker.ignoredBy ? marker : { ...marker, ignoredBy: login };
  return marker.override === command ? marker : { ...marker, override: command };
}

/**
 * The body with the marker on its last line replaced by `marker` (sealed with the current key) and
 * every other byte kept; undefined when the last line is no marker driftback trusts (a person edited
 * it away, or its seal is forged).
 */
export function withMarker(body: string, marker: BackportMarker): string | undefined {
  if (!parseMarker(body)) return undefined;
  const line = lastLine(body);
  const end = body.trimEnd().length;
  return body.slice(0, end - line.length) + encodeMarker(marker) + body.slice(end);
}

/** The comment that goes with closing a pull request on `/driftback ignore`. */
export function renderBackportIgnored(view: BackportIgnoredView, templates: Pick<Templates, "backportIgnored">): string {
  return templates.backportIgnored(view).trim();
}
