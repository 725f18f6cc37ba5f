import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeMarker, lastLine, readMarker, type BackportMarker } from "../../src/core/backport/index.js";
import { checkSeal, deriveStateKey, parseStateKeys, sealOf, stateKeysFrom } from "../../src/core/state-seal.js";

const pem = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const KEY = parseStateKeys("0123456789abcdef-state-key");
const marker: BackportMarker = {
  version: 1,
  key: "prod/aws_instance.api",
  workspace: "prod",
  action: "revert",
  items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }],
  digest: "abcdefabcdef",
};

describe("state keys", () => {
  it("reads DRIFTBACK_STATE_KEY as a comma-separated list, the first one sealing", () => {
    const { keys, source } = stateKeysFrom({ DRIFTBACK_STATE_KEY: " new-key-0123456789 , old-key-0123456789 ," }, pem);
    expect(source).toBe("environment");
    expect(keys.map((k) => k.toString())).toEqual(["new-key-0123456789", "old-key-0123456789"]);
  });
  it("refuses a short key rather than seal with it", () => {
    expect(() => parseStateKeys("short")).toThrow(/at least 16 characters/);
  });
  it("derives one stable key from the App's private key when none is set, and has none without a private key (the CLI)", () => {
    expect(stateKeysFrom({}, pem)).toEqual({ keys: [deriveStateKey(pem)], source: "private-key" });
    expect(deriveStateKey(pem).equals(deriveStateKey(`${pem}\n`))).toBe(true);
    expect(deriveStateKey(pem).toString("hex")).not.toContain(Buffer.from(pem).toString("hex").slice(0, 32));
    expect(stateKeysFrom({}, undefined)).toEqual({ keys: [], source: "none" });
  });
  it("checks a seal against each key and tells a rotated one from a forged one", () => {
    const old = parseStateKeys("old-key-0123456789");
    const seal = sealOf("backport", "{}", old)!;
    expect(checkSeal("backport", "{}", seal, old)).toBe("valid");
    expect(checkSeal("backport", "{}", seal, [...KEY, ...old])).toBe("rotated");
    expect(checkSeal("backport", "{}", seal, KEY)).toBe("forged");
    expect(checkSeal("dashboard", "{}", seal, old)).toBe("forged"); // a seal is bound to its kind
    expect(checkSeal("backport", "{ }", seal, old)).toBe("forged");
    expect(checkSeal("backport", "{}", undefined, old)).toBe("unsigned");
    expect(checkSeal("backport", "{}", seal, [])).toBe("unverifiable");
  });
});

describe("the backport marker's fixed place and seal", () => {
  it("is read from the body's last line only, whatever the lines above hold", () => {
    const body = `text\n\n${encodeMarker({ ...marker, override: "codify" }, [])}\nmore text\n${encodeMarker(marker, [])}\n\n`;
    expect(readMarker(body, []).marker).toEqual(marker);
    expect(readMarker(`${encodeMarker(marker, [])}\ntext after`, []).seal).toBe("none");
  });
  it("is not read from a line a lone CR, U+2028 or a code fence puts on the same line", () => {
    expect(readMarker(`x\r${encodeMarker(marker, [])}`, []).seal).toBe("none");
    expect(readMarker(`x\u2028${encodeMarker(marker, [])}`, []).seal).toBe("none");
    expect(lastLine("a\nb\n\n  ")).toBe("b");
  });
  it("with a key, trusts a sealed marker, adopts an unsigned one and refuses one whose content or seal was changed", () => {
    const sealed = encodeMarker(marker, KEY);
    expect(sealed).toMatch(/ seal:[A-Za-z0-9_-]{43} -->$/);
    expect(readMarker(sealed, KEY)).toEqual({ seal: "valid", marker });
    expect(readMarker(encodeMarker(marker, []), KEY)).toEqual({ seal: "unsigned", marker });
    expect(readMarker(sealed.replace('"revert","revert"', '"codify","codify"'), KEY)).toEqual({ seal: "forged" });
    expect(readMarker(sealed.replace(/seal:.{5}/, "seal:AAAAA"), KEY)).toEqual({ seal: "forged" });
  });
});
