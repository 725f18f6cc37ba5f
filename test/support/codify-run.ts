import { codifyCommand } from "../../src/commands/codify.js";
import type { CodifyResult } from "../../src/usecases/codify-drift.js";
import { lineChanges, withoutEach, type LineChanges } from "./line-changes.js";
import { fileBytes } from "./sandbox.js";
import type { CodifyCase } from "./sandbox-workspaces.js";

export interface CodifyRun {
  results: CodifyResult[];
  before: Map<string, Buffer>;
  after: Map<string, Buffer>;
  changes: Map<string, LineChanges>;
}

/** `driftback codify --write` on a workspace dir, with every file's bytes before and after. */
export async function codifyWrite(dir: string, planJson: string, varFiles: string[]): Promise<CodifyRun> {
  const before = fileBytes(dir);
  const { results } = await codifyCommand({ cwd: dir, dir: ".", planJson, varFiles, write: true });
  const after = fileBytes(dir);
  return { results, before, after, changes: lineChanges(before, after) };
}

/** What is wrong with one case's share of a codify run (empty: nothing). */
export function caseProblems(run: CodifyRun, c: CodifyCase): string[] {
  const problems: string[] = [];
  const mine = run.results.filter((r) => c.addresses.includes(r.address) && !r.path.startsWith("tags_all"));
  if (mine.length === 0) problems.push(`no codify result for ${c.addresses.join(", ")}`);
  for (const r of mine) if (r.status !== "codified") problems.push(`${r.address} ${r.path} ${r.status === "refused" ? `refused: ${r.reason}` : "already up to date (the plan is older than the code?)"}`);
  for (const [file, expected] of Object.entries(c.diff)) {
    const changed = run.changes.get(file) ?? { removed: [], added: [] };
    for (const line of withoutEach(changed.removed, expected.removed).missing) problems.push(`${file}: expected the line \`${line}\` to be removed`);
    for (const line of withoutEach(changed.added, expected.added).missing) problems.push(`${file}: expected the line \`${line}\` to be added`);
  }
  return problems;
}

/** Changed lines no case expects: codify touched something it should not have. */
export function unexpectedLines(run: CodifyRun, cases: readonly CodifyCase[]): string[] {
  const out: string[] = [];
  for (const [file, changed] of run.changes) {
    const expected = cases.flatMap((c) => [c.diff[file]].filter((d) => d !== undefined));
    out.push(...withoutEach(changed.removed, expected.flatMap((d) => d.removed)).rest.map((line) => `${file}: -${line}`));
    out.push(...withoutEach(changed.added, expected.flatMap((d) => d.added)).rest.map((line) => `${file}: +${line}`));
  }
  return out;
}
