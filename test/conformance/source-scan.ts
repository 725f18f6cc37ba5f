import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** src/, where every GitHub call driftback makes is written. */
export const SRC_DIR = fileURLToPath(new URL("../../src/", import.meta.url));

export interface SourceFile {
  file: string;
  text: string;
}

export function sourceFiles(dir = SRC_DIR): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push({ file: path.relative(path.join(SRC_DIR, ".."), full), text: readFileSync(full, "utf8") });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

export function walk(file: SourceFile, visit: (node: ts.Node, source: ts.SourceFile) => void): void {
  const source = ts.createSourceFile(file.file, file.text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const go = (node: ts.Node) => {
    visit(node, source);
    ts.forEachChild(node, go);
  };
  go(source);
}

export function where(node: ts.Node, source: ts.SourceFile): string {
  return `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
}

/** A string or a template without substitutions: its text; anything else: undefined. */
export function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

// ---- GraphQL -------------------------------------------------------------------------------------------------

export interface GraphqlDocument {
  name: string;
  text: string;
  at: string;
}

export interface GraphqlCall {
  /** The identifier passed as the document, or undefined when it is not a plain identifier. */
  document?: string;
  at: string;
}

const GRAPHQL_START = /^\s*(query|mutation|subscription|fragment)\b/;

/** Every string constant whose text is a GraphQL operation, and every `.graphql(...)` call. */
export function graphqlIn(files: SourceFile[]): { documents: GraphqlDocument[]; calls: GraphqlCall[] } {
  const documents: GraphqlDocument[] = [];
  const calls: GraphqlCall[] = [];
  for (const file of files) {
    walk(file, (node, source) => {
      const text = literalText(node);
      if (text !== undefined && GRAPHQL_START.test(text)) {
        const declaration = ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : `(inline at ${where(node, source)})`;
        documents.push({ name: declaration, text, at: where(node, source) });
      }
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "graphql") {
        const first = node.arguments[0];
        calls.push({ ...(first && ts.isIdentifier(first) ? { document: first.text } : {}), at: where(node, source) });
      }
    });
  }
  return { documents, calls };
}

// ---- REST ----------------------------------------------------------------------------------------------------

export interface RestCall {
  /** `pulls.listFiles` for octokit.rest.pulls.listFiles; undefined for a route given as text. */
  method?: string;
  /** `GET /repos/{owner}/{repo}/issues` when the route is written as text. */
  route?: string;
  /** Parameter names written in the call's object literal (spreads resolved as below). */
  params: string[];
  /** String literal values written for a parameter (both branches of `a ? "x" : "y"`). */
  values: Record<string, string[]>;
  /** Spreads that could not be named (`...params`): the parameter list may be longer. */
  openSpreads: string[];
  /** The route is an expression, not text: only allowed where the test lists it. */
  dynamic?: boolean;
  /** The called function's name (`request`, `allPages`, `listFiles`). */
  callee: string;
  at: string;
}

const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) \/\S*$/;
/** Octokit's own options, not API parameters. */
const OCTOKIT_OPTIONS = new Set(["request", "headers", "mediaType", "baseUrl"]);

/**
 * Every GitHub REST call in the sources: `x.rest.ns.method(params)`, `x.paginate(x.rest.ns.method, params)`, and any
 * call whose first argument is a route written as text (`x.request("GET /…", params)`, and wrappers such as
 * `allPages("GET /…", params)`). `x.request(route, …)` with a route that is not text is reported as dynamic.
 */
export function restCallsIn(files: SourceFile[]): RestCall[] {
  const calls: RestCall[] = [];
  for (const file of files) {
    walk(file, (node, source) => {
      if (!ts.isCallExpression(node)) return;
      const at = where(node, source);
      const callee = node.expression;
      const calleeName = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "";
      const restMethod = restMethodOf(callee);
      if (restMethod) {
        calls.push({ method: restMethod, ...paramsOf(node.arguments[0], source), callee: calleeName, at });
        return;
      }
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === "paginate") {
        const method = restMethodOf(node.arguments[0]);
        if (method) calls.push({ method, ...paramsOf(node.arguments[1], source), callee: calleeName, at });
        return;
      }
      const route = literalText(node.arguments[0]);
      if (route !== undefined && ROUTE.test(route)) {
        calls.push({ route, ...paramsOf(node.arguments[1], source), callee: calleeName, at });
        return;
      }
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === "request" && /octokit/i.test(callee.expression.getText(source)) && node.arguments[0] && !literalText(node.arguments[0])) {
        calls.push({ dynamic: true, params: [], values: {}, openSpreads: [], callee: calleeName, at });
      }
    });
  }
  return calls;
}

/** `a.b.rest.pulls.listFiles` -> "pulls.listFiles". */
function restMethodOf(node: ts.Node | undefined): string | undefined {
  if (!node || !ts.isPropertyAccessExpression(node)) return undefined;
  const ns = node.expression;
  if (!ts.isPropertyAccessExpression(ns)) return undefined;
  const rest = ns.expression;
  if (!ts.isPropertyAccessExpression(rest) || rest.name.text !== "rest") return undefined;
  return `${ns.name.text}.${node.name.text}`;
}


function paramsOf(node: ts.Node | undefined, source: ts.SourceFile): Pick<RestCall, "params" | "values" | "openSpreads"> {
  const params = new Set<string>();
  const values: Record<string, string[]> = {};
  const openSpreads: string[] = [];
  if (node && ts.isObjectLiteralExpression(node)) {
    for (const property of node.properties) {
      if (ts.isSpreadAssignment(property)) {
        const text = property.expression.getText(source);
        // a repository reference: repoOf(ref), repo, this.ref, pr (a PullRequestInfo passed through repoOf)
        if (/^(repoOf\(.*\)|repo|this\.ref|ref|target|\{ owner.*)$/.test(text)) ["owner", "repo"].forEach((p) => params.add(p));
        else {
          // `...(cond ? { a } : {})`: the keys of the object literals it can be
          const literals = objectLiteralsOf(property.expression);
          if (literals) for (const literal of literals) paramsOf(literal, source).params.forEach((p) => params.add(p));
          else openSpreads.push(text);
        }
        continue;
      }
      const name = property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
      if (!name || OCTOKIT_OPTIONS.has(name)) continue;
      params.add(name);
      if (ts.isPropertyAssignment(property)) {
        const literals = literalValues(property.initializer);
        if (literals.length > 0) values[name] = literals;
      }
    }
  } else if (node) {
    openSpreads.push(node.getText(source));
  }
  return { params: [...params], values, openSpreads };
}

function objectLiteralsOf(node: ts.Expression): ts.ObjectLiteralExpression[] | undefined {
  if (ts.isParenthesizedExpression(node)) return objectLiteralsOf(node.expression);
  if (ts.isObjectLiteralExpression(node)) return [node];
  if (ts.isConditionalExpression(node)) {
    const a = objectLiteralsOf(node.whenTrue);
    const b = objectLiteralsOf(node.whenFalse);
    return a && b ? [...a, ...b] : undefined;
  }
  return undefined;
}

function literalValues(node: ts.Expression): string[] {
  const text = literalText(node);
  if (text !== undefined) return [text];
  if (ts.isConditionalExpression(node)) {
    const both = [literalText(node.whenTrue), literalText(node.whenFalse)];
    return both.every((v) => v !== undefined) ? (both as string[]) : [];
  }
  if (ts.isParenthesizedExpression(node)) return literalValues(node.expression);
  return [];
}
