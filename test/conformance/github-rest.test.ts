import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Octokit } from "@octokit/rest";
import { beforeAll, describe, expect, it } from "vitest";
import { restCallsIn, sourceFiles, type RestCall, type SourceFile } from "./source-scan.js";

// issue 15, §6: every REST call driftback makes to GitHub (route and parameters), checked against GitHub's published
// OpenAPI description (@octokit/openapi), so a wrong route or parameter cannot pass on nock alone

type Json = Record<string, any>;
let spec: Json;
beforeAll(() => {
  const dir = path.dirname(createRequire(import.meta.url).resolve("@octokit/openapi"));
  spec = JSON.parse(readFileSync(path.join(dir, "generated", "api.github.com.json"), "utf8")) as Json;
});

/** Where a route's text is passed through a wrapper that adds parameters of its own. */
const WRAPPER_PARAMS: Record<string, string[]> = { allPages: ["per_page", "page"] };
/** The only places that call `octokit.request(route, …)` with a route that is not text: the wrapper above, whose callers' routes are checked. */
const DYNAMIC_ALLOWED = ["src/adapters/incidents/github.ts"];

const octokit = new Octokit();

function routeOf(call: RestCall): string | undefined {
  if (call.route) return call.route;
  const [ns, method] = call.method!.split(".") as [string, string];
  const endpoint = (octokit.rest as unknown as Record<string, Record<string, { endpoint?: { DEFAULTS: { method: string; url: string } } }>>)[ns]?.[method]?.endpoint;
  return endpoint ? `${endpoint.DEFAULTS.method} ${endpoint.DEFAULTS.url}` : undefined;
}

function deref(node: Json | undefined): Json | undefined {
  let current = node;
  for (let i = 0; current && typeof current.$ref === "string" && i < 10; i++) {
    current = current.$ref.slice(2).split("/").reduce((at: Json | undefined, key: string) => at?.[key], spec);
  }
  return current;
}

/** The body's properties (every branch of oneOf/anyOf/allOf) and the required ones. */
function bodyProperties(schema: Json | undefined): { properties: Map<string, Json>; required: Set<string>; open: boolean } {
  const properties = new Map<string, Json>();
  const required = new Set<string>();
  let open = false;
  // required: only what every accepted body needs (the schema itself and its allOf parts, not one of its alternatives)
  const visit = (node: Json | undefined, depth: number, always: boolean) => {
    const s = deref(node);
    if (!s || depth > 5) return;
    for (const [name, value] of Object.entries((s.properties ?? {}) as Json)) {
      const next = deref(value as Json) ?? {};
      const before = properties.get(name);
      // an alternative may narrow a property (a status of "completed" only with a conclusion): the union is allowed
      const enums = before && Array.isArray(before.enum) && Array.isArray(next.enum) ? [...new Set([...before.enum, ...next.enum])] : undefined;
      properties.set(name, before ? { ...before, ...(enums ? { enum: enums } : { enum: undefined }) } : next);
    }
    if (always && Array.isArray(s.required)) s.required.forEach((r: string) => required.add(r));
    if (s.additionalProperties === true || (s.type === undefined && !s.properties && !s.oneOf && !s.anyOf && !s.allOf)) open = true;
    for (const branch of (s.allOf ?? []) as Json[]) visit(branch, depth + 1, always);
    for (const key of ["oneOf", "anyOf"]) for (const branch of (s[key] ?? []) as Json[]) visit(branch, depth + 1, false);
  };
  visit(schema, 0, true);
  return { properties, required, open };
}

/** What is wrong with one call site, by GitHub's OpenAPI description; empty when nothing. */
function problemsOf(call: RestCall): string[] {
  const route = routeOf(call);
  if (!route) return [`${call.method} is no endpoint method of @octokit/rest`];
  const [verb, url] = route.split(" ") as [string, string];
  const operation = spec.paths[url]?.[verb.toLowerCase()] as Json | undefined;
  if (!operation) return [`${route} is not in GitHub's REST description`];
  const parameters = ((operation.parameters ?? []) as Json[]).map((p) => deref(p)!);
  const body = bodyProperties(operation.requestBody?.content?.["application/json"]?.schema);
  const known = new Map<string, Json>([...parameters.map((p) => [p.name as string, (deref(p.schema) ?? {}) as Json] as const), ...body.properties]);
  const given = new Set([...call.params, ...(WRAPPER_PARAMS[call.callee] ?? [])]);
  const out: string[] = [];
  for (const name of given) {
    if (!known.has(name) && !body.open) out.push(`${route}: GitHub documents no parameter "${name}"`);
  }
  for (const [name, values] of Object.entries(call.values)) {
    const allowed = known.get(name)?.enum as unknown[] | undefined;
    for (const value of values) if (allowed && !allowed.includes(value)) out.push(`${route}: "${name}" may be ${allowed.map((a) => JSON.stringify(a)).join(", ")}, not ${JSON.stringify(value)}`);
  }
  if (call.openSpreads.length === 0) {
    for (const p of parameters) if (p.in === "path" && !given.has(p.name)) out.push(`${route}: the path parameter "${p.name}" is missing`);
    for (const name of body.required) if (!given.has(name)) out.push(`${route}: the body's required "${name}" is missing`);
  }
  return out;
}

const calls = restCallsIn(sourceFiles());

describe("REST calls in src/ against GitHub's OpenAPI description", () => {
  it("finds the call sites (octokit.rest.*, paginate, routes written as text)", () => {
    expect(calls.filter((c) => !c.dynamic).length).toBeGreaterThanOrEqual(49);
  });

  it.each(calls.filter((c) => !c.dynamic).map((c) => [`${c.at} ${c.method ?? c.route}`, c] as const))("%s", (_name, call) => {
    expect(problemsOf(call)).toEqual([]);
  });

  it("a route that is not text is used only by the listed wrapper (its callers' routes are checked above)", () => {
    for (const call of calls.filter((c) => c.dynamic)) expect(DYNAMIC_ALLOWED.some((f) => call.at.startsWith(`${f}:`)), call.at).toBe(true);
  });
});

describe("the check itself fails on a wrong call", () => {
  const check = (code: string) => restCallsIn([{ file: "src/example.ts", text: code } satisfies SourceFile]).flatMap(problemsOf);
  it.each([
    ["a misspelt parameter", "await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: 1, per_pag: 100 });", /no parameter "per_pag"/],
    ["a route GitHub does not have", 'await octokit.request("GET /repos/{owner}/{repo}/pull/{pull_number}", { owner, repo, pull_number: 1 });', /not in GitHub's REST description/],
    ["a value outside the enum", 'await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: 1, content: ok ? "eyes" : "shrug" });', /"content" may be .* not "shrug"/],
    ["a missing path parameter", "await octokit.rest.issues.createComment({ owner, repo, body });", /path parameter "issue_number" is missing/],
    ["a missing required body field", "await octokit.rest.issues.createComment({ owner, repo, issue_number: 1 });", /required "body" is missing/],
    ["an endpoint method that does not exist", "await octokit.rest.pulls.listFile({ owner, repo, pull_number: 1 });", /no endpoint method/],
  ])("%s", (_name, code, problem) => {
    expect(check(code).join("\n")).toMatch(problem);
  });
});
