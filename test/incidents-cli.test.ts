import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PagerDutyMock, pdIncident } from "./support/incident-apis.js";
import { runCli as cli } from "./support/run-cli.js";
import { useIncidentCliEnv } from "./support/incident-cli-env.js";

const PD_TOKEN = "pd-token-canary-0123456789";

function repoWith(config: string): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), "incidents-cli-"));
  mkdirSync(path.join(repo, ".github"));
  writeFileSync(path.join(repo, ".github", "driftback.yml"), config);
  return repo;
}

/** PagerDuty is asked twice: incidents created in (or a week before) the window, then those still open. */
const pagerDuty = (incidents: unknown[]) => new PagerDutyMock().listIncidents({ incidents, more: false }).listIncidents({ incidents: [], more: false });

const PD_CONFIG = "workspaces:\n  - name: prod\n    dir: .\nincidents:\n  pagerduty: { service_ids: [PF9KMXH] }\n";

useIncidentCliEnv(PD_TOKEN);

describe("driftback incidents --since", () => {
  it("lists each configured source's incidents in the neutral shape, without their text, and never prints the token", async () => {
    const pd = pagerDuty([pdIncident()]);
    const { code, out, err } = await cli(["incidents", "--dir", repoWith(PD_CONFIG), "--since", "2026-11-01T00:00:00Z"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      { key: "PT4KHLK", title: "Checkout down: security group sg-0abc opened to the world", url: "https://acme.pagerduty.com/incidents/PT4KHLK", status: "resolved", opened_at: "2026-11-01T02:10:00.000Z", resolved_at: "2026-11-01T03:40:00.000Z", service: "shop", source: "pagerduty" },
    ]);
    const [request] = pd.requests;
    expect(request!.query.get("since")).toBe("2026-10-25T00:00:00.000Z");
    expect(request!.query.getAll("service_ids[]")).toEqual(["PF9KMXH"]);
    expect(out + err).not.toContain(PD_TOKEN);
  });

  it("prints the text with --with-text, in a shape --incidents-from reads back", async () => {
    pagerDuty([pdIncident()]);
    const { code, out } = await cli(["incidents", "--dir", repoWith(PD_CONFIG), "--since", "2026-11-01T00:00:00Z", "--with-text"]);
    expect(code).toBe(0);
    const [incident] = JSON.parse(out) as { text?: string }[];
    expect(typeof incident!.text).toBe("string");
    const { parseIncidents } = await import("../src/adapters/incidents/file-source.js");
    expect(parseIncidents(out, "out")[0]).toMatchObject({ key: "PT4KHLK", source: "pagerduty" });
  });

  it("names a source whose variables are missing, still prints the others, and exits 1", async () => {
    pagerDuty([pdIncident()]);
    const { code, out, err } = await cli(["incidents", "--dir", repoWith(`${PD_CONFIG}  jira: { site: acme.atlassian.net, jql: "project = INC" }\n`), "--since", "2026-11-01T00:00:00Z"]);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toHaveLength(1);
    expect(err).toContain("driftback: incidents.jira is configured but JIRA_EMAIL and JIRA_API_TOKEN are not set");
    expect(err).toMatch(/one incident source could not be read \(see above\)\n$/);
  });

  it("says why a source refused, without the token, and exits 1", async () => {
    new PagerDutyMock().listIncidents({ status: 401, body: { error: { message: "Unauthorized", code: 2006 } } });
    const { code, err } = await cli(["incidents", "--dir", repoWith(PD_CONFIG), "--since", "7d"]);
    expect(code).toBe(1);
    expect(err).toMatch(/^driftback: pagerduty: .*PAGERDUTY_API_TOKEN/m);
    expect(err).not.toContain(PD_TOKEN);
  });

  it.each([
    ["a --since that is not a time", ["--since", "last week"], /--since last week must be an ISO 8601 time such as 2024-05-01T00:00:00Z, or a duration back from now such as 24h or 7d/],
    ["a --since in the future", ["--since", "2999-01-01T00:00:00Z"], /--since 2999-01-01T00:00:00Z is in the future/],
  ])("refuses %s in one line", async (_name, flags, message) => {
    const { code, out, err } = await cli(["incidents", "--dir", repoWith(PD_CONFIG), ...flags]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(message);
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("says when the config configures no incident source", async () => {
    const { code, err } = await cli(["incidents", "--dir", repoWith("workspaces:\n  - name: prod\n    dir: .\n"), "--since", "24h"]);
    expect(code).toBe(1);
    expect(err).toMatch(/configures no incident source; add incidents\.github, incidents\.pagerduty, incidents\.jira or incidents\.incident_io\n$/);
  });
});
