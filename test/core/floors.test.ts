import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The floors of DESIGN.md: `src/core/` is pure and imports nothing above it. The one door left
 * open: core may take the config's types (`import type` of src/config/schema.ts, inferred from the
 * zod schema, which stays the single source of truth); that import is erased, so loading core never
 * loads the schema, zod's config or croner. Everything else core needs (the Templates interface,
 * the default masks) is defined in core.
 */
const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const CORE = path.join(SRC, "core");
const CONFIG_SCHEMA = path.join(SRC, "config", "schema.ts");
const TEMPLATES = path.join(SRC, "templates.ts");

interface Import {
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** Resolved .ts file, for a relative specifier. */
  to?: string;
  /** Erased at runtime: `import type`, `export type … from`, or an `import("…")` type. */
  typeOnly: boolean;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Every import of a file, however written: declarations, re-exports, dynamic `import()`, `require`, and `import("…")` in types. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (literal: ts.Node, typeOnly: boolean) => {
    if (!ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const to = specifier.startsWith(".") ? path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts") : undefined;
    found.push({ from: file, specifier, to, typeOnly, line: source.getLineAndCharacterOfPosition(literal.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require")) && node.arguments[0]) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const inCore = (file: string) => file.startsWith(`${CORE}${path.sep}`);
const shown = (file: string) => path.relative(path.dirname(SRC), file);
const allFiles = sourceFiles(SRC);
const graph = new Map(allFiles.map((file) => [file, importsOf(file)]));
const coreFiles = allFiles.filter(inCore);
/** The src/ files a file imports, by value or by type. */
const importedFiles = (file: string) => (graph.get(file) ?? []).flatMap((i) => (i.to && graph.has(i.to) ? [i.to] : []));

describe("src/core imports nothing above it", () => {
  it("finds the core files and their imports", () => {
    expect(coreFiles.length).toBeGreaterThan(50);
    expect(coreFiles.flatMap((file) => graph.get(file)!).length).toBeGreaterThan(100);
  });

  it("imports, by value or by type, no project file outside src/core except the config's types", () => {
    const outside = coreFiles
      .flatMap((file) => graph.get(file)!)
      .filter((i) => i.to !== undefined && !inCore(i.to))
      .filter((i) => !(i.to === CONFIG_SCHEMA && i.typeOnly))
      .map((i) => `${shown(i.from)}:${i.line} imports ${i.specifier}${i.typeOnly ? " (types)" : ""}`);
    expect(outside).toEqual([]);
  });

  it("takes the config as types only: no value import of src/config/schema.ts (it would load zod's schema and croner)", () => {
    const values = coreFiles.flatMap((file) => graph.get(file)!).filter((i) => i.to === CONFIG_SCHEMA && !i.typeOnly);
    expect(values.map((i) => `${shown(i.from)}:${i.line}`)).toEqual([]);
  });

  it("has the Templates interface in core, implemented by src/templates.ts, and never reaches src/templates.ts", () => {
    const reached = new Set<string>();
    const stack = [...coreFiles];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const i of graph.get(file) ?? []) if (i.to && graph.has(i.to)) stack.push(i.to);
    }
    expect(reached.has(TEMPLATES)).toBe(false);
    // through the config's types, and nothing further: the schema imports no project file but core's default masks
    expect([...reached].filter((file) => !inCore(file)).map(shown)).toEqual(["src/config/schema.ts"]);
    expect(graph.get(TEMPLATES)!.some((i) => i.to === path.join(CORE, "templates.ts"))).toBe(true);
  });

  it("is in no import cycle with a file outside it (src/templates.ts included)", () => {
    const mixed = stronglyConnected(allFiles, importedFiles)
      .filter((group) => group.some(inCore) && group.some((file) => !inCore(file)))
      .map((group) => group.map(shown).sort());
    expect(mixed).toEqual([]);
  });
});

/**
 * No import cycle anywhere in src/, type-only imports included: a module that needs a type from a module
 * importing it back takes the type from a leaf file both import (core/backport/view-types.ts,
 * core/incidents/follow-up-types.ts, handlers/scannable-repo.ts).
 */
describe("src/ has no import cycle", () => {
  it("finds a cycle when there is one", () => {
    const edges: Record<string, string[]> = { a: ["b"], b: ["c"], c: ["a", "d"], d: [] };
    expect(stronglyConnected(Object.keys(edges), (node) => edges[node] ?? []).map((group) => group.sort())).toEqual([["a", "b", "c"]]);
  });

  it("has no two files that import each other, directly or through others, by value or by type", () => {
    const cycles = stronglyConnected(allFiles, importedFiles).map((group) => group.map(shown).sort());
    expect(cycles).toEqual([]);
  });
});

/** Tarjan's strongly connected components with more than one file: each is an import cycle. */
function stronglyConnected(nodes: readonly string[], edges: (node: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges(node)) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return groups;
}
