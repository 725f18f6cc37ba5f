import type { JsonValue, PathStep } from "../plan/model.js";
import type { JsonAssignment } from "./json-var-file.js";
import { liftInput, othersAt, setIn, type LiftContext } from "./lift.js";
import type { Resolution } from "./resolution.js";

/**
 * Where a root variable set in a JSON var file is codified: that value's text, in place; or, when
 * other workspaces read that file too, this workspace's own var file (lift.ts).
 */
export function resolveJsonAssignment(lc: LiftContext, found: JsonAssignment | { refused: string }, steps: readonly PathStep[], live: JsonValue): Resolution {
  if ("refused" in found) return { kind: "refused", reason: found.refused };
  const shared = othersAt(lc, found.file, 0);
  if (!shared) return { kind: "json", file: found.file, name: found.name, steps: [...steps], via: `\`${found.name}\` in \`${found.file}\`` };
  const value = setIn(found.value, steps, live);
  if (value === undefined) return { kind: "refused", reason: `${shared}, and its value for \`${found.name}\` has no place for that path.` };
  return liftInput(lc, 0, found.name, found.value, value, [], shared);
}
