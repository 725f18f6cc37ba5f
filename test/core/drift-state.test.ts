import { describe, expect, it } from "vitest";
import { renderDashboard } from "../../src/core/drift/dashboard.js";
import { nextScanAt } from "../../src/core/drift/schedule.js";
import { parseStateKeys } from "../../src/core/state-seal.js";
import { decodeState, EMPTY_STATE, encodeState, mergeScan, type ObservedItem, type WorkspaceScan } from "../../src/core/drift/state.js";
import { fingerprintOf, severityOf, valueHashOf, withoutIgnored } from "../../src/core/drift/track.js";
import { bundledTemplates } from "../../src/templates.js";

const observed = (path: string, valueHash = "v1", workspace = "prod"): ObservedItem => ({
  fingerprint: fingerprintOf({ workspace, address: "aws_instance.web", pathText: path }),
  workspace,
  address: "aws_instance.web",
  path,
  class: "actionable",
  taxonomy: "configuration",
  severity: "high",
  valueHash,
});
const ok = (items: ObservedItem[], workspace = "prod"): WorkspaceScan => ({ workspace, ok: true, items, noise: 2, unapplied: 1 });

describe("mergeScan across a sequence of scans", () => {
  it("tracks drift as it appears, persists, changes value, survives a failed scan, and resolves", () => {
    const day1 = mergeScan(EMPTY_STATE, [ok([observed("instance_type")])], "2026-11-01");
    const key = observed("instance_type").fingerprint;
    expect(day1.items[key]).toMatchObject({ firstSeen: "2026-11-01", lastSeen: "2026-11-01", valueHash: "v1" });
    expect(day1.workspaces.prod).toMatchObject({ status: "drifted", noise: 2, unapplied: 1 });

    const day2 = mergeScan(day1, [ok([observed("instance_type")])], "2026-11-02");
    expect(day2.items[key]).toMatchObject({ firstSeen: "2026-11-01", lastSeen: "2026-11-02" });

    const day3 = mergeScan(day2, [ok([observed("instance_type", "v2")])], "2026-11-03");
    expect(day3.items[key]).toMatchObject({ firstSeen: "2026-11-01", valueHash: "v2" }); // same drift, new live value

    const failed = mergeScan(day3, [{ workspace: "prod", ok: false, error: "state lock held" }], "2026-11-04");
    expect(failed.items[key]).toEqual(day3.items[key]); // never resolved by a failure
    expect(failed.workspaces.prod).toMatchObject({ status: "failed", error: "state lock held" });

    const clean = mergeScan(failed, [ok([])], "2026-11-05");
    expect(clean.items).toEqual({});
    expect(clean.workspaces.prod).toMatchObject({ status: "clean", cleanSince: "2026-11-05" });
    expect(mergeScan(clean, [ok([])], "2026-11-06").workspaces.prod!.cleanSince).toBe("2026-11-05");
  });

  it("leaves other workspaces' drift alone", () => {
    const both = mergeScan(EMPTY_STATE, [ok([observed("a")]), ok([observed("b", "v1", "dev")], "dev")], "2026-11-01");
    const next = mergeScan(both, [ok([], "prod")], "2026-11-02");
    expect(Object.values(next.items).map((i) => i.workspace)).toEqual(["dev"]);
  });

  it("keeps the pull request tied to a fingerprint", () => {
    const first = mergeScan(EMPTY_STATE, [ok([observed("a")])], "2026-11-01");
    const key = observed("a").fingerprint;
    first.items[key]!.pr = 42;
    expect(mergeScan(first, [ok([observed("a", "v9")])], "2026-11-02").items[key]!.pr).toBe(42);
  });
});

describe("the hidden state block", () => {
  it("round-trips through the dashboard body", () => {
    const state = mergeScan(EMPTY_STATE, [ok([observed("tags.Owner"), observed("ingress")])], "2026-11-01");
    expect(decodeState(`intro\n${encodeState(state)}\n`)).toEqual({ state });
  });

  it("is read only at its fixed place, the end of the body: a block a value prints higher up is never read (issue 15)", () => {
    const state = mergeScan(EMPTY_STATE, [ok([observed("tags.Owner")])], "2026-11-01");
    expect(decodeState(`intro\n${encodeState(state)}\noutro`)).toMatchObject({ state: EMPTY_STATE, problem: expect.stringMatching(/no state block/) });
    expect(decodeState(`${encodeState(state)}\n${encodeState(EMPTY_STATE)}`)).toEqual({ state: EMPTY_STATE });
  });

  it("with a state key: sealed blocks are read, unsigned ones adopted, edited or foreign seals ignored with a problem", () => {
    const key = parseStateKeys("0123456789abcdef-state-key");
    const state = mergeScan(EMPTY_STATE, [ok([observed("tags.Owner")])], "2026-11-01");
    const sealed = encodeState(state, key);
    expect(sealed).toMatch(/^<!-- driftback:state seal:[A-Za-z0-9_-]{43}\n/);
    expect(decodeState(`intro\n${sealed}`, key)).toEqual({ state });
    expect(decodeState(`intro\n${encodeState(state, [])}`, key)).toEqual({ state, seal: "unsigned" });
    expect(decodeState(`intro\n${encodeState(state, parseStateKeys("someone-elses-key-000"))}`, key)).toMatchObject({ state: EMPTY_STATE, problem: expect.stringMatching(/forged or edited/) });
    expect(decodeState(`intro\n${sealed.replace(/seal:\S+\n/, (m) => m)}${""}`.replace(/\n([A-Za-z0-9+/])/, "\nA$1"), key).state).toEqual(EMPTY_STATE);
  });

  it.each([
    ["a hand-edited block", "<!-- driftback:state\nnot base64 at all!!\n-->"],
    ["valid base64 of garbage", "<!-- driftback:state\nAAAA\n-->"],
    ["no block", "someone rewrote the body"],
  ])("rebuilds from an empty state when it finds %s, without throwing", (_name, body) => {
    const { state, problem } = decodeState(body);
    expect(state).toEqual(EMPTY_STATE);
    expect(problem).toBeTruthy();
  });
});

describe("fingerprints, severity, ignore rules", () => {
  it("keeps a stable fingerprint per workspace, address and path; the value is hashed apart", () => {
    const a = fingerprintOf({ workspace: "prod", address: "aws_instance.web", pathText: "instance_type" });
    expect(fingerprintOf({ workspace: "prod", address: "aws_instance.web", pathText: "instance_type" })).toBe(a);
    expect(fingerprintOf({ workspace: "dev", address: "aws_instance.web", pathText: "instance_type" })).not.toBe(a);
    expect(valueHashOf({ after: "t3.large", sensitive: false })).not.toBe(valueHashOf({ after: "t3.xlarge", sensitive: false }));
    expect(valueHashOf({ after: "hunter2", sensitive: true })).toBe("sensitive");
  });

  it.each([
    ["dev", "configuration", "low"],
    ["prod", "configuration", "high"],
    ["prod", "policy", "critical"],
    ["staging", "policy", "high"],
  ] as const)("%s + %s -> %s", (tier, taxonomy, severity) => {
    expect(severityOf(tier, taxonomy)).toBe(severity);
  });

  it("drops items matched by type, address and attribute globs", () => {
    const items = [
      { resourceType: "aws_autoscaling_group", address: "aws_autoscaling_group.web", pathText: "desired_capacity" },
      { resourceType: "aws_autoscaling_group", address: "aws_autoscaling_group.web", pathText: "max_size" },
      { resourceType: "aws_instance", address: "module.legacy.aws_instance.a", pathText: "ami" },
      { resourceType: "aws_instance", address: "aws_instance.b", pathText: "tags.Owner" },
    ];
    const kept = withoutIgnored(items, [{ type: "aws_autoscaling_group", attribute: "desired_capacity" }, { address: "module.legacy.*" }, { attribute: "tags.*" }]);
    expect(kept.map((i) => i.pathText)).toEqual(["max_size"]);
  });
});

describe("renderDashboard", () => {
  const ctx = { owner: "acme", repo: "infra", defaultBranch: "main", schedule: "0 * * * *", workspaces: [{ name: "prod", dir: "infra/prod" }, { name: "dev", dir: "infra/dev" }], today: "2026-11-02" };

  it("shows each workspace's status and the drift table, and carries the state", () => {
    const state = mergeScan(EMPTY_STATE, [ok([observed("instance_type")]), { workspace: "dev", ok: false, error: "`terraform init` exited with code 1" }], "2026-11-01");
    const body = renderDashboard(state, ctx, bundledTemplates());
    expect(body.startsWith("<!-- driftback:dashboard -->")).toBe(true);
    expect(body).toContain("⚠️ 1 drifted");
    expect(body).toMatch(/❌ scan failed: .*terraform init.* exited with code 1/);
    expect(body).toContain("<code>aws_instance.web</code> | <code>instance_type</code>");
    expect(body).toContain("2026-11-01");
    expect(decodeState(body).state).toEqual(state);
  });

  it("stays within 65,536 characters with thousands of drifted attributes, keeping the state", () => {
    const many = Array.from({ length: 5_000 }, (_, i) => observed(`tags.key_${i}_${"x".repeat(40)}`));
    const state = mergeScan(EMPTY_STATE, [ok(many)], "2026-11-01");
    const body = renderDashboard(state, ctx, bundledTemplates());
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/and \d+ more, left out/);
    const kept = Object.keys(decodeState(body).state.items).length;
    expect(kept + Number(/(\d+) drifted attributes are too many/.exec(body)?.[1] ?? 0)).toBe(5_000);
    expect(kept).toBeGreaterThan(500);
  });
});

describe("nextScanAt", () => {
  const from = Date.parse("2026-11-01T10:07:00Z");
  it("is the schedule's next run plus a stable jitter within the limits", () => {
    const at = nextScanAt("0 * * * *", from, "acme/infra");
    expect(at).toBeGreaterThanOrEqual(Date.parse("2026-11-01T11:00:00Z"));
    expect(at).toBeLessThan(Date.parse("2026-11-01T11:10:00Z"));
    expect(nextScanAt("0 * * * *", from, "acme/infra")).toBe(at);
  });

  it("spreads repositories out", () => {
    const times = new Set(["a/1", "a/2", "a/3", "b/1", "b/2"].map((repo) => nextScanAt("0 * * * *", from, repo)));
    expect(times.size).toBeGreaterThan(3);
  });

  it("keeps the jitter under half of a short interval", () => {
    const at = nextScanAt("*/4 * * * *", from, "acme/infra");
    expect(at - Date.parse("2026-11-01T10:08:00Z")).toBeLessThan(2 * 60_000);
  });
});

describe("isSecretItem", () => {
  it("treats mask-rule matches as secrets even when the provider did not mark them", async () => {
    const { isSecretItem } = await import("../../src/core/drift/report.js");
    const { Masker } = await import("../../src/core/render/mask.js");
    const masker = new Masker({ attributes: ["*conn_string*"] });
    const item = (path: (string | number)[], after: unknown, sensitive = false) => ({ path, before: null, after: after as never, sensitive });
    expect(isSecretItem(item(["db_password"], "x"), masker)).toBe(true);
    expect(isSecretItem(item(["settings", "conn_string"], "x"), masker)).toBe(true);
    expect(isSecretItem(item(["user_data"], "export KEY=AKIAIOSFODNN7EXAMPLE"), masker)).toBe(true);
    expect(isSecretItem(item(["instance_type"], "t3.large", true), masker)).toBe(true);
    expect(isSecretItem(item(["instance_type"], "t3.large"), masker)).toBe(false);
  });
});
