import { diffLines } from "diff";

export interface LineChanges {
  removed: string[];
  added: string[];
}

/** Per file, the lines an edit removed and added (trimmed, in order): what a reviewer sees in the diff. */
export function lineChanges(before: ReadonlyMap<string, Buffer | string>, after: ReadonlyMap<string, Buffer | string>): Map<string, LineChanges> {
  const out = new Map<string, LineChanges>();
  for (const file of new Set([...before.keys(), ...after.keys()])) {
    const a = String(before.get(file) ?? "");
    const b = String(after.get(file) ?? "");
    if (a === b) continue;
    const changes: LineChanges = { removed: [], added: [] };
    for (const part of diffLines(a, b)) {
      const lines = part.value.split("\n").filter((line, i, all) => i < all.length - 1 || line !== "").map((line) => line.trim());
      if (part.removed) changes.removed.push(...lines);
      else if (part.added) changes.added.push(...lines);
    }
    out.set(file, changes);
  }
  return out;
}

/** Takes each of `expected` out of `lines` once; what is left over was not expected. */
export function withoutEach(lines: readonly string[], expected: readonly string[]): { missing: string[]; rest: string[] } {
  const rest = [...lines];
  const missing: string[] = [];
  for (const line of expected) {
    const at = rest.indexOf(line);
    if (at === -1) missing.push(line);
    else rest.splice(at, 1);
  }
  return { missing, rest };
}
