import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Tree } from "web-tree-sitter";
import { formatSize } from "../local-file.js";

export interface HclParser {
  parse(source: string): Tree;
}

/**
 * Largest .tf file driftback parses. The biggest hand-written .tf files in real repositories are a
 * few hundred KB; tree-sitter takes about 1.3 s for 2 MB on these machines (blocking the event
 * loop) and its wasm aborts somewhere between 10 and 20 MB.
 */
export const MAX_HCL_FILE_BYTES = 2 * 1024 * 1024;

/** A source over MAX_HCL_FILE_BYTES: refused before tree-sitter sees it. */
export class HclSourceTooLargeError extends Error {
  constructor(readonly chars: number) {
    super(`${formatSize(chars)} is over driftback's limit of ${formatSize(MAX_HCL_FILE_BYTES)} per .tf file`);
    this.name = "HclSourceTooLargeError";
  }
}

/** tree-sitter's wasm failed (an abort or a trap): this parser is retired and the next load starts a fresh one. */
export class HclParserFailedError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the HCL parser failed (${detail}); driftback starts a fresh parser for the next request`, options);
    this.name = "HclParserFailedError";
  }
}

type TreeSitter = typeof import("web-tree-sitter");
/** Emscripten module options; tests pass a small `wasmMemory` to provoke a real abort. */
export type WasmModuleOptions = Record<string, unknown>;

const require = createRequire(import.meta.url);
const GRAMMAR = require.resolve("@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm");
// the ESM build beside the CJS one `require.resolve` finds (the package exports both)
const TREE_SITTER_ESM = pathToFileURL(path.join(path.dirname(require.resolve("web-tree-sitter")), "web-tree-sitter.js")).href;
/** Each instance needs its own copy of the module: web-tree-sitter keeps its wasm instance (and its aborted flag) in module scope. */
let instances = 0;

/**
 * Hands out one shared parser and replaces it once it fails. Once tree-sitter's wasm aborts
 * (an out-of-memory parse), every later call on that module throws `Aborted()`; a fresh module
 * instance, imported under its own URL, starts clean.
 */
export class HclParserSupply {
  private current: Promise<HclParser> | undefined;
  private ready: HclParser | undefined;

  constructor(private readonly moduleOptions: () => WasmModuleOptions = () => ({})) {}

  /** The current parser; after a failure, a fresh one. */
  load(): Promise<HclParser> {
    const loading = (this.current ??= this.start());
    // a failed start must not stick either
    loading.catch(() => {
      if (this.current === loading) this.current = undefined;
    });
    return loading;
  }

  private retire(parser: HclParser): void {
    if (this.ready !== parser) return;
    this.ready = undefined;
    this.current = undefined;
  }

  private async start(): Promise<HclParser> {
    const treeSitter = (await import(`${TREE_SITTER_ESM}?instance=${++instances}`)) as TreeSitter;
    let lastMessage = "";
    let failed = false;
    await treeSitter.Parser.init({
      ...this.moduleOptions(),
      // emscripten prints "Aborted()" to stderr by default: keep it for the error instead
      printErr: (text: string) => (lastMessage = text),
    });
    const language = await treeSitter.Language.load(GRAMMAR);
    const parser = new treeSitter.Parser();
    parser.setLanguage(language);
    const self: HclParser = {
      parse: (source: string): Tree => {
        if (source.length > MAX_HCL_FILE_BYTES) throw new HclSourceTooLargeError(source.length);
        if (failed) throw new HclParserFailedError(lastMessage || "it failed before");
        let tree: Tree | null;
        try {
          tree = parser.parse(source);
        } catch (error) {
          // an abort or a wasm trap leaves the module unusable: retire it, the next load starts afresh
          failed = true;
          this.retire(self);
          throw new HclParserFailedError(lastMessage || String((error as Error)?.message ?? error), { cause: error });
        }
        if (!tree) throw new Error("tree-sitter returned no tree");
        return tree;
      },
    };
    this.ready = self;
    return self;
  }
}

const processParsers = new HclParserSupply();

/** The tree-sitter terraform grammar (wasm), loaded once per process (it is slow to start) and again after a failure. */
export function loadHclParser(): Promise<HclParser> {
  return processParsers.load();
}
