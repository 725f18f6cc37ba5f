import { describe, expect, it } from "vitest";
import { HclParserFailedError, HclParserSupply, HclSourceTooLargeError, loadHclParser, MAX_HCL_FILE_BYTES } from "../../src/adapters/hcl/parser.js";

const WASM_PAGE = 64 * 1024;
/** tree-sitter's wasm with little room to grow: a 1 MB source exhausts it and the module aborts (a real `Aborted()`, in a fraction of a second). */
const cramped = () => ({ wasmMemory: new WebAssembly.Memory({ initial: 512, maximum: 528 }) });

function manyResources(chars: number): string {
  let source = "";
  for (let i = 0; source.length < chars; i++) source += `resource "sandbox_instance" "r${i}" {\n  size = "small"\n}\n`;
  return source;
}

describe("HCL parser recovery", () => {
  it("retires a parser whose wasm aborted and hands out a fresh one that parses", async () => {
    const supply = new HclParserSupply(cramped);
    const first = await supply.load();
    expect(() => first.parse(manyResources(MAX_HCL_FILE_BYTES / 2))).toThrow(HclParserFailedError);
    // the aborted instance refuses at once instead of throwing `Aborted()` forever
    expect(() => first.parse('resource "a" "b" {}\n')).toThrow(/HCL parser failed \(Aborted\(\)\)/);

    const second = await supply.load();
    expect(second).not.toBe(first);
    const tree = second.parse('resource "sandbox_instance" "web" {\n  size = "large"\n}\n');
    expect(tree.rootNode.hasError).toBe(false);
    expect(tree.rootNode.descendantsOfType("block")).toHaveLength(1);
  });

  it("refuses a source over the size limit before tree-sitter sees it, and keeps the parser", async () => {
    const supply = new HclParserSupply();
    const parser = await supply.load();
    expect(() => parser.parse(" ".repeat(MAX_HCL_FILE_BYTES + 1))).toThrow(HclSourceTooLargeError);
    expect(() => parser.parse(" ".repeat(MAX_HCL_FILE_BYTES + 1))).toThrow(/over driftback's limit of 2\.0 MB per \.tf file/);
    expect(await supply.load()).toBe(parser);
    expect(parser.parse("a = 1\n").rootNode.hasError).toBe(false);
  });

  it("parses a source just under the limit", async () => {
    const parser = await loadHclParser();
    const tree = parser.parse(manyResources(MAX_HCL_FILE_BYTES - 64));
    expect(tree.rootNode.hasError).toBe(false);
    tree.delete();
  });

  it("shares one parser across the process until one fails", async () => {
    expect(await loadHclParser()).toBe(await loadHclParser());
  });
});
