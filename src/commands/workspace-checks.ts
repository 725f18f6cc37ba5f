import { stat } from "node:fs/promises";
import { loadWorkspace, shownPath } from "../adapters/hcl/load-workspace.js";
import { loadHclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import { fsReason } from "../adapters/local-file.js";
import { noneDeclared } from "../core/hcl/declared.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import { escapeForOneLine } from "../core/printable.js";

/** Bad input from the command line or the files it names: one line for the user, exit code 1. */
export class CommandInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CommandInputError";
  }
}

/** `--dir` must name an existing directory; says what it is otherwise. */
export async function requireDirectory(dir: string, flag: string, displayName: string = dir): Promise<void> {
  const shown = escapeForOneLine(displayName);
  const info = await stat(dir).catch((error: unknown) => {
    throw new CommandInputError(`${flag} ${shown}: ${fsReason(error)}`, { cause: error });
  });
  if (!info.isDirectory()) throw new CommandInputError(`${flag} ${shown} is a file, not a directory; give the workspace's root module directory`);
}

/** Codify edits .tf files: a root module without any is the wrong --dir (or a .tf.json-only workspace). */
export function requireTfFiles(ws: HclWorkspace, dirLabel: string): void {
  if (!ws.moduleFiles(ws.rootDir).some((file) => file.endsWith(".tf"))) {
    throw new CommandInputError(`--dir ${escapeForOneLine(dirLabel)} has no .tf files; give the workspace's root module directory (codify edits .tf files, not .tf.json)`);
  }
}

/** Drift addresses shown in one line: the first few, then how many more. */
const SHOWN_ADDRESSES = 3;

/**
 * A workspace that declares none of the drifted resources is not the one the plan came from
 * (another --dir, or the plan of another workspace): every drift would be refused or reverted
 * blindly, so the command stops with one line. `where` names it: "--dir infra/prod".
 */
export function requireDeclaredDrift(ws: HclWorkspace, addresses: readonly string[], where: string): void {
  const missing = noneDeclared(ws, addresses);
  if (!missing) return;
  const shown = missing.slice(0, SHOWN_ADDRESSES).join(", ") + (missing.length > SHOWN_ADDRESSES ? `, and ${missing.length - SHOWN_ADDRESSES} more` : "");
  const count = missing.length === 1 ? "the drifted resource" : `any of the ${missing.length} drifted resources`;
  throw new CommandInputError(`${where} does not declare ${count} (${escapeForOneLine(shown)}); give the root module directory the plan was made from`);
}

/** The same check for a workspace not loaded yet (`backport`): unreadable files are skipped, and code that does not parse is left to the run to report. */
export async function requireDirDeclaresDrift(repoDir: string, dir: string, addresses: readonly string[], where: string): Promise<void> {
  if (addresses.length === 0) return;
  const { workspace, unparsable } = await loadWorkspace(await loadHclParser(), repoDir, dir, [], { skipUnreadable: true });
  if (unparsable.length === 0) requireDeclaredDrift(workspace, addresses, where);
}

/**
 * Terraform's own parser on the files tree-sitter flagged while indexing: one message per file that
 * really does not parse, with file, line and column ("main.tf:3,7-4,1: Invalid expression; …").
 * A workspace with any cannot be what terraform planned; the CLI exits non-zero on them.
 */
export async function workspaceParseErrors(ws: HclWorkspace, unparsable: readonly string[], toolchain: HclToolchain, repoRoot: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of unparsable) {
    const message = await toolchain.validate(shownPath(repoRoot, file), ws.source(file));
    if (message !== undefined) problems.push(message.replace(/^parse config: \[(.*)\]$/s, "$1"));
  }
  return problems;
}
