import { describe, expect, it } from "vitest";
import { loadHclParser } from "../../src/adapters/hcl/parser.js";
import { sharedTreeParser } from "../../src/adapters/hcl/shared-parser.js";

describe("sharedTreeParser (parity loads the same module files for every member)", () => {
  it("parses each distinct text once and hands out independent copies", async () => {
    const shared = sharedTreeParser(await loadHclParser());
    const text = 'resource "aws_instance" "web" {\n  ami = "ami-1"\n}\n';
    const first = shared.parse(text);
    const second = shared.parse(text);
    shared.parse('variable "x" {}\n');
    expect(shared.parses()).toBe(2);
    expect(first).not.toBe(second);
    // a copy deleted by one workspace leaves the others whole
    first.delete();
    expect(second.rootNode.text).toBe(text);
    expect(shared.parse(text).rootNode.descendantsOfType("block")).toHaveLength(1);
    second.delete();
    shared.dispose();
  });
});
