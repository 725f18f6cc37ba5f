import pLimit from "p-limit";
import { afterEach, describe, expect, it } from "vitest";
import { noMetrics } from "../../src/adapters/metrics.js";
import { validateConfig } from "../../src/config/validate.js";
import { decodeState } from "../../src/core/drift/state.js";
import { parseStateKeys, useStateKeys } from "../../src/core/state-seal.js";
import type { DashboardIssue, DriftHost, TerraformRunner } from "../../src/ports.js";
import { bundledTemplates } from "../../src/templates.js";
import { scanRepository, type ScanDeps } from "../../src/usecases/scan-drift.js";
import { memoryLogger, scanPlanJson, sgDrift } from "../support/backport-world.js";

/** Every dashboard created or written, so a second dashboard would show. */
class MemoryHost implements DriftHost {
  issues: DashboardIssue[] = [];
  writes = 0;
  async findDashboard(_repo: unknown, marker: string) {
    return this.issues.find((i) => i.body.startsWith(marker));
  }
  async createDashboard(_repo: unknown, _title: string, body: string) {
    this.writes++;
    this.issues.push({ number: this.issues.length + 1, body });
    return this.issues.length;
  }
  async updateDashboard(_repo: unknown, n: number, body: string) {
    this.writes++;
    this.issues.find((i) => i.number === n)!.body = body;
  }
}

const config = validateConfig({ workspaces: [{ name: "prod", dir: "prod", tier: "prod" }] });
if (!config.ok) throw new Error("test config invalid");
const target = { owner: "acme", repo: "infra", cloneUrl: "file:///unused", defaultBranch: "main" };
const terraform: TerraformRunner = { plan: async () => ({ ok: true, planJson: scanPlanJson([sgDrift()]) }) };
const KEY = parseStateKeys("0123456789abcdef-state-key");

/** A host that says who last edited the dashboard, as GitHub's GraphQL `editor` does. */
class EditedHost extends MemoryHost {
  editorAsked = 0;
  constructor(private readonly editedByOthers: boolean) {
    super();
  }
  async dashboardEditedByOthers() {
    this.editorAsked++;
    return this.editedByOthers;
  }
}

function deps(host: DriftHost, logger = memoryLogger(), today = "2026-11-22"): ScanDeps {
  return {
    host,
    source: { checkoutBranch: async () => ({ dir: "/checkout", sha: "abc", cleanup: async () => {} }) },
    terraform,
    templates: bundledTemplates(),
    logger,
    metrics: noMetrics,
    planLimit: pLimit(2),
    today: () => today,
  };
}

describe("the dashboard's state block is sealed (issue 15 §2)", () => {
  afterEach(() => useStateKeys([]));

  it("adopts a dashboard from before seals once: the same issue, written sealed, then left alone; no second dashboard", async () => {
    const host = new MemoryHost();
    await scanRepository(deps(host), target, config.config);
    expect(host.issues).toHaveLength(1);
    expect(host.issues[0]!.body).toMatch(/<!-- driftback:state\n/);
    const items = decodeState(host.issues[0]!.body).state.items;

    useStateKeys(KEY);
    await scanRepository(deps(host), target, config.config);
    expect(host.issues).toHaveLength(1);
    expect(host.issues[0]!.body).toMatch(/<!-- driftback:state seal:[A-Za-z0-9_-]{43}\n/);
    expect(decodeState(host.issues[0]!.body)).toEqual({ state: expect.objectContaining({ items }) });
    const writes = host.writes;
    await scanRepository(deps(host), target, config.config);
    expect(host.writes).toBe(writes);
  });

  it("ignores and reports a state block whose seal was edited, and writes a sealed one", async () => {
    useStateKeys(KEY);
    const host = new MemoryHost();
    await scanRepository(deps(host), target, config.config);
    host.issues[0]!.body = host.issues[0]!.body.replace(/seal:[A-Za-z0-9_-]{5}/, "seal:AAAAA");
    const logger = memoryLogger();
    await scanRepository(deps(host, logger), target, config.config);
    expect(logger.lines.some((l) => l.level === "warn" && /forged or edited/.test(String((l.obj as { problem?: string }).problem)))).toBe(true);
    expect(host.issues).toHaveLength(1);
    expect(decodeState(host.issues[0]!.body).problem).toBeUndefined();
  });

  it.each([
    [false, "adopted: first seen stays 2020-01-01", "2020-01-01"],
    [true, "ignored: the item is first seen again today", "2026-11-22"],
  ])("an unsealed state block in a body someone else edited=%s is %s", async (editedByOthers, _what, firstSeen) => {
    const host = new EditedHost(editedByOthers);
    await scanRepository(deps(host, memoryLogger(), "2020-01-01"), target, config.config);
    expect(host.editorAsked).toBe(0); // no key: nothing to protect, GitHub is not asked
    useStateKeys(KEY);
    const logger = memoryLogger();
    await scanRepository(deps(host, logger), target, config.config);
    expect(host.editorAsked).toBe(1);
    expect(host.issues).toHaveLength(1);
    expect(Object.values(decodeState(host.issues[0]!.body).state.items).map((i) => i.firstSeen)).toEqual([firstSeen]);
    expect(logger.lines.some((l) => /someone other than driftback/.test(String((l.obj as { problem?: string }).problem)))).toBe(editedByOthers);
    // once sealed, GitHub is not asked again
    await scanRepository(deps(host), target, config.config);
    expect(host.editorAsked).toBe(1);
  });
});
