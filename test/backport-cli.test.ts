import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { main } from "../src/cli.js";
import { backportCommand } from "../src/commands/backport.js";
import { bundledTemplates } from "../src/templates.js";
import { fakeTerraformEnv } from "./support/fake-terraform.js";
import { BackportApiMock, pullBody } from "./support/github-backport-api.js";
import { runCli as cli } from "./support/run-cli.js";

const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const SCAN_PLAN = path.join(EXAMPLES, "scan-plan.json");
const TOKEN = "ghp_canary0123456789abcdefABCDEF012345";

interface PullRequestJson {
  branch: string;
  base: string;
  title: string;
  body: string;
  action: string;
  labels: string[];
  files: { path: string; diff: string }[];
  verified: boolean | null;
}

/** Every file under dir (minus .git), relative path -> bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = execFileSync("find", [dir, "-type", "f", "-not", "-path", "*/.git/*"], { encoding: "utf8" }).trim().split("\n").sort();
  return new Map(files.map((file) => [path.relative(dir, file), readFileSync(file, "latin1")]));
}

/** A copy of the bundled example (workspace, config, plans) to change freely. */
function exampleCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "backport-cli-"));
  cpSync(EXAMPLES, dir, { recursive: true });
  return dir;
}

const byAction = (prs: PullRequestJson[], action: string) => prs.find((pr) => pr.action === action)!;

const instance = (type: string) => ({ ami: "ami-0c55b159cbfafe1f0", id: "i-0abc123", instance_type: type });
/** What the fake terraform replays as the verification plan: aws_instance.web planned from the codified t3.large to `after`. */
const verificationPlan = (after: string) =>
  JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.9.5",
    resource_changes: [
      { address: "aws_instance.web", mode: "managed", type: "aws_instance", name: "web", change: { actions: [after === "t3.large" ? "no-op" : "update"], before: instance("t3.large"), after: instance(after), after_unknown: {}, before_sensitive: {}, after_sensitive: {} } },
    ],
  });

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("driftback backport --dry-run on the bundled example", () => {
  it("proposes a codify pull request for the resized instance and a revert one for the opened security group", async () => {
    const { code, out, err } = await cli(["backport", "--dir", EXAMPLES, "--plan-json", SCAN_PLAN, "--workspace", "prod", "--dry-run", "--format", "json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const prs = (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests;
    expect(prs.map((pr) => pr.action).sort()).toEqual(["codify", "revert"]);

    const codify = byAction(prs, "codify");
    expect(codify).toMatchObject({ branch: "driftback/prod/aws_instance.web", base: "main", title: "Codify drift: aws_instance.web instance_type (prod)", verified: null });
    expect(codify.labels).toEqual(["drift", "drift:codify", "infrastructure"]);
    const tf = codify.files.find((f) => f.path === "workspace/main.tf")!;
    expect(tf.diff).toContain('-  instance_type = "t3.medium"\n+  instance_type = "t3.large"');
    expect(codify.files.map((f) => f.path)).toEqual(["workspace/main.tf", expect.stringMatching(/^\.driftback\/drift\/prod\/[0-9a-f]{16}\.md$/)]);
    expect(codify.files[1]!.diff).toMatch(/--- \/dev\/null\n\+\+\+ b\/\.driftback\/drift\/prod\//);
    expect(codify.body).toContain("<!-- driftback:backport ");
    // the dry run skipped the plan, not the config: the body says which
    expect(codify.body).toContain("this dry run did not plan the edited code (add `--verify`");
    expect(codify.body).not.toContain("`backport.verify` is false in the config");

    const revert = byAction(prs, "revert");
    expect(revert).toMatchObject({ branch: "driftback/prod/aws_security_group.web", title: "Revert drift: aws_security_group.web ingress[0].cidr_blocks (prod)", verified: null });
    expect(revert.labels).toEqual(["drift", "drift:revert", "infrastructure"]);
    // a revert changes no code: its commit holds the drift record only
    expect(revert.files.map((f) => f.path)).toEqual([expect.stringMatching(/^\.driftback\/drift\/prod\/[0-9a-f]{16}\.md$/)]);
    expect(revert.body).toContain("security group");
    expect(revert.body).toContain('-             "0.0.0.0/0",');
  });

  it("leaves every file of the repository on disk as it was", async () => {
    const dir = exampleCopy();
    const before = snapshot(dir);
    const { code } = await cli(["backport", "--dir", dir, "--plan-json", path.join(dir, "scan-plan.json"), "--workspace", "prod", "--dry-run"]);
    expect(code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it("prints markdown from the template: each pull request's title, branch, labels, body and fenced diffs", async () => {
    const { code, out } = await cli(["backport", "--dir", EXAMPLES, "--plan-json", SCAN_PLAN, "--workspace", "prod", "--dry-run"]);
    expect(code).toBe(0);
    expect(out).toContain("## Backport pull requests driftback would open for <code>prod</code> (dry run)");
    expect(out).toContain("2 pull requests; nothing was sent to GitHub and no file on disk changed.");
    expect(out).toContain("### 1. Revert drift: aws_security_group.web ingress[0].cidr_blocks (prod)");
    expect(out).toContain("- Branch: <code>driftback/prod/aws_instance.web</code> into <code>main</code>");
    expect(out).toContain("- Verified by a plan: not run (add --verify)");
    // the body holds ``` fences of its own: its fence is longer, so it cannot be closed early
    expect(out).toContain("````markdown\n### ↩️ Revert drift in <code>prod</code>");
    expect(out).toMatch(/```diff\n=+\n--- a\/workspace\/main\.tf/);
  });

  it("never lets a plan drive the terminal: escape sequences and control characters in it are shown escaped", async () => {
    const dir = exampleCopy();
    const plan = readFileSync(SCAN_PLAN, "utf8").replaceAll('"0.0.0.0/0"', '"0.0.0.0/0\\u001b]0;owned\\u0007\\u001b[2J"');
    writeFileSync(path.join(dir, "evil-plan.json"), plan);
    const { code, out } = await cli(["backport", "--dir", dir, "--plan-json", path.join(dir, "evil-plan.json"), "--workspace", "prod", "--dry-run"]);
    expect(code).toBe(0);
    expect(out).toContain("Revert drift: aws_security_group.web");
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("without --workspace takes --dir as the workspace (dir `.`, workspace `default`)", async () => {
    const dir = path.join(exampleCopy(), "workspace");
    const { code, out } = await cli(["backport", "--dir", dir, "--plan-json", SCAN_PLAN, "--dry-run", "--format", "json"]);
    expect(code).toBe(0);
    const prs = (JSON.parse(out) as { workspace: string; pullRequests: PullRequestJson[] });
    expect(prs.workspace).toBe("default");
    const codify = byAction(prs.pullRequests, "codify");
    expect(codify.branch).toBe("driftback/default/aws_instance.web");
    expect(codify.files.map((f) => f.path)).toContain("main.tf");
    // no config here: the default labels only
    expect(codify.labels).toEqual(["drift", "drift:codify"]);
  });

  it("applies the config's backport rules: a rule that codifies policy drift turns the revert into a codify", async () => {
    const dir = exampleCopy();
    writeFileSync(path.join(dir, ".github", "driftback.yml"), "workspaces:\n  - name: prod\n    dir: workspace\nbackport:\n  rules:\n    - { type: aws_security_group, action: codify }\n");
    const { code, out } = await cli(["backport", "--dir", dir, "--plan-json", SCAN_PLAN, "--workspace", "prod", "--dry-run", "--format", "json"]);
    expect(code).toBe(0);
    const prs = (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests;
    expect(prs.map((pr) => pr.action)).toEqual(["codify", "codify"]);
    expect(prs.find((pr) => pr.branch === "driftback/prod/aws_security_group.web")!.files[0]!.diff).toContain('+    cidr_blocks = ["10.0.0.0/16", "0.0.0.0/0"]');
  });
});

describe("driftback backport --dry-run --verify plans the codified code on a scratch copy", () => {
  async function verify(planAfter: string) {
    const dir = exampleCopy();
    // what the fake terraform replays in the copy's workspace
    writeFileSync(path.join(dir, "workspace", "verify-plan.json"), verificationPlan(planAfter));
    writeFileSync(path.join(dir, "workspace", ".fake-terraform.json"), JSON.stringify({ plan: "verify-plan.json" }));
    const fake = fakeTerraformEnv();
    const before = snapshot(dir);
    const result = await backportCommand({
      dir,
      planJson: path.join(dir, "scan-plan.json"),
      workspace: "prod",
      dryRun: true,
      verify: true,
      format: "json",
      templates: bundledTemplates(),
      terraform: new TerraformCli({ env: fake.env, pluginCacheDir: path.join(dir, "..", "plugins") }),
    });
    return { dir, before, calls: fake.calls(), prs: (JSON.parse(result.text) as { pullRequests: PullRequestJson[] }).pullRequests };
  }

  it("marks the codify verified when the plan of the edited copy proposes nothing new, and leaves the repository alone", async () => {
    const { dir, before, calls, prs } = await verify("t3.large");
    const codify = prs.find((pr) => pr.branch === "driftback/prod/aws_instance.web")!;
    expect(codify).toMatchObject({ action: "codify", verified: true });
    expect(codify.body).toContain("Verified: <code>terraform plan</code> of this branch in <code>prod</code> (every configured workspace that loads an edited file) proposes no change to the codified attributes of <code>aws_instance.web</code>");
    // one plan of the whole workspace with the edit; the plan JSON given is the base it is compared with
    const plans = calls.filter((c) => c.args[0] === "plan");
    expect(plans).toHaveLength(1);
    expect(plans[0]!.args.filter((a) => a.startsWith("-target="))).toEqual([]);
    // the plan ran on a copy holding the edit, never in the repository
    expect(plans[0]!.cwd.startsWith(dir)).toBe(false);
    expect(snapshot(dir)).toEqual(before);
    // the revert pull request codifies nothing, so nothing of it was verified
    expect(prs.find((pr) => pr.action === "revert")!.verified).toBe(false);
  });

  it("falls back to a revert, not verified, when the verification plan still changes the attribute", async () => {
    const { prs } = await verify("t3.medium");
    const instance = prs.find((pr) => pr.branch === "driftback/prod/aws_instance.web")!;
    expect(instance).toMatchObject({ action: "revert", verified: false });
    expect(instance.files.map((f) => f.path)).not.toContain("workspace/main.tf");
    expect(instance.body).toContain("the verification plan still changed it");
  });
});

describe("driftback backport --repo opens the pull requests on GitHub with GITHUB_TOKEN", () => {
  let api: BackportApiMock;
  let repoDir: string;
  let head: string;

  beforeEach(() => {
    nock.disableNetConnect();
    api = new BackportApiMock("acme", "infra");
    repoDir = exampleCopy();
    // the verification plan (backport.verify defaults to true) runs the fake terraform, which replays a plan proposing nothing
    writeFileSync(path.join(repoDir, "workspace", "verify-plan.json"), verificationPlan("t3.large"));
    writeFileSync(path.join(repoDir, "workspace", ".fake-terraform.json"), JSON.stringify({ plan: "verify-plan.json" }));
    const fake = fakeTerraformEnv();
    for (const key of ["PATH", "FAKE_TERRAFORM_LOG", "FAKE_TERRAFORM_PIDS"]) vi.stubEnv(key, fake.env[key]!);
    vi.stubEnv("DRIFTBACK_PLUGIN_CACHE_DIR", mkdtempSync(path.join(os.tmpdir(), "plugins-")));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repoDir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();
    git("init", "--quiet", "-b", "main");
    git("add", "-A");
    git("commit", "--quiet", "-m", "infra");
    head = git("rev-parse", "HEAD");
    vi.stubEnv("GITHUB_TOKEN", TOKEN);
    vi.stubEnv("GITHUB_API_URL", "");
  });

  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const args = (...extra: string[]) => ["backport", "--dir", repoDir, "--plan-json", path.join(repoDir, "scan-plan.json"), "--workspace", "prod", "--repo", "acme/infra", "--format", "json", ...extra];
  const commitAnswer = (oid: string) => ({ status: 200, body: { data: { createCommitOnBranch: { commit: { oid, url: `https://github.com/acme/infra/commit/${oid}` } } } } });

  it("starts the branches at the local HEAD, commits the edit and opens both pull requests, never printing the token", async () => {
    api.scope.get("/repos/acme/infra").reply(200, { default_branch: "main", full_name: "acme/infra" });
    api.branchRef("main", head);
    api.scope.get("/user").reply(200, { login: "octocat" });
    api.pullRequestsPage([]);
    api.createRef().commitOnBranch(commitAnswer("1".repeat(40))).createPull({ status: 201, body: pullBody("acme", "infra", 7) }).addLabels(7);
    api.createRef().commitOnBranch(commitAnswer("2".repeat(40))).createPull({ status: 201, body: pullBody("acme", "infra", 8) }).addLabels(8);

    const { code, out, err } = await cli(args());
    expect(err).toBe("");
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { pullRequests: { number: number; url: string; action: string }[]; writes: number };
    expect(printed.pullRequests.map((pr) => `${pr.number} ${pr.action} ${pr.url}`)).toEqual(["7 revert https://github.com/acme/infra/pull/7", "8 codify https://github.com/acme/infra/pull/8"]);
    expect(printed.writes).toBe(8);
    expect(out + err).not.toContain(TOKEN);

    expect(api.sent("POST", "/repos/acme/infra/git/refs").map((r) => r.body)).toEqual([
      { ref: "refs/heads/driftback/prod/aws_security_group.web", sha: head },
      { ref: "refs/heads/driftback/prod/aws_instance.web", sha: head },
    ]);
    const commits = api.graphql("createCommitOnBranch").map((r) => r.body.variables.input);
    const codifyCommit = commits.find((c: { branch: { branchName: string } }) => c.branch.branchName === "driftback/prod/aws_instance.web");
    expect(codifyCommit.expectedHeadOid).toBe(head);
    const files = new Map<string, string>(codifyCommit.fileChanges.additions.map((a: { path: string; contents: string }) => [a.path, Buffer.from(a.contents, "base64").toString("utf8")]));
    expect(files.get("workspace/main.tf")).toContain('instance_type = "t3.large"');
    expect(files.get("workspace/main.tf")).toBe(readFileSync(path.join(repoDir, "workspace/main.tf"), "utf8").replace('instance_type = "t3.medium"', 'instance_type = "t3.large"'));
    const opened = api.sent("POST", "/repos/acme/infra/pulls").map((r) => r.body);
    expect(opened.map((b) => [b.head, b.base, b.title])).toEqual([
      ["driftback/prod/aws_security_group.web", "main", "Revert drift: aws_security_group.web ingress[0].cidr_blocks (prod)"],
      ["driftback/prod/aws_instance.web", "main", "Codify drift: aws_instance.web instance_type (prod)"],
    ]);
    expect(opened[1].body).toContain("<!-- driftback:backport ");
    expect(opened[1].body).toContain("Verified: <code>terraform plan</code> of this branch in");
    expect(api.sent("POST", "/repos/acme/infra/issues/8/labels").map((r) => r.body)).toEqual([{ labels: ["drift", "drift:codify", "infrastructure"] }]);
    expect(api.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    // nothing on disk changed: the edit went to GitHub only
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: repoDir, encoding: "utf8" })).toBe("");
  });

  it("refuses, before any write, when the local HEAD is not the head of the base branch on GitHub", async () => {
    api.branchRef("main", "f".repeat(40));
    const { code, out, err } = await cli(args("--base", "main", "--bot-login", "driftback[bot]"));
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toBe(`driftback: the local HEAD ${head.slice(0, 7)} is not the head of main on GitHub (fffffff): check out and pull main, plan again, and rerun, so the pull requests start from the code that was planned\n`);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /repos/acme/infra/git/ref/heads/main"]);
  });

  it("refuses a checkout with uncommitted changes, naming a changed file, before asking GitHub anything", async () => {
    writeFileSync(path.join(repoDir, "workspace", "main.tf"), "# edited\n", { flag: "a" });
    const { code, err } = await cli(args());
    expect(code).toBe(1);
    expect(err).toMatch(/^driftback: --dir .* has uncommitted changes \(workspace\/main\.tf\); commit or stash them/);
    expect(api.requests).toEqual([]);
  });

  it("exits 1 naming GITHUB_TOKEN when it is not set", async () => {
    vi.stubEnv("GITHUB_TOKEN", "");
    const { code, err } = await cli(args());
    expect(code).toBe(1);
    expect(err).toMatch(/^driftback: GITHUB_TOKEN is not set: --repo opens pull requests with the token in GITHUB_TOKEN/);
    expect(api.requests).toEqual([]);
  });

  it("says the token was refused on a 401, without echoing it", async () => {
    // octokit sends heads%2Fmain: match the decoded path, as the builders do
    api.scope.intercept((uri: string) => decodeURIComponent(uri) === "/repos/acme/infra/git/ref/heads/main", "GET").reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    const { code, err } = await cli(args("--base", "main"));
    expect(code).toBe(1);
    expect(err).toMatch(/GitHub did not accept the token in GITHUB_TOKEN \(HTTP 401\)/);
    expect(err).not.toContain(TOKEN);
  });

  it("prints what it opened and exits 1 when GitHub refuses one pull request", async () => {
    api.branchRef("main", head);
    api.pullRequestsPage([]);
    api.createRef({ status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } });
    api.createRef().commitOnBranch(commitAnswer("2".repeat(40))).createPull({ status: 201, body: pullBody("acme", "infra", 8) }).addLabels(8);
    const { code, out, err } = await cli(args("--base", "main", "--bot-login", "driftback[bot]"));
    expect(code).toBe(1);
    const printed = JSON.parse(out) as { pullRequests: { number: number }[]; skipped: { address: string; status: string; reason: string }[] };
    expect(printed.pullRequests.map((pr) => pr.number)).toEqual([8]);
    expect(printed.skipped).toEqual([expect.objectContaining({ address: "aws_security_group.web", status: "failed" })]);
    expect(err).toMatch(/^driftback: 1 drift could not be backported; first: .*permission/m);
  });
});

describe("driftback backport --var-file: the var files the plan used (issue 14, seen 6)", () => {
  /** The example with instance_type from var.size (default t3.small; prod.tfvars says t3.medium, what the scan planned with). */
  function varFileCopy(config?: string): { dir: string; plan: string } {
    const dir = exampleCopy();
    const main = readFileSync(path.join(dir, "workspace", "main.tf"), "utf8").replace('instance_type = "t3.medium"', "instance_type = var.size");
    writeFileSync(path.join(dir, "workspace", "main.tf"), `variable "size" {\n  default = "t3.small"\n}\n\n${main}`);
    writeFileSync(path.join(dir, "workspace", "prod.tfvars"), 'size = "t3.medium"\n');
    const plan = JSON.parse(readFileSync(SCAN_PLAN, "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "scan-plan.json"), JSON.stringify({ ...plan, variables: { size: { value: "t3.medium" } } }));
    if (config !== undefined) writeFileSync(path.join(dir, ".github", "driftback.yml"), config);
    return { dir, plan: path.join(dir, "scan-plan.json") };
  }
  const codifyOf = (out: string) => (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests.find((pr) => pr.branch.endsWith("/aws_instance.web"))!;

  it("without it, the codify is refused naming --var-file, and the default is never edited", async () => {
    const { dir, plan } = varFileCopy();
    const { code, out } = await cli(["backport", "--dir", path.join(dir, "workspace"), "--plan-json", plan, "--dry-run", "--format", "json"]);
    expect(code).toBe(0);
    const pr = codifyOf(out);
    expect(pr.action).toBe("revert");
    expect(pr.files.map((f) => f.path)).not.toContain("main.tf");
    expect(pr.body).toContain("<code>--var-file prod.tfvars</code>");
  });

  it("with it, the value is codified in that var file", async () => {
    const { dir, plan } = varFileCopy();
    const { code, out } = await cli(["backport", "--dir", path.join(dir, "workspace"), "--plan-json", plan, "--var-file", "prod.tfvars", "--dry-run", "--format", "json"]);
    expect(code).toBe(0);
    const pr = codifyOf(out);
    expect(pr.action).toBe("codify");
    expect(pr.files.find((f) => f.path === "prod.tfvars")!.diff).toContain('-size = "t3.medium"\n+size = "t3.large"');
  });

  it("with --workspace the config's var_files apply, and a --var-file comes after them (a .tfvars.json edited in place)", async () => {
    const { dir, plan } = varFileCopy("workspaces:\n  - name: prod\n    dir: workspace\n    var_files: [prod.tfvars]\n");
    expect(codifyOf((await cli(["backport", "--dir", dir, "--plan-json", plan, "--workspace", "prod", "--dry-run", "--format", "json"])).out).files[0]!.path).toBe("workspace/prod.tfvars");
    writeFileSync(path.join(dir, "workspace", "extra.tfvars.json"), '{\n  "size": "t3.medium"\n}\n');
    const { code, out } = await cli(["backport", "--dir", dir, "--plan-json", plan, "--workspace", "prod", "--var-file", "extra.tfvars.json", "--dry-run", "--format", "json"]);
    expect(code).toBe(0);
    const json = codifyOf(out).files.find((f) => f.path === "workspace/extra.tfvars.json")!;
    expect(json.diff).toContain('-  "size": "t3.medium"\n+  "size": "t3.large"');
  });

  it.each([
    [["--var-file", "nope.tfvars"], undefined, "driftback: --var-file nope.tfvars: nope.tfvars cannot be read (var files are relative to the workspace's dir): no such file or directory; check the path (ENOENT)\n"],
    [["--var-file", "/etc/passwd"], undefined, "driftback: --var-file /etc/passwd must be a path relative to the workspace's dir (.), not an absolute path\n"],
    [["--var-file", "../../x.tfvars"], undefined, "driftback: --var-file ../../x.tfvars climbs out of the repository once joined to the workspace's dir (.)\n"],
    [["--workspace", "prod"], "workspaces:\n  - name: prod\n    dir: workspace\n    var_files: [gone.tfvars]\n", "driftback: var_files of workspace prod in .github/driftback.yml: gone.tfvars: workspace/gone.tfvars cannot be read (var files are relative to the workspace's dir): no such file or directory; check the path (ENOENT)\n"],
  ])("refuses %j in one line, before anything runs", async (args, config, message) => {
    const { dir, plan } = varFileCopy(config);
    const at = config === undefined ? path.join(dir, "workspace") : dir;
    const { code, out, err } = await cli(["backport", "--dir", at, "--plan-json", plan, ...args, "--dry-run"]);
    expect({ code, out, err }).toEqual({ code: 1, out: "", err: message });
  });
});
