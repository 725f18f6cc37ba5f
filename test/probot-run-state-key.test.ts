import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { activeStateKeys, deriveStateKey, useStateKeys } from "../src/core/state-seal.js";
import { ensureStateKeys } from "../src/index.js";

// issue 15 §2: `probot run lib/index.js` seals markers as driftback's own server does
describe("state keys on the `probot run` path", () => {
  afterEach(() => useStateKeys([]));
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };

  it("takes DRIFTBACK_STATE_KEY first", () => {
    ensureStateKeys({ DRIFTBACK_STATE_KEY: "operator-key-0123456789,older-key-0123456789" }, log);
    expect(activeStateKeys().map(String)).toEqual(["operator-key-0123456789", "older-key-0123456789"]);
  });

  it("else derives the key from the App's private key, as main.ts does", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    ensureStateKeys({ PRIVATE_KEY: privateKey }, log);
    expect(activeStateKeys()).toEqual([deriveStateKey(privateKey)]);
  });

  it("keeps keys already set, and says so loudly when there is none", () => {
    useStateKeys([Buffer.from("set-by-main-0123456789")]);
    ensureStateKeys({ DRIFTBACK_STATE_KEY: "other-key-0123456789" }, log);
    expect(activeStateKeys().map(String)).toEqual(["set-by-main-0123456789"]);
    useStateKeys([]);
    ensureStateKeys({}, log);
    expect(activeStateKeys()).toEqual([]);
    expect(warnings.at(-1)).toMatch(/no state key/);
  });
});
