import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";
import { MAX_MATCHED_VALUE, MAX_SCRUBBED_TEXT, Masker, maskPatternProblem } from "../../src/core/render/mask.js";

// issue 15, item 4.2: mask.values run over values a cloud user or a PR author sets, on the one event loop
describe("mask.values on a linear-time engine", () => {
  const pathological = "(a+)+$";
  const hostile = `${"a".repeat(5_000)}!`; // with JavaScript's RegExp, 28 characters took 6.6 s and each one more doubles it

  it("accepts the pathological pattern and answers over a long hostile value (a backtracking engine would not return)", () => {
    expect(maskPatternProblem(pathological)).toBeUndefined();
    const masker = new Masker({ values: [pathological] });
    expect(masker.isMaskedValue(hostile)).toBe(false);
    expect(masker.isMaskedValue("aaaa")).toBe(true);
    expect(masker.scrubText(`x ${hostile}\n${hostile}`)).not.toContain("***");
  });

  it.each([
    ["nested quantifiers", "(x+x+)+y", `${"x".repeat(5_000)}`],
    ["alternation under a star", "(a|aa)*b", `${"a".repeat(5_000)}`],
    ["a star of a star", "(.*a){20}", `${"a".repeat(5_000)}`],
  ])("%s: %s completes over a hostile value", (_name, pattern, value) => {
    const masker = new Masker({ values: [pattern] });
    expect(typeof masker.isMaskedValue(value)).toBe("boolean");
    expect(typeof masker.scrubText(value)).toBe("string");
  });

  it("keeps masking what the defaults and a repository's patterns name", () => {
    const masker = new Masker({ values: ["corp-[0-9]{4}"] });
    expect(masker.isMaskedValue("key AKIAABCDEFGHIJKLMNOP in text")).toBe(true);
    expect(masker.isMaskedValue("id corp-1234")).toBe(true);
    expect(masker.isMaskedValue("nothing here")).toBe(false);
    expect(masker.scrubText("a AKIAABCDEFGHIJKLMNOP b corp-9999 c")).toBe("a *** b *** c");
  });

  it("hides a value longer than the cap without running patterns over it", () => {
    const masker = new Masker();
    expect(masker.isMaskedValue("b".repeat(MAX_MATCHED_VALUE))).toBe(false);
    expect(masker.isMaskedValue("b".repeat(MAX_MATCHED_VALUE + 1))).toBe(true);
  });

  it("scrubs only the end of a text over the cap, from a line start, and says how much it cut", () => {
    const masker = new Masker();
    const line = `${"c".repeat(99)}\n`;
    const text = `AKIAABCDEFGHIJKLMNOP\n${line.repeat(MAX_SCRUBBED_TEXT / 100 + 10)}Error: AKIAABCDEFGHIJKLMNOP`;
    const out = masker.scrubText(text);
    expect(out.length).toBeLessThanOrEqual(MAX_SCRUBBED_TEXT + 100);
    expect(out).toMatch(/^\(\d+ earlier characters not shown\)\nc/);
    expect(out.endsWith("Error: ***")).toBe(true);
    expect(out).not.toContain("AKIA");
  });

  it.each([
    ["a lookahead", "AKIA(?=[0-9])", /no lookahead/],
    ["a backreference", "(a)\\1", /invalid escape sequence/],
    ["an unclosed group", "(abc", /missing closing \)/],
  ])("config validation refuses %s and names the pattern", (_name, pattern, reason) => {
    const result = validateConfig({ mask: { values: ["ok-[0-9]+", pattern] }, workspaces: [{ name: "a", dir: "." }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === "mask.values[1]");
    expect(issue?.message).toContain(JSON.stringify(pattern));
    expect(issue?.message).toMatch(reason);
  });

  it("a Masker built from an unchecked pattern fails naming it", () => {
    expect(() => new Masker({ values: ["x(?<=y)"] })).toThrow(/mask pattern "x\(\?<=y\)" is not usable/);
  });
});
