import { expect, it } from "vitest";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { useMockedGitHub } from "../support/mocked-github.js";
import { startApp } from "../support/probot-app.js";
import { describeShared } from "../support/shared.js";
import { prPayload, standardApi } from "./preview-fixtures.js";

let api: GitHubApiMock;
let repo: TestRepo;

useMockedGitHub((world) => ({ api, repo } = world));

const CONFIG = `
workspaces:
  - name: staging
    dir: envs/staging
  - name: prod-us
    dir: envs/prod-us
  - name: prod-eu
    dir: envs/prod-eu
`;
const SERVICE = 'variable "pool_size" {\n  default = 20\n}\nvariable "tier" {\n  default = "standard"\n}\nresource "null_resource" "app" {\n  triggers = { pool = var.pool_size, tier = var.tier }\n}\n';
const call = (extra = "") => `module "service" {\n  source = "../../modules/service"\n${extra}}\n`;
const EMPTY_PLAN = JSON.stringify({ format_version: "1.2", terraform_version: "1.9.5", resource_changes: [] });

/** Three environments calling modules/service alike, each with the fake terraform's empty plan. */
function environments(overrides: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { "modules/service/main.tf": SERVICE };
  for (const name of ["staging", "prod-us", "prod-eu"]) {
    files[`envs/${name}/main.tf`] = call();
    files[`envs/${name}/plan.json`] = EMPTY_PLAN;
    files[`envs/${name}/.fake-terraform.json`] = JSON.stringify({ plan: "plan.json" });
  }
  return { ...files, ...overrides };
}

/** The base on main, the head on refs/pull/2/head, and the pull_request event naming both (or `baseSha` instead). */
function pullRequest(head: Record<string, string>, changed: string[], baseSha?: string) {
  const base = repo.commitTo(environments(), "refs/heads/main");
  const headSha = repo.commit(head);
  const payload = prPayload(repo, "pull_request.opened", headSha);
  payload.pull_request.base.sha = baseSha ?? base;
  standardApi(api, payload, changed, CONFIG);
  return payload;
}

async function postedComment(payload: object): Promise<string> {
  const app = await startApp();
  await app.receive("pull_request", payload);
  await app.idle();
  const comments = api.sent("POST", /issues\/2\/comments$/);
  expect(comments).toHaveLength(1);
  return comments[0]!.body.body as string;
}

describeShared("parity lines in the plan preview (probot.receive, nock, fake terraform, a real base checkout)", () => {
  it("a PR changing pool_size in prod-eu's root only says so in one line", async () => {
    const payload = pullRequest(environments({ "envs/prod-eu/main.tf": call("  pool_size = 40\n") }), ["envs/prod-eu/main.tf"]);
    const body = await postedComment(payload);
    expect(body).toContain("#### Environment parity");
    expect(body).toContain("- <code>modules/service</code>: changes <code>pool_size</code> in <code>prod-eu</code> only; <code>staging</code> and <code>prod-us</code> keep <code>20</code>\n");
    // near the top: before the planned workspace
    expect(body.indexOf("Environment parity")).toBeLessThan(body.indexOf("<code>prod-eu</code> <sub>"));
  });

  it("a PR changing the module default for every member gets no line", async () => {
    const payload = pullRequest(environments({ "modules/service/main.tf": SERVICE.replace("default = 20", "default = 30") }), ["modules/service/main.tf"]);
    const body = await postedComment(payload);
    expect(body).toContain("<code>staging</code> <sub>"); // every member planned
    expect(body).not.toContain("Environment parity");
    expect(body).not.toContain("pool_size");
  });

  it("the same default change beside a tier set in prod-eu alone: only tier has a line", async () => {
    const head = environments({ "modules/service/main.tf": SERVICE.replace("default = 20", "default = 30"), "envs/prod-eu/main.tf": call('  tier = "premium"\n') });
    const body = await postedComment(pullRequest(head, ["modules/service/main.tf", "envs/prod-eu/main.tf"]));
    expect(body).toContain("changes <code>tier</code> in <code>prod-eu</code> only; <code>staging</code> and <code>prod-us</code> keep <code>standard</code>");
    expect(body).not.toContain("pool_size");
  });

  it("a base that cannot be fetched leaves the lines out and the preview as it was", async () => {
    const payload = pullRequest(environments({ "envs/prod-eu/main.tf": call("  pool_size = 40\n") }), ["envs/prod-eu/main.tf"], "0123456789abcdef0123456789abcdef01234567");
    const body = await postedComment(payload);
    expect(body).not.toContain("Environment parity");
    expect(body).toContain("<code>prod-eu</code> <sub>");
    expect(api.sent("PATCH", /check-runs\/\d+$/).at(-1)!.body).toMatchObject({ status: "completed", conclusion: "success" });
  });
});
