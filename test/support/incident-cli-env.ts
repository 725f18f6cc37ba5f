import nock from "nock";
import { afterEach, beforeEach, vi } from "vitest";

/**
 * The `driftback incidents` tests' world: no real network, PagerDuty's token set to `pagerDutyToken`, Jira's and
 * GitHub's tokens empty (so only the configured PagerDuty source answers), all put back after each test.
 */
export function useIncidentCliEnv(pagerDutyToken: string): void {
  beforeEach(() => {
    nock.disableNetConnect();
    vi.stubEnv("PAGERDUTY_API_TOKEN", pagerDutyToken);
    vi.stubEnv("JIRA_EMAIL", "");
    vi.stubEnv("JIRA_API_TOKEN", "");
    vi.stubEnv("GITHUB_TOKEN", "");
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    vi.unstubAllEnvs();
  });
}
