import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { withBackports, type BackportOutcome } from "../../src/core/drift/backport-state.js";
import { renderDashboard, reopenRequests, type DashboardContext } from "../../src/core/drift/dashboard.js";
import { decodeState, EMPTY_STATE, encodeState, mergeScan, type BackportStatus, type DashboardState, type ObservedItem } from "../../src/core/drift/state.js";
import { fingerprintOf } from "../../src/core/drift/track.js";
import { bundledTemplates } from "../../src/templates.js";

const observed = (path: string, workspace = "prod"): ObservedItem => ({
  fingerprint: fingerprintOf({ workspace, address: "aws_instance.web", pathText: path }),
  workspace,
  address: "aws_instance.web",
  path,
  class: "actionable",
  taxonomy: "configuration",
  severity: "high",
  valueHash: "0123456789ab",
});
const fp = (path: string, workspace = "prod") => observed(path, workspace).fingerprint;
const scanned = (paths: string[], workspace = "prod", previous: DashboardState = EMPTY_STATE) => mergeScan(previous, [{ workspace, ok: true, items: paths.map((p) => observed(p, workspace)), noise: 0, unapplied: 0 }], "2026-11-01");
const ran = (drift: Record<string, BackportStatus>, ignored: { fingerprint: string; valueHash: string; pr: number }[] = [], workspaces = ["prod"]): BackportOutcome => ({ kind: "ran", scanned: workspaces, drift, ignored });

const ctx: DashboardContext = { owner: "acme", repo: "infra", defaultBranch: "main", schedule: "0 * * * *", workspaces: [{ name: "prod", dir: "prod" }, { name: "dev", dir: "dev" }], today: "2026-11-02", backport: { maxOpen: 10 } };
const render = (state: DashboardState, context: Partial<DashboardContext> = {}) => renderDashboard(state, { ...ctx, ...context }, bundledTemplates());
const prCell = (body: string, path: string) => new RegExp(`<code>${path.replace(".", "\\.")}</code> \\| [^|]+ \\| [^|]+ \\| [^|]+ \\| (.*) \\|$`, "m").exec(body)?.[1];

/** The block's JSON, edited by hand, packed again: what another driftback version (or a person) could leave. */
function editedBlock(state: DashboardState, edit: (json: any) => void): string {
  const json = JSON.parse(inflateRawSync(Buffer.from(/\n([^]*)\n-->/.exec(encodeState(state))![1]!.replace(/\n/g, ""), "base64")).toString());
  edit(json);
  return `<!-- driftback:state\n${deflateRawSync(Buffer.from(JSON.stringify(json))).toString("base64")}\n-->`;
}

describe("the hidden state block across driftback versions", () => {
  // written by the encoder before backport statuses existed (git show fd536b6:src/core/drift/state.ts)
  const OLD_BLOCK = `<!-- driftback:state
VY3LCoMwFET/ZdbXEh+1bX6jSxG5mqgBSYKJlSL+e7GlC1fDGYYzG16QKWGF3OBnp44MkeMSIKFm00etQJg4xGfHFhKZyMokFUku
QLDOBP01LJa9n4xWkGLfCQayqn5KAq+hMTZEtp2+rLoF4Y9NfHt9TLponOV2OqBztjfDMvPRgTCaYQSdr08g0iwvruXt/uAWVNT1
/gE=
-->`;

  it("still decodes a block written before backport statuses, with its first-seen dates and pull request", () => {
    const { state, problem } = decodeState(`body\n${OLD_BLOCK}\n`);
    expect(problem).toBeUndefined();
    expect(state.ignored).toEqual([]);
    expect(state.items[fp("instance_type")]).toEqual({ workspace: "prod", address: "aws_instance.web", path: "instance_type", class: "actionable", taxonomy: "configuration", severity: "high", firstSeen: "2026-10-30", lastSeen: "2026-10-30", valueHash: "0123456789ab", pr: 4 });
    expect(state.workspaces.prod).toMatchObject({ status: "drifted", noise: 1 });
  });

  it("round-trips every backport status and the remembered ignores", () => {
    const paths = ["a", "b", "c", "d", "e", "f", "g"];
    const statuses: BackportStatus[] = [
      { status: "open", pr: 12, action: "codify" },
      { status: "merged", pr: 13, action: "revert" },
      { status: "ignored", pr: 14 },
      { status: "waiting", reason: "over backport.max_open" },
      { status: "failed", reason: "GitHub refused the branch", pr: 15 },
      { status: "failed", reason: "the verification plan timed out" },
      { status: "none", reason: "a rule says ignore" },
    ];
    const state = withBackports(scanned(paths), ran(Object.fromEntries(paths.map((p, i) => [fp(p), statuses[i]!])), [{ fingerprint: fp("c"), valueHash: "0123456789ab", pr: 14 }]));
    expect(decodeState(encodeState(state))).toEqual({ state });
    expect(state.items[fp("a")]).toMatchObject({ pr: 12, backport: { status: "open" } });
    expect(state.items[fp("d")]!.pr).toBeUndefined();
  });

  it("drops a status it cannot read on its own and keeps the rest of the state", () => {
    const state = withBackports(scanned(["a", "b"]), ran({ [fp("a")]: { status: "open", pr: 3, action: "codify" }, [fp("b")]: { status: "ignored", pr: 4 } }));
    // a newer driftback's status kind, then an open status missing its pull request
    const decoded = decodeState(editedBlock(state, (json) => (json.b = [{ s: "exploded", p: 3 }, { s: "open", a: "codify" }])));
    expect(decoded.problem).toBeUndefined();
    expect(Object.values(decoded.state.items).map((i) => i.backport)).toEqual([undefined, undefined]);
    expect(Object.keys(decoded.state.items)).toEqual([fp("a"), fp("b")]);
  });

  it("ignores a remembered ignore whose fingerprint is not one", () => {
    const state = { ...scanned(["a"]), ignored: [{ fingerprint: fp("a"), valueHash: "v", pr: 2 }] };
    const decoded = decodeState(editedBlock(state, (json) => json.g.push(["--> <script>", "v", 3])));
    expect(decoded.state.ignored).toEqual([{ fingerprint: fp("a"), valueHash: "v", pr: 2 }]);
  });
});

describe("the remembered cleared merges", () => {
  it("round-trip through the block, survive a scan, and a fingerprint that is not one is dropped alone", () => {
    const state = { ...scanned(["a"]), cleared: [{ fingerprint: fp("b"), pr: 3 }] };
    expect(decodeState(encodeState(state))).toEqual({ state });
    expect(mergeScan(state, [{ workspace: "prod", ok: true, items: [], noise: 0, unapplied: 0 }], "2026-11-02").cleared).toEqual([{ fingerprint: fp("b"), pr: 3 }]);
    const decoded = decodeState(editedBlock(state, (json) => json.c.push(["--> <script>", 4])));
    expect(decoded.state.cleared).toEqual([{ fingerprint: fp("b"), pr: 3 }]);
  });

  it("a block written before them decodes with none", () => {
    const decoded = decodeState(editedBlock(scanned(["a"]), (json) => delete json.c));
    expect(decoded.state.cleared).toEqual([]);
  });

  it("are replaced by a run that reports them, kept by one that does not, by a stopped or an off step", () => {
    const state = { ...scanned(["a"]), cleared: [{ fingerprint: fp("b"), pr: 3 }] };
    expect(withBackports(state, { kind: "ran", scanned: ["prod"], drift: {}, ignored: [], cleared: [{ fingerprint: fp("c"), pr: 5 }] }).cleared).toEqual([{ fingerprint: fp("c"), pr: 5 }]);
    expect(withBackports(state, ran({})).cleared).toEqual(state.cleared);
    expect(withBackports(state, { kind: "stopped" }).cleared).toEqual(state.cleared);
    expect(withBackports(state, { kind: "off" }).cleared).toEqual(state.cleared);
  });
});

describe("withBackports", () => {
  const both = scanned(["x"], "dev", scanned(["a", "b"]));
  const known = withBackports(both, ran({ [fp("a")]: { status: "open", pr: 1, action: "codify" }, [fp("b")]: { status: "ignored", pr: 2 }, [fp("x", "dev")]: { status: "ignored", pr: 3 } }, [{ fingerprint: fp("b"), valueHash: "h", pr: 2 }, { fingerprint: fp("x", "dev"), valueHash: "h", pr: 3 }], ["prod", "dev"]));

  it.each<[string, BackportOutcome, (state: DashboardState) => void]>([
    [
      "a run over prod replaces prod's statuses and keeps dev's, with dev's remembered ignore",
      ran({ [fp("a")]: { status: "merged", pr: 1, action: "codify" } }, []),
      (state) => {
        expect(state.items[fp("a")]!.backport).toEqual({ status: "merged", pr: 1, action: "codify" });
        expect(state.items[fp("b")]!.backport).toBeUndefined(); // the run reported nothing for it: no status
        expect(state.items[fp("b")]!.pr).toBeUndefined();
        expect(state.items[fp("x", "dev")]!.backport).toEqual({ status: "ignored", pr: 3 });
        expect(state.ignored).toEqual([{ fingerprint: fp("x", "dev"), valueHash: "h", pr: 3 }]);
      },
    ],
    [
      "a run that remembers an ignore again does not list it twice",
      ran({ [fp("b")]: { status: "ignored", pr: 2 } }, [{ fingerprint: fp("b"), valueHash: "h", pr: 2 }], ["prod", "dev"]),
      (state) => expect(state.ignored).toEqual([{ fingerprint: fp("b"), valueHash: "h", pr: 2 }]),
    ],
    [
      "backport turned off clears every status and keeps the ignores for when it comes back",
      { kind: "off" },
      (state) => {
        expect(Object.values(state.items).map((i) => i.backport ?? null)).toEqual([null, null, null]);
        expect(state.ignored).toHaveLength(2);
      },
    ],
    ["a stopped step changes nothing", { kind: "stopped" }, (state) => expect(state).toEqual(known)],
  ])("%s", (_name, outcome, check) => {
    check(withBackports(known, outcome));
  });
});

describe("the dashboard's backport column and sections", () => {
  it.each<[string, BackportStatus, string]>([
    ["an open codify pull request", { status: "open", pr: 12, action: "codify" }, "#12 open · codify"],
    ["an open revert pull request", { status: "open", pr: 9, action: "revert" }, "#9 open · revert"],
    ["a merged one", { status: "merged", pr: 12, action: "codify" }, "#12 merged · codify"],
    ["one a person closed", { status: "ignored", pr: 14 }, "#14 ignored"],
    ["drift over max_open", { status: "waiting", reason: "max_open" }, "⏳ waiting"],
    ["a failure with its pull request", { status: "failed", reason: "x", pr: 5 }, "⚠️ failed (#5)"],
    ["a failure before any pull request", { status: "failed", reason: "x" }, "⚠️ failed"],
    ["no pull request by rule, with the rule's reason made table-safe", { status: "none", reason: "a rule | says ignore" }, "– a rule \\| says ignore"],
  ])("shows %s", (_name, status, cell) => {
    const body = render(withBackports(scanned(["instance_type"]), ran({ [fp("instance_type")]: status })));
    expect(prCell(body, "instance_type")).toBe(cell);
  });

  it("says how many drifts wait for max_open, and lists each failure's reason", () => {
    const state = withBackports(scanned(["a", "b", "c"]), ran({ [fp("a")]: { status: "waiting", reason: "w" }, [fp("b")]: { status: "waiting", reason: "w" }, [fp("c")]: { status: "failed", reason: "Could not create branch driftback/prod/aws_instance.web: branch protection", pr: 8 } }));
    const body = render(state, { backport: { maxOpen: 7 } });
    expect(body).toContain("2 drifts wait: backport.max_open is 7.");
    expect(body).toContain("- <code>aws_instance.web</code> <code>c</code> in prod (#8): Could not create branch driftback/prod/aws_instance.web: branch protection");
  });

  it("lists ignored drift with an unticked box; a person's tick is read back, a rendered box never is", () => {
    const state = withBackports(scanned(["a", "b"]), ran({ [fp("a")]: { status: "ignored", pr: 14 }, [fp("b")]: { status: "open", pr: 15, action: "codify" } }));
    const body = render(state);
    const box = `- [ ] <!-- driftback:reopen:${fp("a")} --> open again: <code>aws_instance.web</code> <code>a</code> in prod (#14 was closed unmerged)`;
    expect(body.split("\n")).toContain(box);
    expect(body).not.toContain(`reopen:${fp("b")}`);
    expect(reopenRequests(body)).toEqual([]);
    expect(reopenRequests(body.replace("- [ ] <!-- driftback:reopen:", "- [x] <!-- driftback:reopen:"))).toEqual([fp("a")]);
    expect(reopenRequests(body.replace("- [ ] <!-- driftback:reopen:", "* [X] <!-- driftback:reopen:"))).toEqual([fp("a")]);
  });

  it("keeps a reopen request ticked while it could not be carried out, so the next scan tries again", () => {
    const state = withBackports(scanned(["a"]), ran({ [fp("a")]: { status: "ignored", pr: 14 } }));
    const body = render(state, { backport: { maxOpen: 10, reopenPending: new Set([fp("a")]) } });
    expect(reopenRequests(body)).toEqual([fp("a")]);
  });

  it.each([
    ["a box quoted in text, not a list item", `text - [x] <!-- driftback:reopen:${"a".repeat(16)} -->`],
    ["a fingerprint that is not one", "- [x] <!-- driftback:reopen:../../etc/passwd -->"],
    ["an unticked box", `- [ ] <!-- driftback:reopen:${"a".repeat(16)} -->`],
  ])("reads no reopen request from %s", (_name, body) => {
    expect(reopenRequests(body)).toEqual([]);
  });

  it("says when the backport step stopped, and shows no backport sections when backport is off", () => {
    const state = withBackports(scanned(["a"]), ran({ [fp("a")]: { status: "ignored", pr: 14 } }));
    expect(render(state, { backport: { maxOpen: 10, stopped: true } })).toContain("could not bring the backport pull requests up to date in this scan");
    const off = render(withBackports(state, { kind: "off" }), { backport: undefined });
    expect(off).not.toContain("Ignored drift");
    expect(prCell(off, "a")).toBe("–");
  });

  it("stays within 65,536 characters with thousands of drifts, failures and ignores, keeping the state readable", () => {
    const paths = Array.from({ length: 4_000 }, (_, i) => `tags.key_${i}_${"x".repeat(30)}`);
    const drift: Record<string, BackportStatus> = {};
    paths.forEach((p, i) => (drift[fp(p)] = i % 2 === 0 ? { status: "ignored", pr: 1000 + i } : { status: "failed", reason: `GitHub refused it: ${"reason ".repeat(20)}${i}` }));
    const ignored = paths.filter((_, i) => i % 2 === 0).map((p, i) => ({ fingerprint: fp(p), valueHash: "0123456789ab", pr: 1000 + 2 * i }));
    const body = render(withBackports(scanned(paths), ran(drift, ignored)));
    expect(body.length).toBeLessThanOrEqual(65_536);
    const decoded = decodeState(body);
    expect(decoded.problem).toBeUndefined();
    const kept = Object.keys(decoded.state.items);
    expect(kept.length).toBeGreaterThan(100);
    expect(decoded.state.ignored.every((i) => decoded.state.items[i.fingerprint] !== undefined)).toBe(true);
    expect(decoded.state.ignored.length).toBeGreaterThan(0);
  });
});
