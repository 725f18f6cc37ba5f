import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as hcl2json } from "@cdktf/hcl2json";
import { loadHclParser, type HclParser } from "../../../src/adapters/hcl/parser.js";
import { evaluateExpression } from "../../../src/core/hcl/evaluate.js";
import { quoteHclString, renderHclValue } from "../../../src/core/hcl/render-value.js";
import type { JsonValue } from "../../../src/core/plan/model.js";

let parser: HclParser;
beforeAll(async () => {
  parser = await loadHclParser();
});

function readBack(source: string): JsonValue {
  const tree = parser.parse(source);
  expect(tree.rootNode.hasError, `does not parse:\n${source}`).toBe(false);
  const attribute = tree.rootNode.descendantsOfType("attribute")[0]!;
  const result = evaluateExpression(attribute.childForFieldName("val") ?? attribute.namedChild(1)!);
  if (result.kind !== "literal") throw new Error(`not a literal: ${result.kind} in\n${source}`);
  return result.value;
}

const tricky = fc.constantFrom('"', "\\", "${x}", "%{ if }", "$${", "\n", "\r\n", "\t", "é", "日本", "🚀", "EOT", "  indented", "\u0001", "\\n");
const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.array(fc.oneof(tricky, fc.string({ maxLength: 6 })), { maxLength: 8 }).map((parts) => parts.join("")));
const number = fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.constantFrom(0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, -0.25, 1e21, 1e-7, -2.5e-12, 123456789.123));
const key = fc.oneof(fc.constantFrom("Owner", "cost-center", "kubernetes.io/role", "with space", "null", "true", "a\"b", "${x}", "Émile"), fc.string({ minLength: 1, maxLength: 8 }));
const value: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("HCL values round-trip through render and read-back", () => {
  it("reads back every generated value exactly", () => {
    fc.assert(
      fc.property(value, fc.constantFrom("", "    "), fc.boolean(), (v, indent, indentedHeredoc) => {
        const source = `${indent}attr = ${renderHclValue(v, indent, "\n", false, { indentedHeredoc })}\n`;
        expect(readBack(source)).toEqual(v);
      }),
      { numRuns: 400 },
    );
  });

  it("produces text terraform's own parser accepts", async () => {
    const samples = fc.sample(value, { numRuns: 60, seed: 42 });
    for (const v of samples) {
      const source = `attr = ${renderHclValue(v)}\n`;
      await expect(hcl2json("roundtrip.tf", source), source).resolves.toBeTypeOf("object");
    }
  });

  it.each([
    ["a plain string", "t3.large", '"t3.large"'],
    ["interpolation kept literal", "${var.x} and %{if}", '"$${var.x} and %%{if}"'],
    ["quotes and backslashes", 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ["unicode kept as is", "Émile 🚀", '"Émile 🚀"'],
  ])("quotes %s", (_name, input, expected) => {
    expect(quoteHclString(input)).toBe(expected);
  });

  it("writes multi-line text ending in a newline as a heredoc", () => {
    expect(renderHclValue("#!/bin/sh\necho ${HOME}\n")).toBe("<<EOT\n#!/bin/sh\necho $${HOME}\nEOT");
  });

  it("writes maps with aligned, quoted-when-needed keys", () => {
    expect(renderHclValue({ Owner: "a", "cost/center": 1 }, "  ")).toBe('{\n    Owner         = "a"\n    "cost/center" = 1\n  }');
  });
});
