import { schema as githubSchema } from "@octokit/graphql-schema";
import { buildClientSchema, getVariableValues, Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OctokitBackportHost } from "../../src/adapters/github/octokit-backport-host.js";
import { graphqlIn, sourceFiles } from "./source-scan.js";

// issue 15, §6: every GraphQL document driftback sends, checked against GitHub's public schema (@octokit/graphql-schema),
// so a wrong field or argument cannot pass on nock alone
let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildClientSchema(githubSchema.json as Parameters<typeof buildClientSchema>[0]);
});

function problems(text: string): string[] {
  try {
    return validate(schema, parse(text)).map((e) => e.message);
  } catch (error) {
    return [(error as Error).message];
  }
}

const found = graphqlIn(sourceFiles());

describe("GraphQL documents in src/ against GitHub's schema", () => {
  it("finds the documents and the calls that send them", () => {
    expect(found.documents.map((d) => d.name).sort()).toEqual(["BACKPORT_PULL_REQUESTS", "CREATE_COMMIT_ON_BRANCH", "DASHBOARD_EDITOR"]);
    expect(found.calls.length).toBeGreaterThanOrEqual(2);
  });

  it.each(found.documents.map((d) => [d.name, d] as const))("%s is valid", (_name, document) => {
    expect(problems(document.text), document.at).toEqual([]);
  });

  it("every .graphql(...) call sends one of those documents, named (so it is checked here)", () => {
    const names = new Set(found.documents.map((d) => d.name));
    for (const call of found.calls) expect(call.document !== undefined && names.has(call.document), `${call.at} sends a document this test cannot see`).toBe(true);
  });

  it.each([
    ["a field the type does not have", (t: string) => t.replace("headRefOid", "headRefSha")],
    ["an argument the field does not take", (t: string) => t.replace("first: 100", "first: 100, limit: 5")],
    ["an enum value that does not exist", (t: string) => t.replace("CREATED_AT", "OPENED_AT")],
  ])("would fail on %s", (_name, mutate) => {
    const document = found.documents.find((d) => d.name === "BACKPORT_PULL_REQUESTS")!;
    expect(problems(mutate(document.text)).length).toBeGreaterThan(0);
  });
});

describe("the variables driftback sends with them", () => {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  beforeEach(() => {
    sent.length = 0;
    nock.disableNetConnect();
    nock("https://api.github.com")
      .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
        sent.push(body);
        return true;
      })
      .reply(200, () => {
        const query = sent.at(-1)!.query;
        return query.includes("createCommitOnBranch")
          ? { data: { createCommitOnBranch: { commit: { oid: "d".repeat(40), url: "https://github.com/acme/infra/commit/d" } } } }
          : { data: { repository: { pullRequests: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } } } };
      })
      .persist();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  function variableProblems(query: string, variables: Record<string, unknown>): string[] {
    const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    return (coerced.errors ?? []).map((e) => e.message);
  }

  it("createCommitOnBranch's input and the pull request listing's variables coerce to the schema's types", async () => {
    const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false } });
    const host = new OctokitBackportHost(octokit, { botLogin: "driftback[bot]" });
    await host.commitFiles({ owner: "acme", repo: "infra" }, { branch: "driftback/x", expectedHeadOid: "a".repeat(40), message: { headline: "h", body: "b" }, additions: [{ path: "main.tf", contents: "x" }], deletions: [{ path: "old.tf" }] });
    await host.findBackportPullRequests({ owner: "acme", repo: "infra" });
    expect(sent).toHaveLength(2);
    for (const request of sent) expect(variableProblems(request.query, request.variables)).toEqual([]);
    // and a wrong input would not
    const commitRequest = sent.find((r) => r.query.includes("createCommitOnBranch"))!;
    const input = commitRequest.variables.input as Record<string, unknown>;
    expect(variableProblems(commitRequest.query, { input: { ...input, expectedHeadSha: input.expectedHeadOid } }).length).toBeGreaterThan(0);
  });
});
