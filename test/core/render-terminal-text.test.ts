import { describe, expect, it } from "vitest";
import { diffText } from "../../src/core/render/terminal/diff-text.js";
import { cutStart, fitTable, fitWithSummary, visibleWidth, wrapWords } from "../../src/core/render/terminal/fit.js";

/** Issue 17 §1: the pieces every text format shares (core/render/terminal). */
describe("the text format's shared pieces", () => {
  it("breaks a sentence at spaces to a width, cutting only a word wider than it", () => {
    expect(wrapWords("Drift: 2 real (1 policy, critical), 1 noise — 2 pull requests would open", 40)).toEqual(["Drift: 2 real (1 policy, critical), 1", "noise — 2 pull requests would open"]);
    expect(wrapWords("short", 40)).toEqual(["short"]);
    expect(wrapWords("a-very-long-word-without-spaces", 10)).toEqual(["a-very-lo…"]);
  });

  it("cuts every line but the summary, which breaks at spaces and stays last", () => {
    const out = fitWithSummary("a line much wider than twenty\n\nSummary: some words that go on\n", 20);
    expect(out).toBe("a line much wider t…\n\nSummary: some words\nthat go on\n");
    for (const line of out.split("\n")) expect(visibleWidth(line)).toBeLessThanOrEqual(20);
  });

  it("colours a unified diff by line (removed red, added green, hunks cyan), escapes it, drops jsdiff's separator and expands tabs", () => {
    const diff = "===================================================================\n--- a/main.tf\t\n+++ b/main.tf\t\n@@ -1,2 +1,2 @@\n \tx = 1\n-y = \"\u001b[2J\"\n+y = 2\n";
    expect(diffText(diff, false)).toEqual(["--- a/main.tf", "+++ b/main.tf", "@@ -1,2 +1,2 @@", "        x = 1", '-y = "\\x1b[2J"', "+y = 2"]);
    const coloured = diffText(diff, true);
    expect(coloured[2]).toBe("\u001b[36m@@ -1,2 +1,2 @@\u001b[0m");
    expect(coloured[4]).toBe('\u001b[31m-y = "\\x1b[2J"\u001b[0m');
    expect(coloured[5]).toBe("\u001b[32m+y = 2\u001b[0m");
    expect(coloured[3]).toBe("        x = 1");
  });
});

describe("fitTable keepEnd: an address cut at its start", () => {
  it("keeps the end of a long address and cuts the start with …, the header untouched", () => {
    expect(cutStart("module.shop.sandbox_deployment.app", 20)).toBe("…dbox_deployment.app");
    expect(cutStart("short", 20)).toBe("short");
    const lines = fitTable([{ header: "Resource", keepEnd: true, min: 12 }, { header: "Value" }], [["module.shop.sandbox_deployment.app", "60s"]], 26);
    expect(lines).toEqual([`Resource${" ".repeat(11)}  Value`, "…box_deployment.app  60s"]);
    expect(lines.every((l) => visibleWidth(l) <= 26)).toBe(true);
  });
});
