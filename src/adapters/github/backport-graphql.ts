import { z } from "zod";

/**
 * The two GraphQL documents the backport host sends, and the shapes of their answers.
 * Checked against GitHub's schema: CreateCommitOnBranchInput { branch: CommittableBranch!, expectedHeadOid: GitObjectID!,
 * message: CommitMessage!, fileChanges: FileChanges { additions: [{ path, contents: Base64String }], deletions: [{ path }] } }.
 */
export const CREATE_COMMIT_ON_BRANCH = `
mutation driftbackCommit($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) {
    commit { oid url }
  }
}`;

/** GitHub's schema makes the payload and its `commit` nullable: a null is an answer, not a malformed one. */
export const commitAnswer = z.object({
  createCommitOnBranch: z.object({ commit: z.object({ oid: z.string().min(1), url: z.string() }).nullable() }).nullable(),
});

/**
 * driftback's pull requests, found by their label: one request per 100 of *them*, however many pull requests the
 * repository has (REST `GET /pulls?state=all` costs one request per 100 of *all* pull requests, every scan).
 * The last closed event says who closed a pull request, which REST's pull list does not.
 */
export const BACKPORT_PULL_REQUESTS = `
query driftbackPullRequests($owner: String!, $name: String!, $labels: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(labels: $labels, states: [OPEN, CLOSED, MERGED], first: 100, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number state merged isDraft isCrossRepository
        headRefName headRefOid baseRefName
        title body url
        editor { login }
        labels(first: 50) { nodes { name } }
        timelineItems(itemTypes: [CLOSED_EVENT], last: 1) { nodes { ... on ClosedEvent { actor { login } } } }
      }
    }
  }
}`;

const pullRequestNode = z.object({
  number: z.number().int(),
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  merged: z.boolean(),
  isDraft: z.boolean(),
  isCrossRepository: z.boolean(),
  headRefName: z.string(),
  headRefOid: z.string(),
  baseRefName: z.string(),
  title: z.string(),
  body: z.string(),
  url: z.string(),
  // who last edited the body (null: nobody since it was opened); a person's edit means the body is not driftback's alone
  editor: z.object({ login: z.string() }).nullable().optional(),
  // every connection's `nodes` is a nullable list of nullable items in GitHub's schema
  labels: z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()).nullable() }).nullable(),
  timelineItems: z.object({ nodes: z.array(z.object({ actor: z.object({ login: z.string() }).nullable().optional() }).nullable()).nullable() }).nullable(),
});

export type PullRequestNode = z.infer<typeof pullRequestNode>;

export const pullRequestsAnswer = z.object({
  repository: z
    .object({
      pullRequests: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        // `nodes` is a nullable list of nullable pull requests in GitHub's schema
        nodes: z.array(pullRequestNode.nullable()).nullable(),
      }),
    })
    .nullable(),
});
