import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearColourEnv } from "./support/colour-env.js";
import { expectGolden } from "./support/golden.js";
import { PagerDutyMock, pdIncident } from "./support/incident-apis.js";
import { runCli } from "./support/run-cli.js";
import { expectTerminalText } from "./support/terminal-text.js";
import { useIncidentCliEnv } from "./support/incident-cli-env.js";

/** Issue 17 §1: `incidents --format text`, for terminals, against a mocked PagerDuty. */
const PD_CONFIG = "workspaces:\n  - name: prod\n    dir: .\nincidents:\n  pagerduty: { service_ids: [PF9KMXH] }\n";
const SINCE = "2026-11-01T00:00:00Z";
const SUMMARY = "Incidents: 2 (1 open) from 1 source since 2026-11-01 00:00 UTC";

function repo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-text-incidents-"));
  mkdirSync(path.join(dir, ".github"));
  writeFileSync(path.join(dir, ".github", "driftback.yml"), PD_CONFIG);
  return dir;
}

/** PagerDuty is asked twice: incidents created in (or a week before) the window, then those still open. */
const pagerDuty = (incidents: unknown[]) => new PagerDutyMock().listIncidents({ incidents, more: false }).listIncidents({ incidents: [], more: false });
const open = (title: string) => pdIncident({ id: "PX0PEN1", incident_number: 7, title, description: title, status: "triggered", created_at: "2026-11-01T05:00:00Z", resolved_at: null, last_status_change_at: "2026-11-01T05:00:00Z" });

clearColourEnv();
useIncidentCliEnv("pd-token-canary-0123456789");

describe("driftback incidents --format text", () => {
  for (const columns of [80, 200]) {
    it(`fits ${columns} columns with NO_COLOR: a table oldest first, the title cut with …, the summary last (golden)`, async () => {
      pagerDuty([pdIncident(), open("Payments slow after the load balancer's listener changed")]);
      const { code, out, err } = await runCli(["incidents", "--dir", repo(), "--since", SINCE, "--format", "text"], { NO_COLOR: "1", COLUMNS: String(columns) });
      expect(err).toBe("");
      expect(code).toBe(0);
      expectTerminalText(out, { columns, summary: SUMMARY });
      expect(out).toMatch(/^2026-11-01 02:10 +pagerduty +PT4KHLK +resolved/m);
      expectGolden(out, new URL(`./golden/text/incidents-pagerduty-${columns}.txt`, import.meta.url));
    });
  }

  it("colours the status with FORCE_COLOR=1, --no-color beats it; json stays the default in a pipe", async () => {
    pagerDuty([pdIncident(), open("Payments slow")]);
    const forced = await runCli(["incidents", "--dir", repo(), "--since", SINCE, "--format", "text"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expectTerminalText(forced.out, { columns: 80, colour: true, summary: SUMMARY });
    pagerDuty([pdIncident(), open("Payments slow")]);
    const plain = await runCli(["incidents", "--dir", repo(), "--since", SINCE, "--format", "text", "--no-color"], { FORCE_COLOR: "1", COLUMNS: "80" });
    expect(plain.out).toBe(forced.out.replace(/\u001b\[[0-9;]*m/g, ""));
    pagerDuty([pdIncident()]);
    expect(JSON.parse((await runCli(["incidents", "--dir", repo(), "--since", SINCE])).out)).toHaveLength(1);
  });

  it("shows a hostile title escaped: control characters as text, <b> as it is, no entity", async () => {
    pagerDuty([open("\u001b[2J\u001b]0;owned\u0007<b>&amp;")]);
    const { code, out } = await runCli(["incidents", "--dir", repo(), "--since", SINCE, "--format", "text"], { NO_COLOR: "1", COLUMNS: "200" });
    expect(code).toBe(0);
    expect(out).toContain("\\x1b[2J\\x1b]0;owned\\x07<b>&amp;");
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it("refuses --with-text in the text format: the text is for --incidents-from (json)", async () => {
    const { code, err } = await runCli(["incidents", "--dir", repo(), "--since", SINCE, "--format", "text", "--with-text"], { NO_COLOR: "1" });
    expect(code).toBe(1);
    expect(err).toContain("--with-text prints the incidents' text in the json format");
  });
});
