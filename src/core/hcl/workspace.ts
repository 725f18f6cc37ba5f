import path from "node:path";
import type { Node, Tree } from "web-tree-sitter";
import type { RepoView } from "../repo/view.js";
import type { JsonValue } from "../plan/model.js";
import { unquote } from "./evaluate.js";
import { moduleCallsIn, type ModuleCall } from "./module-calls.js";
import { attributeName, blockBody, blockLabels, blockType, findAttribute, topLevelAttributes, topLevelBlocks } from "./syntax.js";
import { isAutoVarFile, varFilePath } from "./var-files.js";

export type ParseHcl = (source: string) => Tree;

/** Syntax trees kept in memory at once; a 20,000-resource workspace would otherwise hold them all. */
const TREE_CACHE = 256;

/** The value terraform planned each root variable with: the plan JSON's `variables` (planned-inputs.ts reads them). */
export type PlannedVariables = ReadonlyMap<string, JsonValue>;

/** Who this workspace is in the repository: without it, driftback cannot tell who else evaluates a module, so it edits only the root's own files. */
export interface WorkspaceScope {
  view: RepoView;
  workspace: string;
  /** Set (to the reason) when nothing outside the root's own files may be edited, e.g. no verification plan will prove the edit. */
  rootOnly?: string;
}

export interface Located<T = Node> {
  file: string;
  node: T;
}

/**
 * The parsed sources of one workspace: its root module, the local modules it calls and its var
 * files, keyed by repo-relative path. Pure: files come in as strings, edits go back as strings.
 */
export class HclWorkspace {
  private readonly sources = new Map<string, string>();
  /** Files read through a symbolic link (the file or a dir above it): the same code may be reached another way, so driftback never edits them. */
  readonly linked = new Set<string>();
  private readonly trees = new Map<string, Tree>();
  /** `dir|type.name` -> file declaring that resource, rebuilt per file on update. */
  private readonly resources = new Map<string, string>();
  private readonly resourceKeysByFile = new Map<string, string[]>();
  private readonly filesByDir = new Map<string, string[]>();
  private readonly unsortedDirs = new Set<string>();

  constructor(
    private readonly parse: ParseHcl,
    readonly rootDir: string,
    /** -var-file paths relative to rootDir, in command-line order. */
    readonly varFiles: readonly string[] = [],
    /** The repository-wide view, when driftback knows the repository's workspaces. */
    public scope?: WorkspaceScope,
  ) {}

  /**
   * The value terraform planned each root variable with (the plan's `variables`), when the plan being
   * codified is known: codify refuses a value the code and var files resolve otherwise (planned-inputs.ts).
   */
  planned?: PlannedVariables;

  add(file: string, source: string): void {
    if (!this.sources.has(file) && file.endsWith(".tf")) {
      const dir = path.posix.dirname(file);
      const list = this.filesByDir.get(dir);
      if (list) list.push(file);
      else this.filesByDir.set(dir, [file]);
      this.unsortedDirs.add(dir);
    }
    this.sources.set(file, source);
    this.reindex(file);
  }

  update(file: string, source: string): void {
    this.add(file, source);
  }

  has(file: string): boolean {
    return this.sources.has(file);
  }

  source(file: string): string {
    const source = this.sources.get(file);
    if (source === undefined) throw new Error(`${file} is not part of this workspace`);
    return source;
  }

  /** The file's syntax tree; only recently used trees are kept, others are parsed again on demand. */
  tree(file: string): Tree {
    let tree = this.trees.get(file);
    if (tree) {
      this.trees.delete(file); // refresh its place in the LRU order
    } else {
      tree = this.parse(this.source(file));
    }
    this.remember(file, tree);
    return tree;
  }

  private remember(file: string, tree: Tree): void {
    this.trees.set(file, tree);
    // evicted trees are not deleted by hand: nodes still in use keep theirs alive, and
    // web-tree-sitter frees the rest when they are garbage collected
    if (this.trees.size > TREE_CACHE) this.trees.delete(this.trees.keys().next().value!);
  }

  files(): string[] {
    return [...this.sources.keys()];
  }

  /** The .tf files of one module dir (not its subdirectories). */
  moduleFiles(dir: string): string[] {
    const files = this.filesByDir.get(dir) ?? [];
    if (this.unsortedDirs.delete(dir)) files.sort(); // sorted on first read, not on every add
    return files;
  }

  hasSyntaxError(file: string): boolean {
    return this.tree(file).rootNode.hasError;
  }

  findResource(dir: string, type: string, name: string): Located | undefined {
    const file = this.resources.get(`${dir}|${type}.${name}`);
    if (!file) return undefined;
    const block = topLevelBlocks(this.tree(file)).find((b) => blockType(b) === "resource" && sameLabels(b, [type, name]));
    return block ? { file, node: block } : undefined;
  }

  findBlock(dir: string, type: string, label: string): Located | undefined {
    for (const file of this.moduleFiles(dir)) {
      const block = topLevelBlocks(this.tree(file)).find((b) => blockType(b) === type && blockLabels(b)[0] === label);
      if (block) return { file, node: block };
    }
    return undefined;
  }

  findLocal(dir: string, name: string): Located | undefined {
    for (const file of this.moduleFiles(dir)) {
      for (const locals of topLevelBlocks(this.tree(file)).filter((b) => blockType(b) === "locals")) {
        const attribute = findAttribute(blockBody(locals), name);
        if (attribute) return { file, node: attribute };
      }
    }
    return undefined;
  }

  /** Module calls of a dir: name -> repo-relative dir, or the remote source string. */
  moduleCalls(dir: string): ModuleCall[] {
    return this.moduleFiles(dir).flatMap((file) => moduleCallsIn(this.tree(file), dir));
  }

  /**
   * The var files terraform reads for the root module, highest precedence first, among those
   * loaded: the -var-files in reverse command-line order, then *.auto.tfvars and *.auto.tfvars.json
   * together in reverse name order, then terraform.tfvars.json, then terraform.tfvars (terraform
   * 1.11 checked: each later one wins; TF_VAR_ is below them all).
   */
  varFileOrder(): string[] {
    const auto = this.files()
      .filter((f) => path.posix.dirname(f) === this.rootDir && isAutoVarFile(path.posix.basename(f)))
      .sort(byCodeUnits)
      .reverse();
    const ordered = [
      ...[...this.varFiles].reverse().map((f) => varFilePath(this.rootDir, f)),
      ...auto,
      path.posix.join(this.rootDir, "terraform.tfvars.json"),
      path.posix.join(this.rootDir, "terraform.tfvars"),
    ];
    return [...new Set(ordered)].filter((file) => this.has(file));
  }

  /**
   * Where a root-module variable's value is set in the HCL var files, highest precedence first
   * (varFileOrder). JSON var files are read by json-var-file.ts: one of them may outrank these.
   */
  variableAssignments(name: string): Located[] {
    return this.varFileOrder()
      .filter((file) => !file.endsWith(".json"))
      .flatMap((file) => {
        const attribute = topLevelAttributes(this.tree(file)).find((a) => attributeName(a) === name);
        return attribute ? [{ file, node: attribute }] : [];
      });
  }

  /** How many times `prefix.name` is referenced in a module dir's .tf files. */
  countReferences(dir: string, prefix: "var" | "local", name: string): number {
    let count = 0;
    for (const file of this.moduleFiles(dir)) {
      for (const expression of this.tree(file).rootNode.descendantsOfType("variable_expr")) {
        const next = expression?.nextNamedSibling;
        if (expression?.text === prefix && next?.type === "get_attr" && next.namedChild(0)?.text === name) count++;
      }
    }
    return count;
  }

  private reindex(file: string): void {
    this.trees.delete(file); // a cached tree of the old source must never be read again
    if (!file.endsWith(".tf")) return;
    for (const key of this.resourceKeysByFile.get(file) ?? []) this.resources.delete(key);
    const dir = path.posix.dirname(file);
    const keys = resourceNamesIn(this.parse, this.sources.get(file)!).map((name) => `${dir}|${name}`);
    for (const key of keys) this.resources.set(key, file);
    this.resourceKeysByFile.set(file, keys);
  }
}

/**
 * The `type.name` of every resource block of a text. The same module files are indexed once per workspace that
 * loads them (parity loads one per group member): the answer is kept per text, in a bounded cache.
 */
const resourceNamesByText = new Map<string, readonly string[]>();
const RESOURCE_NAMES_CACHED = 4_096;

/** Empties that cache: a benchmark's cold run. */
export function forgetIndexedSources(): void {
  resourceNamesByText.clear();
}

function resourceNamesIn(parse: ParseHcl, source: string): readonly string[] {
  const known = resourceNamesByText.get(source);
  if (known) return known;
  const names: string[] = [];
  // the hot path of indexing: parse, read the first three children of each top-level block, free
  const tree = parse(source);
  try {
    for (const block of topLevelBlocks(tree)) {
      if (block.firstNamedChild?.text !== "resource") continue;
      const type = block.namedChild(1);
      const name = block.namedChild(2);
      if (type?.type === "string_lit" && name?.type === "string_lit") names.push(`${unquote(type.text)}.${unquote(name.text)}`);
    }
  } finally {
    tree.delete(); // nothing else has seen this tree, so freeing it now is safe
  }
  if (resourceNamesByText.size >= RESOURCE_NAMES_CACHED) resourceNamesByText.clear();
  resourceNamesByText.set(source, names);
  return names;
}

/** `*.auto.tfvars` and `*.auto.tfvars.json`: terraform reads them in name order. */
/** Go's string order (terraform sorts directory entries so): by code unit, not by locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameLabels(block: Node, labels: string[]): boolean {
  const actual = blockLabels(block);
  return actual.length === labels.length && actual.every((l, i) => l === labels[i]);
}
