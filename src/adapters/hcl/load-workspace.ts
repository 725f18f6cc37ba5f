import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { parseJsonSpans } from "../../core/hcl/json-var-file.js";
import { HclWorkspace } from "../../core/hcl/workspace.js";
import { escapeForOneLine } from "../../core/printable.js";
import { fsReason, LocalFileError, readLocalTextFile } from "../local-file.js";
import { loadHclParser, MAX_HCL_FILE_BYTES, type HclParser } from "./parser.js";
import { localModuleDir } from "../../core/hcl/module-calls.js";
import { isImplicitVarFile, varFilePath } from "../../core/hcl/var-files.js";

export interface LoadWorkspaceOptions {
  /** Absolute directory a symbolic link's target must stay inside to be followed; repoRoot by default. */
  boundary?: string;
  /** Skip files that cannot be read (missing, too large, linking outside) instead of failing: module discovery is best effort. */
  skipUnreadable?: boolean;
  /**
   * Texts already read from this checkout's real files (readRepoSources, which follows no link): used instead of
   * reading them again. A file it lacks (a var file, one reached through a link) is read and checked as usual.
   */
  sources?: ReadonlyMap<string, string>;
}

/**
 * Reads a workspace: the root module's .tf files and var files (configured, *.auto.tfvars,
 * terraform.tfvars and their .json forms; the root's other *.tfvars are kept unread by terraform,
 * see HclWorkspace.varFileOrder), then every local module it calls (`source = "./…"` or `"../…"`, in .tf or
 * .tf.json), transitively. `dir` and all paths are relative to `repoRoot`; modules outside it are skipped.
 * `unparsable` lists the files tree-sitter found syntax errors in.
 */
export async function loadWorkspace(
  parser: HclParser,
  repoRoot: string,
  dir: string,
  varFiles: readonly string[] = [],
  options: LoadWorkspaceOptions = {},
): Promise<{ workspace: HclWorkspace; moduleDirs: string[]; unparsable: string[] }> {
  const rootDir = path.posix.normalize(dir.replaceAll("\\", "/"));
  // indexing parses every .tf file once anyway: note which ones have syntax errors as it goes
  const unparsable = new Set<string>();
  let reading: string | undefined;
  const ws = new HclWorkspace(
    (source) => {
      const tree = parser.parse(source);
      if (reading !== undefined && tree.rootNode.hasError) unparsable.add(reading);
      return tree;
    },
    rootDir,
    varFiles,
  );
  const boundary = await realpath(options.boundary ?? repoRoot).catch(() => path.resolve(options.boundary ?? repoRoot));
  // a file whose real path is not where it was read from was reached through a link: never edited (HclWorkspace.linked)
  const links = { realRoot: await realpath(repoRoot).catch(() => path.resolve(repoRoot)), note: (file: string) => ws.linked.add(file) };
  const read = async (file: string) => {
    let source: string;
    try {
      source = options.sources?.get(file) ?? (await readSource(repoRoot, file, boundary, links));
    } catch (error) {
      if (options.skipUnreadable && error instanceof LocalFileError) return;
      throw error;
    }
    try {
      reading = file;
      ws.add(file, source);
      if (file.endsWith(".json")) {
        if (jsonProblem(source) !== undefined) unparsable.add(file);
      } else if (!file.endsWith(".tf") && ws.hasSyntaxError(file)) unparsable.add(file);
    } catch (error) {
      // the parser names no file: say which one it was reading
      throw new LocalFileError(file, `cannot parse ${shownPath(repoRoot, file)}: ${(error as Error).message}`, { cause: error });
    } finally {
      reading = undefined;
    }
  };
  const entries = await listDir(repoRoot, rootDir);
  for (const name of entries.filter((f) => f.endsWith(".tf") || isImplicitVarFile(f))) {
    await read(path.posix.join(rootDir, name));
  }
  for (const varFile of varFiles) {
    const file = varFilePath(rootDir, varFile);
    if (!ws.has(file)) await read(file);
  }
  // the root's other var files are not read by terraform unless named: kept to say which one a plan used (planned-inputs.ts)
  for (const name of entries.filter((f) => /\.tfvars(?:\.json)?$/.test(f))) {
    const file = path.posix.join(rootDir, name);
    if (ws.has(file)) continue;
    const source = await readSource(repoRoot, file, boundary, links).catch(() => undefined);
    if (source !== undefined) ws.add(file, source);
  }
  const queue = [rootDir];
  const seen = new Set(queue);
  const moduleDirs: string[] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const called = [...ws.moduleCalls(current).map((call) => call.dir), ...(await jsonModuleDirs(repoRoot, current, boundary))];
    for (const moduleDir of called) {
      if (!moduleDir || seen.has(moduleDir) || moduleDir.startsWith("..")) continue;
      seen.add(moduleDir);
      queue.push(moduleDir);
      moduleDirs.push(moduleDir);
      for (const name of (await listDir(repoRoot, moduleDir)).filter((f) => f.endsWith(".tf"))) await read(path.posix.join(moduleDir, name));
    }
  }
  return { workspace: ws, moduleDirs, unparsable: [...unparsable] };
}

/** The var files terraform reads without being told: terraform.tfvars, *.auto.tfvars and their .json forms. */
/** Why a JSON var file does not parse, or undefined. */
function jsonProblem(source: string): string | undefined {
  try {
    parseJsonSpans(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Repo-relative dirs of the local modules a root module calls, transitively (which PRs touch a workspace). */
export async function localModuleDirs(repoRoot: string, workspaceDir: string): Promise<string[]> {
  return (await loadWorkspace(await loadHclParser(), repoRoot, workspaceDir, [], { skipUnreadable: true })).moduleDirs;
}

/** Local module dirs called from a dir's .tf.json files: `module: { name: { source } }`. Unreadable files are skipped. */
async function jsonModuleDirs(repoRoot: string, dir: string, boundary: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of (await listDir(repoRoot, dir)).filter((f) => f.endsWith(".tf.json"))) {
    try {
      const doc = JSON.parse(await readSource(repoRoot, path.posix.join(dir, name), boundary)) as { module?: Record<string, { source?: unknown } | { source?: unknown }[]> };
      for (const block of Object.values(doc.module ?? {}).flatMap((b) => (Array.isArray(b) ? b : [b]))) {
        const source = block?.source;
        const local = typeof source === "string" ? localModuleDir(dir, source) : undefined;
        if (local) dirs.push(local);
      }
    } catch {
      // an unreadable file: terraform will say what is wrong with it
    }
  }
  return dirs;
}

/**
 * Reads one source file (`file` is relative to repoRoot). A symbolic link is followed when its
 * target stays inside `boundary` and refused by name otherwise: a pull request must not make
 * driftback read, or codify write, a file elsewhere on the machine.
 */
async function readSource(repoRoot: string, file: string, boundary: string, linked?: { realRoot: string; note: (file: string) => void }): Promise<string> {
  const absolute = path.join(repoRoot, file);
  const shown = shownPath(repoRoot, file);
  await lstat(absolute).catch((error: unknown) => {
    throw new LocalFileError(file, `cannot read ${shown}: ${fsReason(error)}`, { cause: error });
  });
  // a link anywhere on the way (the file, or a dir above it) is followed only inside the boundary
  const target = await realpath(absolute).catch((error: unknown) => {
    throw new LocalFileError(file, `${shown} is reached through a symbolic link that cannot be followed: ${fsReason(error)}`, { cause: error });
  });
  if (target !== boundary && !target.startsWith(`${boundary}${path.sep}`)) {
    throw new LocalFileError(file, `${shown} is a symbolic link (or lies under one) to a file outside ${escapeForOneLine(boundary)}; driftback does not follow it there: copy the file into the repository or link to a file inside it`);
  }
  if (linked && path.relative(linked.realRoot, target).split(path.sep).join("/") !== file) linked.note(file);
  return readLocalTextFile(absolute, {
    label: "source file",
    displayName: shown,
    maxBytes: MAX_HCL_FILE_BYTES,
    tooLargeAdvice: "split it into smaller files, or move generated data out of HCL (e.g. jsondecode(file(\"data.json\")))",
  });
}

/** A workspace file as messages name it: repo-relative, or absolute when the "repository" is the filesystem root; never with raw control characters. */
export function shownPath(repoRoot: string, file: string): string {
  return escapeForOneLine(path.parse(repoRoot).root === path.resolve(repoRoot) ? path.join(repoRoot, file) : file);
}

async function listDir(repoRoot: string, dir: string): Promise<string[]> {
  try {
    // links are listed too: readSource decides whether to follow them
    return (await readdir(path.join(repoRoot, dir), { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
