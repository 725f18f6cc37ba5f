import { describe, expect, it } from "vitest";
import { OctokitDriftHost } from "../../src/adapters/github/octokit-drift-host.js";

const APP_ID = 123;
const MARKER = "<!-- driftback:dashboard -->";
/** Just enough of an installation Octokit for findDashboard: one page of issues. */
const octokitWith = (issues: object[]) => ({ paginate: async () => issues, rest: { issues: { listForRepo: () => undefined } } }) as never;

describe("the dashboard is found only among the App's own issues (issue 15 §2, §4.5)", () => {
  const ours = { number: 7, body: `${MARKER}\nours`, user: { login: "driftback[bot]", type: "Bot" }, performed_via_github_app: { id: APP_ID } };
  it.each([
    ["a person's issue with the marker and the label", { number: 3, body: `${MARKER}\nplanted`, user: { login: "mallory", type: "User" } }],
    ["another bot's issue", { number: 4, body: `${MARKER}\nplanted`, user: { login: "github-actions[bot]", type: "Bot" }, performed_via_github_app: { id: 15368 } }],
  ])("skips %s", async (_name, planted) => {
    const host = new OctokitDriftHost(octokitWith([planted, ours]), APP_ID);
    expect(await host.findDashboard({ owner: "acme", repo: "infra" }, MARKER)).toEqual({ number: 7, body: `${MARKER}\nours` });
    expect(await new OctokitDriftHost(octokitWith([planted]), APP_ID).findDashboard({ owner: "acme", repo: "infra" }, MARKER)).toBeUndefined();
  });
});
