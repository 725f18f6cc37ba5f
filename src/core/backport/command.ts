import type { SwitchAction } from "../policy/decide.js";
import type { Templates } from "../templates.js";
import { encodeMarker, parseMarker, type BackportMarker } from "./marker.js";
import type { BackportIgnoredView } from "./view-types.js";

export type { BackportIgnoredView } from "./view-types.js";

/** A slash command a writer may give on a backport pull request (`/driftback plan` has its own handler). */
export type BackportCommand = SwitchAction | "ignore";

const COMMAND = /^\/driftback\s+(codify|revert|ignore)\s*$/m;
// the marker's framing, as encodeMarker writes it
const MARKER_PREFIX = "<!-- driftback:backport ";
const MARKER_SUFFIX = " -->";

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
 * The body with its first well-formed marker replaced by `marker` and every other byte kept; undefined
 * when the body carries no well-formed marker (a person edited it away).
 */
export function withMarker(body: string, marker: BackportMarker): string | undefined {
  let from = 0;
  for (;;) {
    const start = body.indexOf(MARKER_PREFIX, from);
    if (start === -1) return undefined;
    const end = body.indexOf(MARKER_SUFFIX, start + MARKER_PREFIX.length);
    if (end === -1) return undefined;
    const segment = body.slice(start, end + MARKER_SUFFIX.length);
    if (parseMarker(segment)) return body.slice(0, start) + encodeMarker(marker) + body.slice(end + MARKER_SUFFIX.length);
    from = start + MARKER_PREFIX.length;
  }
}

/** The comment that goes with closing a pull request on `/driftback ignore`. */
export function renderBackportIgnored(view: BackportIgnoredView, templates: Pick<Templates, "backportIgnored">): string {
  return templates.backportIgnored(view).trim();
}
