import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "./support/run-cli.js";

const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));
const SCAN_PLAN = path.join(EXAMPLES, "scan-plan.json");

interface PullRequestJson {
  branch: string;
  body: string;
  incident: { key: string; confidence: number | null; evidence: string[] } | null;
  candidates: { key: string; confidence: number; title?: string; url?: string }[];
}

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(path.join(os.tmpdir(), "backport-cli-incidents-"));
/** The example scan plan, made at 04:00 (terraform 1.5+ writes a top-level timestamp). */
const plan = path.join(dir, "plan.json");
writeFileSync(plan, JSON.stringify({ ...JSON.parse(readFileSync(SCAN_PLAN, "utf8")), timestamp: "2024-05-01T04:00:00Z" }));
const CUSTOMER = "customer-data-canary-91";
const incidentsFile = path.join(dir, "incidents.json");
writeFileSync(
  incidentsFile,
  JSON.stringify([
    { key: "INC-123", title: "Checkout down", url: "https://status.example.com/INC-123", status: "resolved", opened_at: "2024-05-01T02:10:00Z", resolved_at: "2024-05-01T03:40:00Z", text: `Opened sg-0a1b2c3d to 0.0.0.0/0 for ${CUSTOMER}`, service: "shop" },
    { key: "INC-124", title: "Slow search", url: "https://status.example.com/INC-124", status: "open", opened_at: "2024-05-01T01:30:00Z", resolved_at: null, text: "search is slow" },
    { key: "INC-100", title: "Last week", url: "https://status.example.com/INC-100", status: "resolved", opened_at: "2024-04-20T01:00:00Z", resolved_at: "2024-04-20T02:00:00Z", text: "sg-0a1b2c3d" },
  ]),
);
const args = (...extra: string[]) => ["backport", "--dir", EXAMPLES, "--plan-json", plan, "--workspace", "prod", "--dry-run", "--format", "json", "--incidents-from", incidentsFile, ...extra];

describe("driftback backport --dry-run --incidents-from", () => {
  it("links the incident naming the security group with its evidence, and lists the runners-up", async () => {
    const { code, out, err } = await cli(args("--last-clean", "2024-05-01T01:00:00Z"));
    expect(err).toBe("");
    expect(code).toBe(0);
    const prs = (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests;
    const sg = prs.find((pr) => pr.branch === "driftback/prod/aws_security_group.web")!;
    expect(sg.incident).toMatchObject({ key: "INC-123" });
    expect(sg.incident!.confidence).toBeGreaterThanOrEqual(0.5);
    expect(sg.incident!.evidence.join("\n")).toContain("sg-0a1b2c3d");
    expect(sg.incident!.evidence.join("\n")).toContain("04:00");
    expect(sg.candidates.map((c) => c.key)).toContain("INC-124");
    // outside the window: never a candidate
    expect(sg.candidates.map((c) => c.key)).not.toContain("INC-100");
    expect(sg.body).toContain("[INC-123](https://status.example.com/INC-123): Checkout down (resolved)");
    // the incident's text is searched, never copied
    expect(out).not.toContain(CUSTOMER);

    const web = prs.find((pr) => pr.branch === "driftback/prod/aws_instance.web")!;
    expect(web.incident).toBeNull();
    expect(web.body).toContain("No incident found for this drift");
  });

  it("starts the window 24 hours before the plan's timestamp without --last-clean", async () => {
    const { code, out } = await cli(args());
    expect(code).toBe(0);
    const prs = (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests;
    expect(prs.find((pr) => pr.branch === "driftback/prod/aws_security_group.web")!.incident?.key).toBe("INC-123");
  });

  it("prints the same pull requests without incident fields when --incidents-from is not given", async () => {
    const { out } = await cli(["backport", "--dir", EXAMPLES, "--plan-json", plan, "--workspace", "prod", "--dry-run", "--format", "json"]);
    const prs = (JSON.parse(out) as { pullRequests: PullRequestJson[] }).pullRequests;
    expect(prs[0]).not.toHaveProperty("incident");
  });
});
