import { describe, expect, it } from "vitest";
import { parseMarker } from "../../src/core/backport/index.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { bundledTemplates } from "../../src/templates.js";
import { runBackportCommand, type BackportCommandOutcome } from "../../src/usecases/backport-command.js";
import type { BackportCommand } from "../../src/core/backport/command.js";
import { memoryLogger, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";
import type { MemoryGitHub } from "../support/memory-github.js";

const SG = "driftback/prod/aws_security_group.web";
const REPO = { owner: "acme", repo: "infra" };

/** A command from `login` on the pull request from `branch`, as the handler runs it; the scans it asks for are counted. */
async function command(github: MemoryGitHub, branch: string, cmd: BackportCommand, login = "octocat"): Promise<{ outcome: BackportCommandOutcome; scans: number }> {
  const pr = [...github.prs.values()].find((p) => p.branch === branch)!;
  let scans = 0;
  const outcome = await runBackportCommand(
    {
      host: github,
      templates: bundledTemplates(),
      logger: memoryLogger(),
      requestScan: async () => {
        scans++;
        return "started";
      },
    },
    { repo: REPO, pull: { number: pr.number, state: pr.state, merged: pr.merged, branch: pr.branch, baseRef: pr.base, body: pr.body }, marker: parseMarker(pr.body)!, command: cmd, login },
  );
  return { outcome, scans };
}

describe("backport commands with the backport use case (in-memory GitHub)", () => {
  it("/driftback ignore closes the pull request, and the next scans keep the drift ignored without a new pull request", async () => {
    const github = newGitHub();
    const { items } = await scanOnce(github, [sgDrift()]);
    const pr = github.openPrs().find((p) => p.branch === SG)!;

    const { outcome } = await command(github, SG, "ignore");

    expect(outcome).toEqual({ status: "ignored", branchDeleted: true });
    expect(github.prs.get(pr.number)).toMatchObject({ state: "closed", merged: false });
    expect(parseMarker(github.prs.get(pr.number)!.body)?.ignoredBy).toBe("octocat");
    expect(github.prs.get(pr.number)!.comments.at(-1)).toContain("Ignored by @octocat");
    expect(github.refs.has(SG)).toBe(false);

    const next = await scanOnce(github, [sgDrift()]);
    expect(next.report.drift[fingerprintOf(items[0]!)]).toMatchObject({ status: "ignored", pr: pr.number });
    expect(github.openPrs()).toEqual([]);
    expect(next.report.writes).toBe(0);

    // a changed live value opens it again
    await scanOnce(github, [sgDrift("open to the world")]);
    expect(github.openPrs().map((p) => p.branch)).toEqual([SG]);
  });

  it("/driftback codify switches a revert pull request to codify on the next scan, and a repeat writes nothing", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    expect(github.openPrs()[0]!.labels).toContain("drift:revert");

    const first = await command(github, SG, "codify");
    expect(first).toEqual({ outcome: { status: "switched", scan: "started" }, scans: 1 });
    const writes = github.writes;
    const again = await command(github, SG, "codify", "hubot");
    expect(again).toEqual({ outcome: { status: "unchanged" }, scans: 0 });
    expect(github.writes).toBe(writes);

    await scanOnce(github, [sgDrift()]);
    const [pr] = github.openPrs();
    expect(pr!.labels).toContain("drift:codify");
    expect(parseMarker(pr!.body)).toMatchObject({ action: "codify", override: "codify" });
    expect(github.filesOf(SG).get("infra/prod/main.tf")).toContain('description = "open to all"');
  });

  it("closes again, without rewriting the body, an ignored pull request a person reopened", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    await command(github, SG, "ignore", "alice");
    const pr = [...github.prs.values()][0]!;
    pr.state = "open"; // reopened by hand; its branch is gone by now
    github.refs.set(SG, github.refs.get("main")!);
    const body = pr.body;

    const { outcome } = await command(github, SG, "ignore", "octocat");

    expect(outcome.status).toBe("ignored");
    expect(pr.state).toBe("closed");
    expect(pr.body).toBe(body);
    expect(pr.comments.at(-1)).toContain("Ignored by @alice");
  });

  it("writes nothing when a person edited the marker out of the body", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const pr = github.openPrs()[0]!;
    const marker = parseMarker(pr.body)!;
    const writes = github.writes;
    const outcome = await runBackportCommand(
      { host: github, templates: bundledTemplates(), logger: memoryLogger(), requestScan: async () => "started" },
      { repo: REPO, pull: { number: pr.number, state: "open", merged: false, branch: pr.branch, baseRef: "main", body: "edited by hand" }, marker, command: "revert", login: "octocat" },
    );
    expect(outcome).toEqual({ status: "no-marker" });
    expect(github.writes).toBe(writes);
  });
});
