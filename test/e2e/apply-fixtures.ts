import { encodeMarker, MARKER_VERSION, type BackportMarker } from "../../src/core/backport/marker.js";
import type { GitHubApiMock } from "../support/github-api.js";
import type { TestRepo } from "../support/git-repo.js";
import { readSharedWebhook } from "../support/shared.js";

/**
 * The pull_request.closed payload is GitHub's own (../shared/fixtures/webhooks): merged true and merge_commit_sha, which
 * after a merge is the commit on the base branch (docs: "Get a pull request"). Comments: GET /issues/{n}/comments lists
 * { id, body, user { type } }; POST /issues/{n}/comments { body } answers 201 { id, html_url }.
 */
export const OWNER = "acme";
export const REPO = "infra";
export const BOT = "driftback[bot]";
export const PR = 7;
export const SECRET = "s3cr3t-db-passw0rd";
export const CONFIG = (onMerge: boolean) => `workspaces:\n  - name: prod\n    dir: infra/prod\n    workspace: production\n    var_files: [prod.tfvars]\napply:\n  on_merge: ${onMerge}\n`;

export type Change = { address: string; actions: string[]; before: object | null; after: object | null; before_sensitive?: object; after_sensitive?: object };
export const sgRevert: Change = { address: "aws_security_group.web", actions: ["update"], before: { ingress: ["0.0.0.0/0"], name: "web" }, after: { ingress: ["10.0.0.0/8"], name: "web" } };
export const dbRevert: Change = { address: "aws_db_instance.main", actions: ["update"], before: { password: SECRET, publicly_accessible: true }, after: { password: SECRET, publicly_accessible: false }, before_sensitive: { password: true }, after_sensitive: { password: true } };

export const planJson = (...changes: Change[]) =>
  JSON.stringify({
    format_version: "1.2",
    resource_changes: changes.map((c) => {
      const [type, name] = c.address.split(".");
      return { address: c.address, mode: "managed", type, name, change: { actions: c.actions, before: c.before, after: c.after, after_unknown: {}, before_sensitive: c.before_sensitive ?? {}, after_sensitive: c.after_sensitive ?? {} } };
    }),
  });

export const revertMarker: BackportMarker = {
  version: MARKER_VERSION,
  key: "prod/*",
  workspace: "prod",
  action: "revert",
  items: [
    { fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" },
    { fingerprint: "fedcba9876543210", valueHash: "sensitive", action: "revert", settled: "revert" },
  ],
  digest: "abcdefabcdef",
  expect: [
    { address: "aws_db_instance.main", paths: ["publicly_accessible"] },
    { address: "aws_security_group.web", paths: ["ingress"] },
  ],
};

/** The merge commit on main: the workspace with the plan the fake terraform replays. */
export function mergeCommit(repo: TestRepo, plan: string, control: object = {}): string {
  return repo.commitTo(
    {
      "infra/prod/main.tf": 'resource "aws_security_group" "web" {}\n',
      "infra/prod/prod.tfvars": 'size = "large"\n',
      "infra/prod/plan.json": plan,
      "infra/prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", ...control }),
      ".driftback/drift/prod/0123456789abcdef.md": "# drift record\n",
    },
    "refs/heads/main",
  );
}

export function mergedEvent(repo: TestRepo, mergeSha: string, marker: BackportMarker = revertMarker, overrides: { merged?: boolean } = {}) {
  const event = readSharedWebhook("pull_request.closed.merged");
  event.repository = { ...event.repository, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...event.repository.owner, login: OWNER } };
  event.installation = { id: 42 };
  const pr = event.pull_request;
  event.number = PR;
  event.pull_request = {
    ...pr,
    number: PR,
    merged: overrides.merged ?? true,
    merge_commit_sha: mergeSha,
    body: `### ↩️ Revert drift in \`prod\`\n\n${encodeMarker(marker)}`,
    user: { ...pr.user, login: BOT, type: "Bot" },
    head: { ...pr.head, ref: "driftback/prod/all", repo: { ...pr.head.repo, full_name: `${OWNER}/${REPO}` } },
    base: { ...pr.base, ref: "main", repo: { ...pr.base.repo, full_name: `${OWNER}/${REPO}`, clone_url: repo.cloneUrl } },
  };
  return event;
}

export function standardApi(api: GitHubApiMock, onMerge = true, existing: () => object[] = () => []) {
  api.installationToken(42).config(OWNER, REPO, CONFIG(onMerge)).comments(OWNER, REPO, PR, existing);
}
