import { describe, expect, it } from "vitest";
import { reposTouchedBy, sameIncident, windowsEndedBy, type RepoIncidentEvidence, type ResolvedIncidentRef, type TouchedRepo } from "../../../src/core/incidents/touched-repos.js";
import type { BreakGlassDeclaration } from "../../../src/core/incidents/types.js";

const repo = (name: string, fields: Partial<RepoIncidentEvidence> = {}): RepoIncidentEvidence => ({
  repo: name,
  workspaces: ["prod", "staging"],
  services: {},
  breakGlass: [],
  openPullRequests: [],
  ...fields,
});

const INC: ResolvedIncidentRef = { key: "INC-123", url: "https://acme.atlassian.net/browse/INC-123", service: "shop" };

describe("reposTouchedBy", () => {
  const cases: { name: string; incident?: ResolvedIncidentRef; repos: RepoIncidentEvidence[]; touched: TouchedRepo[] }[] = [
    { name: "no evidence anywhere touches no repository", repos: [repo("acme/a"), repo("acme/b")], touched: [] },
    {
      name: "a break-glass declaration for the incident touches its repository with the declared workspaces",
      repos: [repo("acme/a", { breakGlass: [{ workspace: "prod", incidentKey: "INC-123" }, { workspace: "prod", incidentKey: "INC-123" }, { workspace: "staging", incidentKey: "INC-999" }] })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "break-glass", workspaces: ["prod"] }] }],
    },
    {
      name: "a declaration naming another incident touches nothing",
      repos: [repo("acme/a", { breakGlass: [{ workspace: "prod", incidentKey: "INC-1234" }] })],
      touched: [],
    },
    {
      name: "an open backport pull request whose marker links the incident touches its repository (numbers sorted)",
      repos: [repo("acme/a", { openPullRequests: [{ number: 9, incident: { key: "INC-123" } }, { number: 4, incident: { key: "inc-123" } }, { number: 5 }, { number: 6, incident: { key: "INC-12" } }] })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "linked-pull-request", pullRequests: [4, 9] }] }],
    },
    {
      name: "a marker linking the incident by its URL (a manual link) counts",
      repos: [repo("acme/a", { openPullRequests: [{ number: 3, incident: { key: "https://acme.atlassian.net/browse/INC-123/" } }] })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "linked-pull-request", pullRequests: [3] }] }],
    },
    {
      name: "a marker whose url field names the incident counts even when its key is spelled otherwise",
      repos: [repo("acme/a", { openPullRequests: [{ number: 3, incident: { key: "manual-link", url: "https://acme.atlassian.net/browse/INC-123" } }] })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "linked-pull-request", pullRequests: [3] }] }],
    },
    {
      name: "the incident's service mapped to workspaces the repository has touches it with those workspaces only",
      repos: [repo("acme/a", { services: { Shop: ["prod", "gone"] } }), repo("acme/b", { services: { shop: ["elsewhere"] } }), repo("acme/c", { services: { billing: ["prod"] } })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "service", service: "Shop", workspaces: ["prod"] }] }],
    },
    {
      name: "an incident without a service touches nothing through the service map",
      incident: { key: "INC-123" },
      repos: [repo("acme/a", { services: { shop: ["prod"] } })],
      touched: [],
    },
    {
      name: "every kind of evidence in one repository is listed, in a fixed order",
      repos: [repo("acme/a", { services: { shop: ["staging"] }, breakGlass: [{ workspace: "prod", incidentKey: "INC-123" }], openPullRequests: [{ number: 7, incident: { key: "INC-123" } }] })],
      touched: [
        {
          repo: "acme/a",
          reasons: [
            { kind: "break-glass", workspaces: ["prod"] },
            { kind: "linked-pull-request", pullRequests: [7] },
            { kind: "service", service: "shop", workspaces: ["staging"] },
          ],
        },
      ],
    },
    {
      name: "several repositories keep the order they were given in",
      repos: [repo("acme/z", { breakGlass: [{ workspace: "prod", incidentKey: "INC-123" }] }), repo("acme/m"), repo("acme/a", { openPullRequests: [{ number: 1, incident: { key: "INC-123" } }] })],
      touched: [
        { repo: "acme/z", reasons: [{ kind: "break-glass", workspaces: ["prod"] }] },
        { repo: "acme/a", reasons: [{ kind: "linked-pull-request", pullRequests: [1] }] },
      ],
    },
    {
      name: "a GitHub issue incident is matched by its owner/name#number key",
      incident: { key: "acme/incidents#42", url: "https://github.com/acme/incidents/issues/42" },
      repos: [repo("acme/a", { breakGlass: [{ workspace: "prod", incidentKey: "acme/incidents#42" }, { workspace: "staging", incidentKey: "acme/incidents#4" }] })],
      touched: [{ repo: "acme/a", reasons: [{ kind: "break-glass", workspaces: ["prod"] }] }],
    },
  ];
  it.each(cases)("$name", ({ incident, repos, touched }) => {
    expect(reposTouchedBy(incident ?? INC, repos)).toEqual(touched);
  });
});

describe("sameIncident", () => {
  const cases: { name: string; reference: string; same: boolean }[] = [
    { name: "the key itself", reference: "INC-123", same: true },
    { name: "the key in another case with spaces around", reference: "  inc-123 ", same: true },
    { name: "the URL", reference: "https://acme.atlassian.net/browse/INC-123", same: true },
    { name: "the URL with a trailing slash", reference: "https://acme.atlassian.net/browse/INC-123/", same: true },
    { name: "a longer key that starts the same", reference: "INC-1234", same: false },
    { name: "an empty reference", reference: "  ", same: false },
  ];
  it.each(cases)("$name: $same", ({ reference, same }) => {
    expect(sameIncident(reference, INC)).toBe(same);
  });
});

describe("windowsEndedBy", () => {
  const NOW = Date.parse("2024-05-01T05:00:00Z");
  const window = (fields: Partial<BreakGlassDeclaration>): BreakGlassDeclaration => ({ workspace: "prod", incidentKey: "INC-123", from: "2024-05-01T02:00:00Z", until: "2024-05-01T06:00:00Z", by: "alice", ...fields });
  const cases: { name: string; resolvedAt: string | null; declarations: BreakGlassDeclaration[]; ended: BreakGlassDeclaration[] }[] = [
    { name: "a window still in force ends at the resolution time", resolvedAt: "2024-05-01T04:00:00Z", declarations: [window({})], ended: [window({ until: "2024-05-01T04:00:00.000Z" })] },
    { name: "a window that already ended before the resolution is left as it is", resolvedAt: "2024-05-01T04:00:00Z", declarations: [window({ until: "2024-05-01T03:00:00Z" })], ended: [] },
    { name: "a window of another incident is left as it is", resolvedAt: "2024-05-01T04:00:00Z", declarations: [window({ incidentKey: "INC-9" })], ended: [] },
    { name: "without a resolution time the window ends now", resolvedAt: null, declarations: [window({})], ended: [window({ until: "2024-05-01T05:00:00.000Z" })] },
    { name: "a resolution time in the future (clock skew) ends it now", resolvedAt: "2024-05-01T05:30:00Z", declarations: [window({})], ended: [window({ until: "2024-05-01T05:00:00.000Z" })] },
    { name: "a resolution before the window opened ends it where it starts, never before", resolvedAt: "2024-05-01T01:00:00Z", declarations: [window({})], ended: [window({ until: "2024-05-01T02:00:00.000Z" })] },
    { name: "the key matches without case", resolvedAt: "2024-05-01T04:00:00Z", declarations: [window({ incidentKey: "inc-123", workspace: "staging" })], ended: [window({ incidentKey: "inc-123", workspace: "staging", until: "2024-05-01T04:00:00.000Z" })] },
  ];
  it.each(cases)("$name", ({ resolvedAt, declarations, ended }) => {
    expect(windowsEndedBy({ key: "INC-123", resolvedAt }, declarations, NOW)).toEqual(ended);
  });
});
