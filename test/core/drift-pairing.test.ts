import { describe, expect, it } from "vitest";
import { changedAttributes, counterpartPath, pairElements } from "../../src/core/drift/pairing.js";
import type { JsonValue } from "../../src/core/plan/model.js";

const https = { from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["10.0.0.0/16"], description: "https" };
const ssh = { from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["10.0.1.0/24"], description: "ssh" };
const sshOpen = { ...ssh, cidr_blocks: ["0.0.0.0/0"] };

describe("pairElements", () => {
  it.each<[string, JsonValue[], JsonValue[], (number | undefined)[]]>([
    ["equal lists pair straight across", [https, ssh], [https, ssh], [0, 1]],
    ["a set element that moved keeps its partner", [https, ssh], [sshOpen, https], [1, 0]],
    ["identical elements pair before similar ones", [ssh, https], [https, sshOpen], [1, 0]],
    ["a value changed beyond recognition pairs by elimination", [{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 3 }], [0, 1]],
    ["an element removed has no partner", [https, ssh], [https], [0, undefined]],
    ["primitives pair only when equal", ["a", "b"], ["b", "c"], [undefined, 0]],
  ])("%s", (_name, from, to, expected) => {
    expect(pairElements(from, to)).toEqual(expected);
  });
});

describe("counterpartPath", () => {
  it("maps an index into a set of blocks to the same element on the other side", () => {
    const live = { name: "sg", ingress: [sshOpen, https] };
    const recorded = { name: "sg", ingress: [https, ssh] };
    expect(counterpartPath(live, recorded, ["ingress", 0, "cidr_blocks"])).toEqual(["ingress", 1, "cidr_blocks"]);
    expect(counterpartPath(live, recorded, ["name"])).toEqual(["name"]);
  });

  it("is undefined when the other side has no such element", () => {
    expect(counterpartPath({ ingress: [https, ssh] }, { ingress: [https] }, ["ingress", 1, "from_port"])).toBeUndefined();
  });
});

describe("changedAttributes", () => {
  const text = (path: (string | number)[]) => path.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").replace(/^\./, "");

  it("reads a moved set element on both sides by content, not by index", () => {
    const changed = changedAttributes({ ingress: [https, ssh] }, { ingress: [sshOpen, https] });
    expect(changed.map((c) => [text(c.path), text(c.beforePath), text(c.afterPath)])).toEqual([["ingress[0].cidr_blocks", "ingress[1].cidr_blocks", "ingress[0].cidr_blocks"]]);
  });

  it("reads paths on the side asked for", () => {
    const changed = changedAttributes({ ingress: [sshOpen, https] }, { ingress: [https, ssh] }, "before");
    expect(changed.map((c) => text(c.path))).toEqual(["ingress[0].cidr_blocks"]);
  });

  it.each<[string, JsonValue, JsonValue, string[]]>([
    ["a list only reordered is one item (an ordered list changed order)", { rules: [https, ssh] }, { rules: [ssh, https] }, ["rules"]],
    ["a resized list is one item", { rules: [https] }, { rules: [https, ssh] }, ["rules"]],
    ["a changed map key", { tags: { Owner: "a", Team: "x" } }, { tags: { Owner: "b", Team: "x" } }, ["tags.Owner"]],
    ["nothing when equal", { a: [https] }, { a: [https] }, []],
  ])("%s", (_name, before, after, expected) => {
    expect(changedAttributes(before, after).map((c) => text(c.path))).toEqual(expected);
  });
});
