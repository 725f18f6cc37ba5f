import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// Issue 17 §1: unapplied code's `after` is what apply would make it, never what runs: it is labelled planned.
const example = new URL("../examples/plan.json", import.meta.url).pathname;

describe("driftback drift labels unapplied code's value planned, not live", () => {
  it("text: the live column of an unapplied row reads `planned: …`; real drift and noise show the live value bare", async () => {
    const run = await runCli(["drift", "--plan-json", example, "--format", "text", "--no-color"], { COLUMNS: "160" });
    expect(run.code).toBe(0);
    const row = (address: string, attribute: string) => run.out.split("\n").find((l) => l.includes(address) && l.includes(attribute)) ?? "";
    expect(row("aws_instance.web", "instance_type")).toMatch(/unapplied .* t3\.small +planned: t3\.medium$/);
    expect(row("aws_security_group.web", "ingress[0].cidr_blocks")).not.toContain("planned");
    expect(row("aws_s3_bucket.logs", "tags")).not.toContain("planned");
  });

  it("markdown: the same label before the value's code", async () => {
    const run = await runCli(["drift", "--plan-json", example, "--format", "markdown"]);
    expect(run.out).toContain("| unapplied | <code>aws_instance.web</code> | <code>instance_type</code> | configuration | <code>t3.small</code> | planned: <code>t3.medium</code> |");
    expect(run.out).toContain("| policy | <code>[&quot;10.0.0.0/16&quot;]</code> | <code>[&quot;10.0.0.0/16&quot;,&quot;0.0.0.0/0&quot;]</code> |");
  });
});
