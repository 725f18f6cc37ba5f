import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OctokitDriftHost } from "../../src/adapters/github/octokit-drift-host.js";

// issue 15 §2: an unsealed dashboard state block is adopted only when nobody but driftback's bot edited the body.
// GitHub's GraphQL Issue has `author` and `editor` (both nullable Actors; `editor` null when never edited).
const REPO = { owner: "acme", repo: "infra" };
let host: OctokitDriftHost;
let sent: { query: string; variables: Record<string, unknown> }[];

beforeEach(() => {
  nock.disableNetConnect();
  sent = [];
  host = new OctokitDriftHost(new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false } }), 7);
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function answer(data: unknown) {
  nock("https://api.github.com")
    .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
      sent.push(body);
      return true;
    })
    .reply(200, { data });
}

describe("OctokitDriftHost.dashboardEditedByOthers", () => {
  it.each([
    ["never edited (editor null)", { author: { login: "driftback" }, editor: null }, false],
    ["last edited by driftback's own bot", { author: { login: "driftback" }, editor: { login: "driftback" } }, false],
    ["last edited by a person", { author: { login: "driftback" }, editor: { login: "mallory" } }, true],
    ["author gone (ghost) and edited", { author: null, editor: { login: "mallory" } }, true],
  ])("%s → %s", async (_name, issue, expected) => {
    answer({ repository: { issue } });
    expect(await host.dashboardEditedByOthers(REPO, 12)).toBe(expected);
    expect(sent[0]!.variables).toEqual({ owner: "acme", name: "infra", number: 12 });
  });

  it("an issue GitHub does not show cannot vouch for its body", async () => {
    answer({ repository: { issue: null } });
    expect(await host.dashboardEditedByOthers(REPO, 12)).toBe(true);
  });
});
