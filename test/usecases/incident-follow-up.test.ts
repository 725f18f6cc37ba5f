import { describe, expect, it } from "vitest";
import { IncidentSourceError } from "../../src/adapters/incidents/errors.js";
import { encodeMarker, type IncidentLinkSource } from "../../src/core/backport/marker.js";
import type { LinkedPullRequest } from "../../src/core/incidents/follow-up-view.js";
import type { BackportPullRequest, FollowUpRequest, FollowUpResult, IncidentSource, IncidentSourceName } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import { sealOf } from "../../src/core/state-seal.js";
import { followUpIncidents, followUpRequests, linkedFromPullRequests, linkedFromReport } from "../../src/usecases/incident-follow-up.js";
import { memoryLogger } from "../support/backport-world.js";

const REPO = { owner: "acme", repo: "infra" };
const templates = bundledTemplates();

/**
 * An incident source that keeps follow-ups in memory the way the adapters do: `edit` writes when the body changed,
 * `append` only when no follow-up carries the marker yet; `unsupported` (incident.io) takes none.
 */
class RecordingSource implements IncidentSource {
  /** incident key -> marker -> body */
  readonly stored = new Map<string, Map<string, string>>();
  readonly writes: { key: string; marker: string; body: string; outcome: "created" | "updated" }[] = [];
  readonly calls: { key: string; request: FollowUpRequest }[] = [];
  failWith: unknown;

  constructor(
    readonly name: IncidentSourceName,
    private readonly unsupported = false,
  ) {}

  async listIncidents(): Promise<never[]> {
    throw new Error("the follow-up never lists incidents");
  }
  async getIncident(): Promise<undefined> {
    throw new Error("the follow-up never reads an incident");
  }
  verifyWebhook(): never {
    throw new Error("not used");
  }

  async upsertFollowUp(key: string, request: FollowUpRequest): Promise<FollowUpResult> {
    this.calls.push({ key, request });
    if (this.failWith !== undefined) throw this.failWith;
    if (this.unsupported) return { written: false, outcome: "unsupported", reason: "incident.io's API cannot post an update or a note on an incident." };
    const notes = this.stored.get(key) ?? new Map<string, string>();
    this.stored.set(key, notes);
    const existing = notes.get(request.marker);
    if (existing !== undefined && (request.mode === "append" || existing === request.body)) return { written: false, outcome: "unchanged" };
    notes.set(request.marker, request.body);
    const outcome = existing === undefined ? "created" : "updated";
    this.writes.push({ key, marker: request.marker, body: request.body, outcome });
    return { written: true, outcome };
  }
}

function pr(number: number, status: LinkedPullRequest["status"], key: string, source: IncidentLinkSource, repo = "acme/infra"): LinkedPullRequest {
  return { repo, number, url: `https://github.com/${repo}/pull/${number}`, status, incident: { key, source } };
}

function run(sources: IncidentSource[], pullRequests: LinkedPullRequest[], logger = memoryLogger(), repo = REPO) {
  return followUpIncidents({ sources, templates, logger }, { repo, pullRequests });
}

describe("the follow-up on a GitHub or Jira incident: one comment edited in place", () => {
  it.each(["github", "jira"] as const)("%s: created with every pull request, unchanged on a rescan, edited when a status changes, reconciled when all are merged", async (name) => {
    const source = new RecordingSource(name);
    const key = name === "github" ? "acme/incidents#42" : "INC-7";

    // 1. the first pull requests open: one comment, a task list with nothing ticked
    const first = await run([source], [pr(12, "open", key, name), pr(11, "open", key, name)]);
    expect(first.writes).toBe(1);
    expect(source.writes).toEqual([{ key, marker: "driftback:follow-up:acme/infra:list", outcome: "created", body: expect.any(String) }]);
    expect(source.calls[0]!.request.mode).toBe("edit");
    expect(source.writes[0]!.body).toContain("- [ ] [acme/infra#\u206011](https://github.com/acme/infra/pull/11) open\n- [ ] [acme/infra#\u206012](https://github.com/acme/infra/pull/12) open");
    expect(source.writes[0]!.body).not.toContain("reconciled");

    // 2. a rescan that changes nothing (the list in another order) writes nothing
    const rescan = await run([source], [pr(11, "open", key, name), pr(12, "open", key, name)]);
    expect(rescan).toEqual({ writes: 0, followUps: [{ source: name, key, marker: "driftback:follow-up:acme/infra:list", outcome: "unchanged" }] });
    expect(source.writes).toHaveLength(1);

    // 3. one merged: the same comment edited, still not reconciled
    await run([source], [pr(11, "merged", key, name), pr(12, "open", key, name)]);
    expect(source.writes.map((w) => w.outcome)).toEqual(["created", "updated"]);
    expect(source.writes[1]!.body).toContain("- [x] [acme/infra#\u206011](https://github.com/acme/infra/pull/11) merged");
    expect(source.writes[1]!.body).not.toContain("reconciled");

    // 4. all merged or closed: the last line says the incident's drift is reconciled
    await run([source], [pr(11, "merged", key, name), pr(12, "closed", key, name)]);
    const last = source.writes.at(-1)!;
    expect(last.outcome).toBe("updated");
    expect(last.body.split("\n").at(-1)).toBe("All of them are merged or closed: this incident's drift in acme/infra is reconciled.");
    expect(last.body).toContain("- [x] [acme/infra#\u206012](https://github.com/acme/infra/pull/12) closed");

    // 5. and a rescan after that writes nothing
    expect((await run([source], [pr(12, "closed", key, name), pr(11, "merged", key, name)])).writes).toBe(0);
    expect(source.writes).toHaveLength(3);
    expect(source.stored.get(key)!.size).toBe(1); // one comment throughout
  });

  it("two repositories' pull requests on one incident keep one comment each (their markers differ), so neither overwrites the other", async () => {
    const source = new RecordingSource("github");
    const key = "acme/incidents#42";
    await run([source], [pr(3, "open", key, "github", "acme/infra")]);
    await run([source], [pr(8, "open", key, "github", "acme/network")], memoryLogger(), { owner: "acme", repo: "network" });
    // each repository's rescan: nothing written
    await run([source], [pr(3, "open", key, "github", "acme/infra")]);
    await run([source], [pr(8, "open", key, "github", "acme/network")], memoryLogger(), { owner: "acme", repo: "network" });
    expect([...source.stored.get(key)!.keys()]).toEqual(["driftback:follow-up:acme/infra:list", "driftback:follow-up:acme/network:list"]);
    expect(source.writes).toHaveLength(2);
  });
});

describe("the follow-up on a PagerDuty incident: a note when pull requests open and one when all are resolved", () => {
  it("writes exactly two notes over the incident's life, however many scans and status changes come between", async () => {
    const source = new RecordingSource("pagerduty");
    const key = "PT4KHLK";
    await run([source], [pr(5, "open", key, "pagerduty")]);
    await run([source], [pr(5, "open", key, "pagerduty")]);
    await run([source], [pr(5, "open", key, "pagerduty"), pr(6, "open", key, "pagerduty")]);
    await run([source], [pr(5, "merged", key, "pagerduty"), pr(6, "open", key, "pagerduty")]);
    expect(source.writes.map((w) => w.marker)).toEqual(["driftback:follow-up:acme/infra:opened"]);
    expect(source.calls.every((c) => c.request.mode === "append")).toBe(true);
    expect(source.writes[0]!.body).toContain("driftback opened backport pull requests for this incident's drift in acme/infra:");

    const resolved = await run([source], [pr(5, "merged", key, "pagerduty"), pr(6, "closed", key, "pagerduty")]);
    expect(resolved.writes).toBe(1);
    await run([source], [pr(5, "merged", key, "pagerduty"), pr(6, "closed", key, "pagerduty")]);
    expect(source.writes.map((w) => w.marker)).toEqual(["driftback:follow-up:acme/infra:opened", "driftback:follow-up:acme/infra:reconciled"]);
    expect(source.writes[1]!.body).toMatch(/^This incident's drift in acme\/infra is reconciled/);
    expect(source.writes[1]!.body).toContain("[acme/infra#6](https://github.com/acme/infra/pull/6) closed");
  });
});

describe("what is not written", () => {
  it("incident.io takes no follow-up: said once per scan at info level, for all its incidents, with no warning or error", async () => {
    const source = new RecordingSource("incident_io", true);
    const logger = memoryLogger();
    const result = await run([source], [pr(1, "open", "INC-1", "incident_io"), pr(2, "open", "INC-2", "incident_io"), pr(3, "merged", "INC-2", "incident_io")], logger);
    expect(result.writes).toBe(0);
    expect(result.followUps.map((f) => f.outcome)).toEqual(["unsupported", "unsupported"]);
    expect(logger.lines).toEqual([
      { level: "info", obj: { repo: "acme/infra", source: "incident_io", incidents: 2, reason: "incident.io's API cannot post an update or a note on an incident." }, msg: "incident follow-up not written: the tracker takes none" },
    ]);
  });

  it("a link whose source is not configured (or was made by hand from a URL no source reads) is skipped and said once", async () => {
    const github = new RecordingSource("github");
    const logger = memoryLogger();
    const result = await run([github], [pr(1, "open", "https://status.example.com/x", "manual"), pr(2, "open", "INC-9", "jira"), pr(3, "open", "INC-8", "jira")], logger);
    expect(result.followUps.map((f) => `${f.source} ${f.key} ${f.outcome}`)).toEqual(["jira INC-8 no-source", "jira INC-9 no-source", "manual https://status.example.com/x no-source"]);
    expect(github.calls).toEqual([]);
    expect(logger.lines.map((l) => [l.level, (l.obj as { source: string }).source, (l.obj as { incidents: number }).incidents])).toEqual([
      ["info", "jira", 2],
      ["info", "manual", 1],
    ]);
  });

  it("no linked pull requests: nothing asked, nothing logged", async () => {
    const source = new RecordingSource("github");
    const logger = memoryLogger();
    expect(await run([source], [], logger)).toEqual({ followUps: [], writes: 0 });
    expect(source.calls).toEqual([]);
    expect(logger.lines).toEqual([]);
  });
});

describe("tracker errors", () => {
  it("a failing source is logged with its reason only, the other incidents are still followed up, and the next scan writes what failed", async () => {
    const jira = new RecordingSource("jira");
    const github = new RecordingSource("github");
    const token = "ATATT3xFfGF0secretTOKENvalue";
    jira.failWith = new IncidentSourceError("rate-limited", "Could not write the follow-up comment on Jira issue INC-7: Jira's rate limit was hit (HTTP 429); driftback tries again in 17 s.", {
      cause: new Error(`request with Authorization: Basic ${token}`),
      retryAfterSeconds: 17,
    });
    const logger = memoryLogger();
    const linked = [pr(1, "open", "INC-7", "jira"), pr(2, "open", "acme/incidents#42", "github")];

    const failed = await run([jira, github], linked, logger);
    expect(failed.writes).toBe(1);
    expect(failed.followUps.map((f) => `${f.source} ${f.outcome}`)).toEqual(["github created", "jira failed"]);
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings).toEqual([
      {
        level: "warn",
        obj: { repo: "acme/infra", source: "jira", incident: "INC-7", reason: "Could not write the follow-up comment on Jira issue INC-7: Jira's rate limit was hit (HTTP 429); driftback tries again in 17 s." },
        msg: "incident follow-up failed; the next scan tries again",
      },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(token);

    // the next scan: Jira answers again, its comment is written; GitHub's is unchanged
    jira.failWith = undefined;
    const retried = await run([jira, github], linked);
    expect(retried.followUps.map((f) => `${f.source} ${f.outcome}`)).toEqual(["github unchanged", "jira created"]);
  });

  it("anything else a source throws (a bug) is a generic reason in the log, never its message, and never a throw", async () => {
    const github = new RecordingSource("github");
    github.failWith = new TypeError("Cannot read properties of undefined (reading 'customer_email: jo@example.com')");
    const logger = memoryLogger();
    const result = await run([github], [pr(1, "open", "acme/incidents#42", "github")], logger);
    expect(result.followUps).toEqual([{ source: "github", key: "acme/incidents#42", marker: "driftback:follow-up:acme/infra:list", outcome: "failed", reason: "the incident source failed unexpectedly" }]);
    expect(JSON.stringify(logger.lines)).not.toContain("jo@example.com");
  });
});

describe("the follow-up's input", () => {
  const marker = (incident?: { key: string; source: IncidentLinkSource; url?: string; pinned?: boolean }) =>
    encodeMarker({ version: 1, key: "prod/aws_instance.api", workspace: "prod", action: "codify", items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "codify", settled: "codify" }], digest: "0123456789ab", ...(incident ? { incident } : {}) });
  const backportPr = (number: number, fields: Partial<BackportPullRequest>): BackportPullRequest => ({
    number,
    state: "open",
    merged: false,
    draft: false,
    branch: `driftback/prod/${number}`,
    headSha: "b".repeat(40),
    baseRef: "main",
    title: "t",
    body: "",
    labels: ["drift"],
    url: `https://github.com/acme/infra/pull/${number}`,
    ...fields,
  });

  it("reads the incident from each pull request's marker and its status from its state (merged, closed, open); pull requests without an incident are left out", () => {
    const linked = linkedFromPullRequests(REPO, [
      backportPr(1, { body: `body\n${marker({ key: "INC-1", source: "jira", url: "https://acme.atlassian.net/browse/INC-1", pinned: true })}` }),
      backportPr(2, { state: "closed", merged: true, body: marker({ key: "INC-1", source: "jira" }) }),
      backportPr(3, { state: "closed", body: marker({ key: "PT1", source: "pagerduty" }) }),
      backportPr(4, { body: marker() }),
      backportPr(5, { body: "no marker at all" }),
    ]);
    expect(linked.map((l) => `${l.number} ${l.status} ${l.incident.source}:${l.incident.key} ${l.url}`)).toEqual([
      "1 open jira:INC-1 https://github.com/acme/infra/pull/1",
      "2 merged jira:INC-1 https://github.com/acme/infra/pull/2",
      "3 closed pagerduty:PT1 https://github.com/acme/infra/pull/3",
    ]);
    expect(linked[0]!.incident).toEqual({ key: "INC-1", source: "jira", url: "https://acme.atlassian.net/browse/INC-1" });
  });

  it("takes BackportReport.incidents as is, with each pull request's URL built by the caller; an unknown source is left out", () => {
    const linked = linkedFromReport(
      REPO,
      [
        { pr: 7, key: "acme/incidents#42", source: "github", url: "https://github.com/acme/incidents/issues/42", title: "Checkout down", status: "merged" },
        { pr: 8, key: "X", source: "opsgenie", status: "open" },
      ],
      (n) => `https://ghe.example.com/acme/infra/pull/${n}`,
    );
    expect(linked).toEqual([{ repo: "acme/infra", number: 7, url: "https://ghe.example.com/acme/infra/pull/7", status: "merged", incident: { key: "acme/incidents#42", source: "github", url: "https://github.com/acme/incidents/issues/42" } }]);
  });
});

describe("sealed follow-ups (issue 15: a person cannot plant a marker driftback then edits or takes as written)", () => {
  const keys = [Buffer.from("first-state-key-0123456789"), Buffer.from("older-state-key-0123456789")];
  const group = (key: string) => ({ repo: "acme/infra", incident: { key, source: "github" as const }, pullRequests: [{ repo: "acme/infra", number: 3, url: "https://github.com/acme/infra/pull/3", status: "open" as const, incident: { key, source: "github" as const } }] });

  it("carries one seal per key, the first written; none without a key", () => {
    const [request] = followUpRequests(group("#42"), "github", templates, keys);
    expect(request!.seals).toHaveLength(2);
    expect(request!.seals![0]).toBe(sealOf("follow-up", `github\n#42\n${request!.marker}`, [keys[0]!]));
    expect(followUpRequests(group("#42"), "github", templates, [])[0]!.seals).toBeUndefined();
  });

  it("the seal is bound to the incident: one copied from another incident's follow-up does not match", () => {
    const a = followUpRequests(group("#42"), "github", templates, keys)[0]!;
    const b = followUpRequests(group("#43"), "github", templates, keys)[0]!;
    expect(a.marker).toBe(b.marker);
    expect(a.seals![0]).not.toBe(b.seals![0]);
  });
});
