/**
 * What the backport e2e tests share: a Probot running driftback with the fake terraform (its log
 * captured line by line), GitHub as nock (GitHubApiMock for installations, config and the dashboard;
 * GitHubBackportWorld for branches, commits and pull requests), and a local bare git repository.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Probot, ProbotOctokit } from "probot";
import { expect } from "vitest";
import { createSafeLog } from "../../src/adapters/http/safe-log.js";
import { TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { decodeState } from "../../src/core/drift/state.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { createDriftbackApp, type DriftbackOptions } from "../../src/index.js";
import { fakeTerraformEnv } from "../support/fake-terraform.js";
import { GitHubApiMock } from "../support/github-api.js";
import { GitHubBackportWorld } from "../support/github-backport-world.js";
import { TestRepo } from "../support/git-repo.js";

export const OWNER = "acme";
export const REPO = "infra";
export const TOKEN = "ghs_installationtoken0123456789abcdef";
/** In the repository's code only: a log line that carries it carried file contents. */
export const CONTENT_CANARY = "canary-file-content-5b1e";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

export const CONFIG = `
workspaces:
  - name: prod
    dir: prod
    tier: prod
drift:
  schedule: "0 * * * *"
`;

const MAIN_TF = `# ${CONTENT_CANARY}
resource "aws_instance" "api" {
  ami           = "ami-123"
  instance_type = "t3.small"
}

resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["10.0.0.0/8"]
}
`;

export interface Live {
  /** aws_instance.api's live instance_type; null: matches the code. */
  instanceType?: string | null;
  /** aws_security_group_rule.ssh's live cidr_blocks; null: matches the code. */
  cidr?: string[] | null;
}

function resource(type: string, name: string, recorded: object, live: object) {
  const change = (before: object, after: object) => ({ actions: ["update"], before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} });
  return {
    drift: { address: `${type}.${name}`, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", change: change(recorded, live) },
    // what apply will do: set the live value back to the recorded one
    change: { address: `${type}.${name}`, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", change: change(live, recorded) },
  };
}

/** The plan terraform would show for that live world: real drift where the live value differs, apply setting it back. */
export function prodPlan(live: Live): string {
  const resources = [];
  if (live.instanceType) resources.push(resource("aws_instance", "api", { ami: "ami-123", instance_type: "t3.small" }, { ami: "ami-123", instance_type: live.instanceType }));
  if (live.cidr) {
    const rule = { type: "ingress", from_port: 22, to_port: 22, protocol: "tcp" };
    resources.push(resource("aws_security_group_rule", "ssh", { ...rule, cidr_blocks: ["10.0.0.0/8"] }, { ...rule, cidr_blocks: live.cidr }));
  }
  return JSON.stringify({ format_version: "1.2", terraform_version: "1.11.0", resource_drift: resources.map((r) => r.drift), resource_changes: resources.map((r) => r.change) });
}

/** The repository's tree for that live world: the code never changes, the fake terraform's plan does. */
export function files(live: Live, control: object = {}): Record<string, string> {
  return {
    "prod/main.tf": MAIN_TF,
    "prod/plan.json": prodPlan(live),
    // a verification plan (targeted) of the codified tree proposes nothing
    "prod/verify.json": JSON.stringify({ format_version: "1.2", terraform_version: "1.11.0", resource_changes: [] }),
    "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", planWhenTargeted: "verify.json", ...control }),
  };
}

export const API_FP = fingerprintOf({ workspace: "prod", address: "aws_instance.api", pathText: "instance_type" });
export const SSH_FP = fingerprintOf({ workspace: "prod", address: "aws_security_group_rule.ssh", pathText: "cidr_blocks" });
export const API_BRANCH = "driftback/prod/aws_instance.api";
export const SSH_BRANCH = "driftback/prod/aws_security_group_rule.ssh";

/** One test's GitHub and repository; apps started on it share them, as restarts share GitHub. */
export class BackportScenario {
  readonly repo = new TestRepo();
  readonly api: GitHubApiMock;
  readonly world = new GitHubBackportWorld(OWNER, REPO);
  /** Every log line every app of this scenario wrote (JSON, debug level and up). */
  readonly logs: string[] = [];
  /** Every request either mock answered, in order, as "METHOD /path" (reads too; GraphQL with its operation). */
  readonly sequence: string[] = [];
  now = Date.parse("2026-11-01T10:00:00Z");

  constructor(config = CONFIG) {
    this.api = new GitHubApiMock()
      .installationToken(1, TOKEN)
      .installations([{ id: 1, login: OWNER }])
      .installationRepositories([{ owner: OWNER, name: REPO, cloneUrl: this.repo.cloneUrl }])
      .config(OWNER, REPO, config)
      .dashboardIssues(OWNER, REPO);
    const record = (req: { method: string; url: string }, _interceptor: unknown, body: string) => {
      const url = new URL(req.url);
      const operation = url.pathname === "/graphql" ? /(?:query|mutation)\s+(\w+)/.exec(body)?.[1] : undefined;
      this.sequence.push(`${req.method} ${decodeURIComponent(url.pathname).replace(`/repos/${OWNER}/${REPO}`, "")}${operation ? ` ${operation}` : ""}`);
    };
    this.api.scope.on("request", record);
    this.world.scope.on("request", record);
  }

  /** The live world changes (or the code's main branch moves): the base branch follows the new commit. `control` goes to the fake terraform. */
  live(live: Live, control: object = {}): void {
    this.world.baseSha = this.repo.commitTo(files(live, control), "refs/heads/main");
  }

  async startApp(overrides: DriftbackOptions = {}) {
    const fake = fakeTerraformEnv();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-backport-e2e-"));
    const terraform = new TerraformCli({ env: fake.env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins"), killGraceMs: 300 });
    // the process logger `npm start` uses, at its most talkative level
    const destination = new Writable({ write: (chunk, _encoding, done) => done(void this.logs.push(String(chunk))) });
    const log = await createSafeLog({ level: "debug", format: "json", destination });
    const probot = new Probot({
      appId: 123,
      privateKey,
      log,
      Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
    });
    const driftback = createDriftbackApp({ terraform, scratchDir: scratch, appId: 123, startScheduler: false, now: () => this.now, ...overrides });
    await probot.load(driftback.app, { cwd: process.cwd(), addHandler: () => undefined });
    const receive = (name: string, payload: object) => probot.receive({ id: randomUUID(), name, payload } as Parameters<Probot["receive"]>[0]);
    const scan = async () => {
      const found = await driftback.scans().discover();
      expect(found).toHaveLength(1);
      return driftback.scans().run(found[0]!.repo, found[0]!.octokit);
    };
    return { probot, driftback, fake, receive, scan, idle: driftback.idle };
  }

  /** The dashboard body as the app last wrote it. */
  dashboard(): string {
    const writes = this.api.requests.filter((r) => (r.method === "POST" && r.path === `/repos/${OWNER}/${REPO}/issues`) || (r.method === "PATCH" && r.path === `/repos/${OWNER}/${REPO}/issues/7`));
    return writes.at(-1)?.body.body ?? "";
  }

  dashboardState() {
    return decodeState(this.dashboard()).state;
  }

  /** Writes to the dashboard mock (labels, the issue). */
  dashboardWrites(): number {
    return this.api.requests.filter((r) => r.method === "POST" || r.method === "PATCH").length;
  }

  /** Requests from this point on: call the returned function to get them. */
  requestsFrom(): () => string[] {
    const start = this.sequence.length;
    return () => this.sequence.slice(start);
  }
}

/** The contents a createCommitOnBranch request wrote, per path, decoded from base64. */
export function committedFiles(request: { body: any }): Record<string, string> {
  const additions = request.body.variables.input.fileChanges.additions as { path: string; contents: string }[];
  return Object.fromEntries(additions.map((a) => [a.path, Buffer.from(a.contents, "base64").toString("utf8")]));
}
