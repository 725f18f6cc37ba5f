import http from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeState } from "../../src/core/drift/state.js";
import { GitHubApiMock } from "../support/github-api.js";
import { TestRepo } from "../support/git-repo.js";
import { startApp } from "../support/probot-app.js";
import { PARITY_CONFIG, parityFiles } from "./parity-fixtures.js";

const OWNER = "acme";
const REPO = "infra";
const CONFIG = PARITY_CONFIG;
const files = parityFiles;

let api: GitHubApiMock;
let repo: TestRepo;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  repo = new TestRepo();
  api = new GitHubApiMock().installationToken(1).installations([{ id: 1, login: OWNER }]).installationRepositories([{ owner: OWNER, name: REPO, cloneUrl: repo.cloneUrl }]).config(OWNER, REPO, CONFIG).dashboardIssues(OWNER, REPO);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function scanNow(app: Awaited<ReturnType<typeof startApp>>) {
  const found = await app.driftback.scans().discover();
  return app.driftback.scans().run(found[0]!.repo, found[0]!.octokit);
}

const writes = () => api.requests.filter((r) => r.method === "POST" || r.method === "PATCH");

describe("a scan's parity section and metric (issue 16 §5; nock, fake terraform, local git)", () => {
  it("writes the group's declared and live differences with their causes and ages, keeps first sightings, and counts them in /metrics", async () => {
    let now = Date.parse("2026-11-01T10:00:00Z");
    const app = await startApp({ now: () => now });
    repo.commitTo(files(), "refs/heads/main");

    const first = await scanNow(app);
    expect(first!.dashboard).toMatchObject({ action: "created" });
    const body: string = writes().at(-1)!.body.body;
    expect(body).toContain("### Environment parity");
    expect(body).toContain("Members: <code>staging</code>, <code>prod-us</code>, <code>prod-eu</code>");
    // the declared input, the live pool (caused by code) and the live timeout (drift in prod-eu), names expected by design
    expect(body).toMatch(/\| <code>module\.shop<\/code> \| <code>pool_size<\/code> \| <code>20<\/code> \| <code>20<\/code> \| <code>10<\/code> \| declared \| 2026-11-01 \(0 days\) \|/);
    expect(body).toMatch(/\| <code>aws_db_proxy\.shop<\/code> \| <code>pool_size<\/code> \|.*\| live, code: the members declare different values \|/);
    expect(body).toMatch(/\| <code>aws_db_proxy\.shop<\/code> \| <code>settings\.DB_TIMEOUT<\/code> \| <code>10s<\/code> \| <code>10s<\/code> \| <code>60s<\/code> \| live, drift: changed outside Terraform in prod-eu \|/);
    expect(body).not.toMatch(/<code>name<\/code>/);
    expect(Object.values(decodeState(body).state.parity ?? {})).toEqual(["2026-11-01", "2026-11-01", "2026-11-01"]);

    // the same differences a day later: first sightings kept, their age grows
    now += 24 * 3_600_000;
    await scanNow(app);
    const later: string = writes().at(-1)!.body.body;
    expect(later).toMatch(/\| declared \| 2026-11-01 \(1 day\) \|/);

    const server = http.createServer(async (req, res) => {
      for (const handler of app.handlers) if (await handler(req, res)) return;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const metrics = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
    await new Promise((resolve) => server.close(resolve));
    expect(metrics).toMatch(/driftback_parity_differences\{repo="acme\/infra",group="modules\/service",cause="declared"\} 1/);
    expect(metrics).toMatch(/driftback_parity_differences\{repo="acme\/infra",group="modules\/service",cause="code"\} 1/);
    expect(metrics).toMatch(/driftback_parity_differences\{repo="acme\/infra",group="modules\/service",cause="drift"\} 1/);
    expect(metrics).toMatch(/driftback_parity_differences\{repo="acme\/infra",group="modules\/service",cause="unapplied"\} 0/);
  });
});
