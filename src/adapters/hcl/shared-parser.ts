import type { Tree } from "web-tree-sitter";
import type { HclParser } from "./parser.js";

/**
 * A parser that parses each distinct text once and hands out copies (tree-sitter's `Tree.copy()` is cheap and
 * independent: deleting a copy leaves the original whole). Parity loads one HclWorkspace per member and the same
 * module files for each; without this every member parses the shared module again (about 15 parses per file on
 * a 50-workspace repository). `dispose` frees the originals; copies handed out stay the callers' to delete.
 */
export function sharedTreeParser(parser: HclParser): HclParser & { dispose(): void; parses(): number } {
  const trees = new Map<string, Tree>();
  let parsed = 0;
  return {
    parse(source: string): Tree {
      let tree = trees.get(source);
      if (!tree) {
        tree = parser.parse(source);
        parsed++;
        trees.set(source, tree);
      }
      return tree.copy();
    },
    dispose(): void {
      for (const tree of trees.values()) tree.delete();
      trees.clear();
    },
    parses: () => parsed,
  };
}
