import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CASES_DIR = fileURLToPath(new URL("../fixtures/codify", import.meta.url));

export interface CaseDrift {
  address: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  sensitive?: string[];
  relevant?: (string | number)[][];
}

export interface CaseSpec {
  drift: CaseDrift[];
  var_files?: string[];
  expect: { path: string; status: "codified" | "refused"; address?: string; file?: string; reason?: string }[];
}

export function caseNames(): string[] {
  return readdirSync(CASES_DIR).filter((name) => existsSync(path.join(CASES_DIR, name, "case.json"))).sort();
}

export function readCase(name: string): CaseSpec {
  return JSON.parse(readFileSync(path.join(CASES_DIR, name, "case.json"), "utf8")) as CaseSpec;
}

/**
 * A plan JSON for the case's drift: resource_drift records the live values, resource_changes
 * reverts them (so every drifted attribute is actionable), relevant_attributes names the
 * attributes the code sets unless the case says otherwise.
 */
export function planFor(spec: CaseSpec): string {
  const typeAndName = (address: string) => {
    const parts = address.replace(/\[[^\]]*\]$/, "").split(".");
    return { type: parts.at(-2)!, name: parts.at(-1)! };
  };
  const marks = (keys: string[] = []) => Object.fromEntries(keys.map((k) => [k, true]));
  return JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.9.5",
    resource_drift: spec.drift.map((d) => ({ address: d.address, mode: "managed", ...typeAndName(d.address), change: { actions: ["update"], before: d.before, after: d.after, after_unknown: {}, before_sensitive: marks(d.sensitive), after_sensitive: marks(d.sensitive) } })),
    resource_changes: spec.drift.map((d) => ({ address: d.address, mode: "managed", ...typeAndName(d.address), change: { actions: ["update"], before: d.after, after: d.before, after_unknown: {}, before_sensitive: marks(d.sensitive), after_sensitive: marks(d.sensitive) } })),
    relevant_attributes: spec.drift.flatMap((d) =>
      (d.relevant ?? Object.keys(d.before).filter((k) => JSON.stringify(d.before[k]) !== JSON.stringify(d.after[k])).map((k) => [k])).map((attribute) => ({ resource: d.address, attribute })),
    ),
  });
}

/** A scratch copy of the case's `before/` tree with its plan.json beside it. */
export function scratchCopy(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `codify-${name}-`));
  cpSync(path.join(CASES_DIR, name, "before"), dir, { recursive: true });
  writeFileSync(path.join(dir, "plan.json"), planFor(readCase(name)));
  return dir;
}

/** Every file under dir except plan.json, relative path -> content (bytes as latin1 to keep CRLF visible). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub))) {
      const rel = sub ? `${sub}/${entry}` : entry;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else if (rel !== "plan.json") out.set(rel, readFileSync(path.join(dir, rel), "utf8"));
    }
  };
  walk("");
  return out;
}
