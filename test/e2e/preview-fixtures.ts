import type { GitHubApiMock } from "../support/github-api.js";
import type { TestRepo } from "../support/git-repo.js";
import { readSharedWebhook } from "../support/shared.js";

/** The pull request of GitHub's shared payloads (../shared/fixtures/webhooks): Codertocat/Hello-World #2. */
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const PLAN = JSON.stringify({
  format_version: "1.2",
  terraform_version: "1.9.5",
  resource_changes: [
    { address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: ["update"], before: { instance_type: "t3.small", password: "pw-in-clear-text" }, after: { instance_type: "t3.large", password: "pw-rotated-secret" }, after_unknown: {}, before_sensitive: { password: true }, after_sensitive: { password: true } } },
    { address: "aws_iam_user.old", mode: "managed", type: "aws_iam_user", name: "old", change: { actions: ["delete"], before: { name: "old" }, after: null, after_unknown: {}, before_sensitive: {}, after_sensitive: false } },
  ],
});
export const CONFIG = `
workspaces:
  - name: prod
    dir: infra/prod
    workspace: production
    var_files: [prod.tfvars]
  - name: staging
    dir: infra/staging
`;

/** The repository's files; `control` drives the fake terraform in infra/prod (sleep, hang, fail). */
export const baseFiles = (control: object = {}) => ({
  "infra/prod/main.tf": 'module "net" {\n  source = "../../modules/net"\n}\n',
  "infra/prod/prod.tfvars": 'size = "large"\n',
  "infra/prod/plan.json": PLAN,
  "infra/prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", ...control }),
  "infra/staging/main.tf": 'resource "null_resource" "x" {}\n',
  "infra/staging/plan.json": JSON.stringify({ format_version: "1.2", resource_changes: [] }),
  "infra/staging/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "modules/net/main.tf": 'resource "null_resource" "net" {}\n',
});

/** A pull_request event for head `sha`, cloned from `repo`. */
export function prPayload(repo: TestRepo, name: "pull_request.opened" | "pull_request.synchronize", sha: string, overrides: { fork?: boolean; draft?: boolean } = {}) {
  const payload = readSharedWebhook(name);
  payload.pull_request.head.sha = sha;
  payload.pull_request.draft = overrides.draft ?? false;
  if (overrides.fork) payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: "mallory/Hello-World" };
  payload.pull_request.base.repo.clone_url = repo.cloneUrl;
  return payload;
}

/** GET /pulls/2 as GitHub answers it now: `headSha` moves when a test pushes. */
export function prApi(payload: any, headSha: () => string = () => payload.pull_request.head.sha) {
  return () => ({ ...payload.pull_request, head: { ...payload.pull_request.head, sha: headSha() } });
}

/** Everything a preview asks of GitHub: token, config, changed files, comments, check runs, the pull request. */
export function standardApi(api: GitHubApiMock, payload: any, changed: string[], config: string | null = CONFIG, headSha?: () => string) {
  api.installationToken(payload.installation.id).config(OWNER, REPO, config).changedFiles(OWNER, REPO, 2, changed).comments(OWNER, REPO, 2).checkRuns(OWNER, REPO).pullRequest(OWNER, REPO, 2, prApi(payload, headSha));
}

/** `/driftback plan` (or another body) commented on pull request #2 by `login`. */
export function planComment(payload: any, login: string, id: number, body = "/driftback plan") {
  const event = readSharedWebhook("issue_comment.created.on-pull-request");
  event.repository = payload.repository;
  event.installation = payload.installation;
  event.issue.number = 2;
  event.comment = { ...event.comment, id, body, user: { ...event.comment.user, login, type: "User" } };
  return event;
}
