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

const tricky = fc.constantFrom('"', "\\", "${x}", "%{ if }", "$${", "\n", "\r\n", "\t", "é", "日本", "🚀", "EOT", "  indented", "\u0001", "\\n", "\n  \n", "\n\u00a0", "\n\u2003x", "\n\u0085", "\n\u0301", "\ufeff", "\n\t");
const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.array(fc.oneof(tricky, fc.string({ maxLength: 6 })), { maxLength: 8 }).map((parts) => parts.join("")));
const number = fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.constantFrom(0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, -0.25, 1e21, 1e-7, -2.5e-12, 123456789.123));
const key = fc.oneof(fc.constantFrom("Owner", "cost-center", "kubernetes.io/role", "with space", "null", "true", "a\"b", "${x}", "Émile", "for", "in", "if", "endfor", "1st", "-x"), fc.string({ minLength: 1, maxLength: 8 }));
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

/** Multi-line text made of what HCL's `<<-` rules treat specially: indentation of every kind, whitespace-only lines. */
const lineStart = fc.constantFrom("", " ", "  ", "\t", "\u00a0", " \u00a0", "\u2003", "\u3000", "\u0085", "\ufeff", "\u0301", " \u0301", "\u200d");
const lineText = fc.constantFrom("", "x", "echo hi", "${HOME}", "%{ if }", "EOT", "  ", "é 🚀");
const multiLine = fc.array(fc.tuple(lineStart, lineText).map(([start, rest]) => start + rest), { minLength: 1, maxLength: 6 }).map((lines) => `${lines.join("\n")}\n`);

/** The string terraform's own parser (hcl2json: HCL's Go code as wasm) reads from `attr = …`; it writes a literal `${` as `$${`. */
async function terraformReads(source: string): Promise<unknown> {
  const value = ((await hcl2json("roundtrip.tf", source)) as { attr: unknown }).attr;
  return typeof value === "string" ? value.replace(/([$%])\1\{/g, "$1{") : value;
}

describe("HCL's <<- heredoc rules, read like terraform reads them", () => {
  const body = fc.array(fc.tuple(lineStart, lineStart, lineText).map(([a, b, rest]) => a + b + rest), { minLength: 1, maxLength: 6 });
  it("reads any heredoc (flush or not, marker indented or not) to the string terraform's parser reads", async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), fc.constantFrom("", "  "), async (lines, flush, markerIndent) => {
        const escaped = lines.map((line) => line.replace(/([$%])\{/g, "$1$1{"));
        const source = `attr = <<${flush ? "-" : ""}END\n${escaped.join("\n")}\n${flush ? markerIndent : ""}END\n`;
        expect(readBack(source), JSON.stringify(source)).toBe(await terraformReads(source));
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ["a line of whitespace only keeps it all, and does not count", "<<-EOT\n    foo\n  \n    bar\nEOT", "foo\n  \nbar\n"],
    ["a no-break space is indentation", "<<-EOT\n    foo\n  \u00a0bar\nEOT", " foo\nbar\n"],
    ["a tab is one character of indentation", "<<-EOT\n\t\tfoo\n  bar\nEOT", "foo\nbar\n"],
    ["a combining mark goes with the space it joins", "<<-EOT\n  \u0301foo\n  bar\nEOT", "foo\nbar\n"],
    ["U+FEFF is not indentation", "<<-EOT\n  \ufefffoo\n   bar\nEOT", "\ufefffoo\n bar\n"],
    ["an empty heredoc is the empty string", "<<-EOT\nEOT", ""],
    ["a CRLF file keeps its \\r", "<<-EOT\r\n    foo\r\n      bar\r\nEOT", "foo\r\n  bar\r\n"],
  ])("%s (as terraform 1.11 reads it)", async (_name, heredoc, expected) => {
    const source = `attr = ${heredoc}\n`;
    expect(readBack(source)).toBe(expected);
    expect(await terraformReads(source)).toBe(expected);
  });
});

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

  it("produces multi-line text that terraform's parser reads as the same string (heredoc flush rules included)", async () => {
    await fc.assert(
      fc.asyncProperty(multiLine, fc.constantFrom("", "    "), fc.boolean(), async (v, indent, indentedHeredoc) => {
        const source = `${indent}attr = ${renderHclValue(v, indent, "\n", false, { indentedHeredoc })}\n`;
        expect(await terraformReads(source), source).toBe(v);
        expect(readBack(source)).toBe(v);
      }),
      { numRuns: 150 },
    );
  });

  it("quotes multi-line text in a CRLF file: a heredoc there would end each line in \\r\\n", () => {
    expect(renderHclValue("a\nb\n", "", "\r\n")).toBe('"a\\nb\\n"');
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

  it.each(["for", "in", "if", "else", "endif", "endfor", "null", "true", "false", "1st", "-x", "a.b", "Émile", "with space"])("writes a map key %j so that terraform and the read-back both take it as that key", async (name) => {
    const source = `attr = ${renderHclValue({ [name]: "v", other: 1 })}\n`;
    expect(await terraformReads(source), source).toEqual({ [name]: "v", other: 1 });
    expect(readBack(source)).toEqual({ [name]: "v", other: 1 });
  });

  it("writes maps with aligned, quoted-when-needed keys", () => {
    expect(renderHclValue({ Owner: "a", "cost/center": 1 }, "  ")).toBe('{\n    Owner         = "a"\n    "cost/center" = 1\n  }');
  });
});
