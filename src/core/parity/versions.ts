import path from "node:path";
import type { Node, Tree } from "web-tree-sitter";
import { evaluateExpression, objectElements, objectKey } from "../hcl/evaluate.js";
import { localModuleDir } from "../hcl/module-calls.js";
import { attributeExpression, attributeName, blockBody, blockType, bodyAttributes, bodyBlocks, collectionOf, findAttribute, topLevelBlocks } from "../hcl/syntax.js";
import type { ParseHcl } from "../hcl/workspace.js";
import { firstErrorLine, parseLockFile, providerAddress } from "./lock-file.js";
import type { ParityGroup, VersionRow } from "./types.js";

/**
 * Version drift between parity members (issue 16, drift type 4): which terraform, providers and remote modules
 * each workspace pins, read from its files alone, and the rows where members disagree.
 */

/** The version of a remote module called with neither `version` nor `?ref=`: it follows whatever is newest. */
export const UNPINNED = "(none)";

export const LOCK_FILE = ".terraform.lock.hcl";

export interface WorkspaceVersions {
  /** `required_version` constraints of the root module (terraform { required_version }), joined if several; null when none. */
  terraform: string | null;
  /** Provider source address (normalized to `registry.terraform.io/hashicorp/aws`) -> locked version from .terraform.lock.hcl. */
  providers: Map<string, string>;
  /** Provider source -> constraints as written in required_providers of the root and its local modules (joined). */
  providerConstraints: Map<string, string>;
  /**
   * Module source without ref/version (`terraform-aws-modules/vpc/aws`, `git::https://github.com/acme/mods.git//net`)
   * -> version (registry `version`) or git `ref`, UNPINNED when the call has neither; several calls at different
   * versions are joined (newest first). Local modules are not listed.
   */
  modules: Map<string, string>;
  /** Files that could not be read (unparsable lock file...), with why. */
  problems: string[];
}

/** What one workspace's files declare, before joining. */
interface Collected {
  requiredVersions: Set<string>;
  constraints: Map<string, Set<string>>;
  modules: Map<string, Set<string>>;
  problems: string[];
}

/**
 * Versions of one workspace from the repository's files: repo-relative path -> text (the root's .tf files and its
 * `.terraform.lock.hcl`, and the .tf files of local modules it calls, transitively). A .tf file that is not valid
 * HCL is skipped and named in `problems`. Pure.
 */
export function workspaceVersions(parse: ParseHcl, files: ReadonlyMap<string, string>, rootDir: string): WorkspaceVersions {
  const root = normalizeDir(rootDir);
  const byDir = tfFilesByDir(files);
  const collected: Collected = { requiredVersions: new Set(), constraints: new Map(), modules: new Map(), problems: [] };
  const dirs = [root];
  const seen = new Set(dirs);
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[i]!;
    const dirFiles = byDir.get(dir) ?? [];
    if (dirFiles.length === 0 && dir !== root) collected.problems.push(`${dir}: a local module the workspace calls, but no .tf file of it was given`);
    for (const file of dirFiles) {
      for (const called of readConfigFile(parse, file, files.get(file)!, dir === root, collected)) {
        const local = localModuleDir(dir, called);
        const calledDir = local === undefined ? undefined : normalizeDir(local); // `../` normalizes to `modules/app/`
        if (calledDir !== undefined && !seen.has(calledDir)) {
          seen.add(calledDir);
          dirs.push(calledDir);
        }
      }
    }
  }
  return {
    terraform: collected.requiredVersions.size > 0 ? [...collected.requiredVersions].sort().join(", ") : null,
    providers: lockedVersions(parse, files, root, collected.problems),
    // constraints combine as AND, so joining them sorted is one canonical form for the same set
    providerConstraints: joinEach(collected.constraints, (values) => [...values].sort().join(", ")),
    modules: joinEach(collected.modules, (values) => [...values].sort(newestFirst).join(", ")),
    problems: collected.problems,
  };
}

/** Reads one .tf file into `collected`; returns the sources of the modules it calls. */
function readConfigFile(parse: ParseHcl, file: string, source: string, isRoot: boolean, collected: Collected): string[] {
  // the same module files are read for every workspace calling them: what a text says is kept per text and role
  const cacheKey = `${isRoot ? "root" : "module"}\u0000${source}`;
  let facts = factsByText.get(cacheKey);
  if (!facts) {
    const own: Collected = { requiredVersions: new Set(), constraints: new Map(), modules: new Map(), problems: [] };
    const tree = parseOrProblem(parse, file, source, own.problems);
    const called: string[] = [];
    if (tree) {
      try {
        for (const block of topLevelBlocks(tree)) {
          const type = blockType(block);
          if (type === "terraform") readTerraformBlock(blockBody(block), isRoot, own);
          if (type === "module") {
            const call = readModuleCall(blockBody(block));
            if (call === undefined) continue;
            if (call.source.startsWith("./") || call.source.startsWith("../")) called.push(call.source); // as localModuleDir decides
            else addTo(own.modules, call.key, call.version);
          }
        }
      } finally {
        tree.delete();
      }
    }
    facts = { own, called };
    // a problem names its file: only problem-free texts are shared between files
    if (own.problems.length === 0) {
      if (factsByText.size >= FACTS_CACHED) factsByText.clear();
      factsByText.set(cacheKey, facts);
    }
  }
  for (const version of facts.own.requiredVersions) collected.requiredVersions.add(version);
  for (const [key, values] of facts.own.constraints) for (const value of values) addTo(collected.constraints, key, value);
  for (const [key, values] of facts.own.modules) for (const value of values) addTo(collected.modules, key, value);
  collected.problems.push(...facts.own.problems);
  return facts.called;
}

const factsByText = new Map<string, { own: Collected; called: string[] }>();
const FACTS_CACHED = 4_096;

/** Empties that cache: a benchmark's cold run. */
export function forgetVersionFacts(): void {
  factsByText.clear();
}

function parseOrProblem(parse: ParseHcl, file: string, source: string, problems: string[]): Tree | undefined {
  let tree: Tree;
  try {
    tree = parse(source);
  } catch (error) {
    problems.push(`${file}: could not be parsed (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  if (!tree.rootNode.hasError) return tree;
  problems.push(`${file}: is not valid HCL (${firstErrorLine(tree.rootNode)}), so its versions were not read`);
  tree.delete();
  return undefined;
}

function readTerraformBlock(body: Node | undefined, isRoot: boolean, collected: Collected): void {
  const required = isRoot ? literalString(findAttribute(body, "required_version")) : undefined;
  if (required !== undefined) collected.requiredVersions.add(required);
  for (const block of bodyBlocks(body, "required_providers")) {
    for (const attribute of bodyAttributes(blockBody(block))) {
      const entry = requiredProvider(attributeName(attribute), attributeExpression(attribute));
      if (entry.version !== undefined) addTo(collected.constraints, providerAddress(entry.source), entry.version);
    }
  }
}

/** `aws = { source = "hashicorp/aws", version = "~> 5.0" }`, or the old `aws = "~> 5.0"` (source implied: hashicorp/aws). */
function requiredProvider(localName: string, expression: Node): { source: string; version?: string } {
  const object = collectionOf(expression, "object");
  if (!object) return { source: localName, version: literalValue(expression) };
  // element by element: `configuration_aliases = [aws.east]` is no literal, but must not hide the rest
  const fields = new Map(objectElements(object).map((element) => [objectKey(element.key), element.value]));
  const source = fields.get("source");
  const version = fields.get("version");
  return { source: (source && literalValue(source)) ?? localName, version: version && literalValue(version) };
}

/** A module call's source split into the key rows use and its version; undefined when the source is no literal. */
function readModuleCall(body: Node | undefined): { source: string; key: string; version: string } | undefined {
  const source = literalString(findAttribute(body, "source"));
  if (!source) return undefined;
  const { key, ref } = splitRef(source);
  return { source, key, version: ref ?? literalString(findAttribute(body, "version")) ?? UNPINNED };
}

/**
 * `git::https://github.com/acme/mods.git//net?ref=v1.4.0` -> key `git::https://github.com/acme/mods.git//net`, ref `v1.4.0`.
 * Other query parameters (`depth=1`) stay in the key: they are part of where the code comes from.
 */
export function splitRef(source: string): { key: string; ref?: string } {
  const query = source.indexOf("?");
  if (query === -1) return { key: source };
  const params = source.slice(query + 1).split("&");
  const ref = params.find((param) => param.startsWith("ref="));
  const rest = params.filter((param) => param !== ref);
  const key = source.slice(0, query) + (rest.length > 0 ? `?${rest.join("&")}` : "");
  return ref === undefined ? { key } : { key, ref: decodeParam(ref.slice("ref=".length)) };
}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray `%` is taken as written
  }
}

function lockedVersions(parse: ParseHcl, files: ReadonlyMap<string, string>, root: string, problems: string[]): Map<string, string> {
  const file = path.posix.join(root, LOCK_FILE);
  const text = files.get(file);
  if (text === undefined) return new Map(); // not committed: the provider rows say "unlocked"
  const lock = parseLockFile(parse, text);
  if (lock.problem) problems.push(`${file}: ${lock.problem}`);
  return new Map([...lock.providers].map(([address, locked]) => [address, locked.version]));
}

/**
 * Rows whose values differ between the group's members (by member id; members of one workspace share its versions):
 * terraform, then providers, then modules, each by name. A row's `values` keys are in display order, newest first
 * (see newestFirst); JavaScript puts integer-like keys (a member id `2`) first whatever the order. A member whose
 * workspace has no entry in `versions` is left out.
 */
export function versionRows(group: ParityGroup, versions: ReadonlyMap<string /* workspace */, WorkspaceVersions>): VersionRow[] {
  const members = group.members.flatMap((member) => {
    const known = versions.get(member.workspace);
    return known ? [{ id: member.id, versions: known }] : []; // the caller lists it as unknown
  });
  const rows: VersionRow[] = [];
  const addRow = (kind: VersionRow["kind"], name: string, valueOf: (v: WorkspaceVersions) => string | null) => {
    const entries = members.map((member): [string, string | null] => [member.id, valueOf(member.versions)]);
    if (new Set(entries.map(([, value]) => value)).size < 2) return;
    // stable sort: members with equal versions keep the group's order
    entries.sort(([, a], [, b]) => newestFirst(a, b));
    rows.push({ kind, name, values: Object.fromEntries(entries) });
  };
  addRow("terraform", "required_version", (v) => v.terraform);
  for (const source of namesOf(members, (v) => [...v.providers.keys(), ...v.providerConstraints.keys()])) addRow("provider", source, (v) => providerValue(v, source));
  for (const source of namesOf(members, (v) => v.modules.keys())) addRow("module", source, (v) => v.modules.get(source) ?? null);
  return rows;
}

/** `5.31.0 (~> 5.0)`: the locked version, then the constraints the code writes; `unlocked (~> 5.0)` without a lock entry. */
export function providerValue(versions: WorkspaceVersions, source: string): string | null {
  const locked = versions.providers.get(source);
  const constraints = versions.providerConstraints.get(source);
  if (locked === undefined) return constraints === undefined ? null : `unlocked (${constraints})`;
  return constraints === undefined ? locked : `${locked} (${constraints})`;
}

function namesOf(members: { versions: WorkspaceVersions }[], namesIn: (v: WorkspaceVersions) => Iterable<string>): string[] {
  const names = new Set(members.flatMap((member) => [...namesIn(member.versions)]));
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The first version number in a value (`v1.4.0`, `5.31.0 (~> 5.0)`, `>= 1.5`, `1.5.0-beta1`), as its numbers and
 * whether it is a pre-release; undefined for a value without one (a branch name, a commit hash, UNPINNED).
 */
export function versionNumbers(value: string): { numbers: number[]; prerelease: boolean } | undefined {
  const match = /(?<![\w.-])v?(\d+(?:\.\d+)*)(-[0-9A-Za-z.-]+)?(?![\w.])/.exec(value);
  return match ? { numbers: match[1]!.split(".").map(Number), prerelease: match[2] !== undefined } : undefined;
}

/**
 * Sort order of version values, newest first: by their first version number (missing parts count as 0, a
 * pre-release before its release), then values without a number, then null (a member without it). Values
 * that compare equal return 0, so a stable sort keeps their order.
 */
export function newestFirst(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  const va = versionNumbers(a);
  const vb = versionNumbers(b);
  if (!va || !vb) return va ? -1 : vb ? 1 : 0;
  for (let i = 0; i < Math.max(va.numbers.length, vb.numbers.length); i++) {
    const difference = (vb.numbers[i] ?? 0) - (va.numbers[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return Number(va.prerelease) - Number(vb.prerelease);
}

function literalString(attribute: Node | undefined): string | undefined {
  return attribute ? literalValue(attributeExpression(attribute)) : undefined;
}

function literalValue(expression: Node): string | undefined {
  const value = evaluateExpression(expression);
  return value.kind === "literal" && typeof value.value === "string" ? value.value : undefined;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const values = map.get(key);
  if (values) values.add(value);
  else map.set(key, new Set([value]));
}

function joinEach(map: Map<string, Set<string>>, join: (values: Set<string>) => string): Map<string, string> {
  return new Map([...map].map(([key, values]) => [key, join(values)]));
}

function normalizeDir(dir: string): string {
  const normalized = path.posix.normalize(dir === "" ? "." : dir);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** Repo-relative .tf files by their dir, each dir's files sorted (terraform reads a dir's files in name order). */
function tfFilesByDir(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const byDir = new Map<string, string[]>();
  for (const file of [...files.keys()].sort()) {
    if (!file.endsWith(".tf")) continue;
    const dir = path.posix.dirname(path.posix.normalize(file));
    const list = byDir.get(dir);
    if (list) list.push(file);
    else byDir.set(dir, [file]);
  }
  return byDir;
}
