import { createRequire } from "node:module";
import { Language, Parser, type Tree } from "web-tree-sitter";

export interface HclParser {
  parse(source: string): Tree;
}

let loading: Promise<HclParser> | undefined;

/** The tree-sitter terraform grammar (wasm), loaded once per process: it is slow to start. */
export function loadHclParser(): Promise<HclParser> {
  loading ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm");
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return {
      parse(source: string): Tree {
        const tree = parser.parse(source);
        if (!tree) throw new Error("tree-sitter returned no tree");
        return tree;
      },
    };
  })();
  return loading;
}
