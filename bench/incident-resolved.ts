import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createSafeLog } from "../src/adapters/http/safe-log.js";
import { startDriftbackServer } from "../src/adapters/http/server.js";
import { TerraformCli } from "../src/adapters/terraform/cli-runner.js";
import { createDriftbackApp } from "../src/index.js";
import { bundledTemplates } from "../src/templates.js";
import { fakeTerraformEnv } from "../test/support/fake-terraform.js";
import { GitHubApiMock } from "../test/support/github-api.js";
import { GitHubBackportWorld } from "../test/support/github-backport-world.js";
import { TestRepo } from "../test/support/git-repo.js";
import { TimedRunner } from "./support/timed-runner.js";
import { freePort } from "../test/support/free-port.js";

const OWNER = "acme";
const REPO = "infra";
const INCIDENT = "PT4KHLK";
const SECRET = "bench-webhook-secret";
const ROUNDS = 3;
const GOAL_S = 5;
const PAGERDUTY = "https://api.pagerduty.com";

const CONFIG = `
workspaces:
  - name: prod
    dir: prod
    tier: prod
incidents:
  pagerduty: { service_ids: [PSHOP01] }
  services: { shop: [prod] }
`;

const MAIN_TF = `resource "aws_instance" "api" {
  ami           = "ami-123"
  instance_type = "t3.small"
}
`;

/** aws_instance.api resized to t3.large by hand: real drift that apply would set back. */
function files(): Record<string, string> {
  const change = (before: object, after: object) => ({ actions: ["update"], before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} });
  const resource = (c: object) => ({ address: "aws_instance.api", mode: "managed", type: "aws_instance", name: "api", provider_name: "registry.terraform.io/hashicorp/aws", change: c });
  const recorded = { ami: "ami-123", instance_type: "t3.small" };
  const live = { ami: "ami-123", instance_type: "t3.large" };
  const plan = { format_version: "1.2", terraform_version: "1.11.0", resource_drift: [resource(change(recorded, live))], resource_changes: [resource(change(live, recorded))] };
  return {
    "prod/main.tf": MAIN_TF,
    "prod/plan.json": JSON.stringify(plan),
    "prod/verify.json": JSON.stringify({ format_version: "1.2", terraform_version: "1.11.0", resource_changes: [] }),
    "prod/.fake-terraform.json": JSON.stringify({ plan: "plan.json", planWhenTargeted: "verify.json" }),
  };
}


function pagerDuty(now: number): void {
  const incident = {
    id: INCIDENT,
    incident_number: 7,
    title: "Checkout is slow",
    description: "api resized by hand",
    status: "resolved",
    html_url: `https://acme.pagerduty.com/incidents/${INCIDENT}`,
    created_at: new Date(now - 3_600_000).toISOString(),
    resolved_at: new Date(now - 60_000).toISOString(),
    service: { id: "PSHOP01", summary: "shop" },
  };
  const scope = nock(PAGERDUTY).persist();
  scope.get(`/incidents/${INCIDENT}`).query(true).reply(200, { incident });
  scope.get(`/incidents/${INCIDENT}/notes`).reply(200, { notes: [] });
  scope.get("/incidents").query(true).reply(200, { incidents: [incident], more: false, offset: 0, limit: 100 });
}

function post(port: number, pathname: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: pathname, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** One round on a fresh GitHub, repository and app: the signed webhook is posted, the clock stops at POST /pulls. */
async function round(privateKey: string): Promise<{ wallS: number; planS: number; plans: number; status: number; opened: boolean }> {
  nock.cleanAll();
  const now = Date.now();
  const repo = new TestRepo();
  new GitHubApiMock()
    .installationToken(1)
    .installations([{ id: 1, login: OWNER }])
    .installationRepositories([{ owner: OWNER, name: REPO, cloneUrl: repo.cloneUrl }])
    .config(OWNER, REPO, CONFIG)
    .dashboardIssues(OWNER, REPO);
  const world = new GitHubBackportWorld(OWNER, REPO);
  world.baseSha = repo.commitTo(files(), "refs/heads/main");
  pagerDuty(now);
  let openedAt: number | undefined;
  world.scope.on("request", (req: { method: string; url: string }) => {
    if (req.method === "POST" && new URL(req.url).pathname.endsWith("/pulls")) openedAt ??= performance.now();
  });

  const scratch = mkdtempSync(path.join(os.tmpdir(), "driftback-bench-incident-"));
  const terraform = new TimedRunner(new TerraformCli({ env: fakeTerraformEnv().env, scratchDir: scratch, pluginCacheDir: path.join(scratch, "plugins") }));
  const driftback = createDriftbackApp({ terraform, scratchDir: scratch, appId: 123, startScheduler: false, env: { PAGERDUTY_API_TOKEN: "bench-token", PAGERDUTY_WEBHOOK_SECRETS: SECRET } });
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const running = await startDriftbackServer({
    apps: [driftback.app],
    log: await createSafeLog({ level: "warn", format: "json", destination: quiet }),
    appId: 123,
    privateKey,
    secret: "bench",
    host: "127.0.0.1",
    port: await freePort(),
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    messages: bundledTemplates().http,
  });
  try {
    const body = JSON.stringify({ event: { id: randomUUID(), event_type: "incident.resolved", occurred_at: new Date().toISOString(), data: { id: INCIDENT, type: "incident" } } });
    const signature = `v1=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const start = performance.now();
    const status = await post(running.server.port, "/driftback/incidents/pagerduty", { "content-type": "application/json", "x-webhook-id": randomUUID(), "x-pagerduty-signature": signature }, body);
    await driftback.idle();
    const end = openedAt ?? performance.now();
    return { wallS: (end - start) / 1000, planS: terraform.planMs / 1000, plans: terraform.plans, status, opened: openedAt !== undefined };
  } finally {
    await running.stop();
  }
}

/** Incident-resolved webhook (PagerDuty, signed, over HTTP) to the backport pull request opened, minus plan time. */
export async function benchIncidentResolved(): Promise<void> {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  try {
    await round(privateKey); // warm-up: module loading, the HCL wasm toolchain
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(privateKey));
    const own = rounds.map((r) => r.wallS - r.planS).sort((a, b) => a - b);
    const median = own[Math.floor(own.length / 2)]!;
    const last = rounds.at(-1)!;
    const allOpened = rounds.every((r) => r.opened && r.status === 202);
    console.log("incident resolved -> backport pull request (PagerDuty webhook over HTTP, nock GitHub and PagerDuty, fake terraform, local git)");
    console.log(`  webhook to pull request opened  ${last.wallS.toFixed(2)} s wall, ${last.plans} plans of ${last.planS.toFixed(2)} s (last round)`);
    console.log(`    minus the fake terraform's plan time  ${median.toFixed(2)} s (median of ${ROUNDS} after a warm-up)  (goal <= ${GOAL_S} s) ${median <= GOAL_S && allOpened ? "OK" : "OVER GOAL"}${allOpened ? "" : "; a round did not open its pull request"}`);
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
  }
}
