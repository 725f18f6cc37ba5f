import { describe, expect, it } from "vitest";
import { appBotLogin } from "../../src/handlers/bot-login.js";

/** Probot's `auth()` as far as appBotLogin uses it: GET /app answers in turn from `answers`. */
function probotAnswering(answers: (() => unknown)[]) {
  let calls = 0;
  const probot = {
    auth: async () => ({ rest: { apps: { getAuthenticated: async () => ({ data: answers[calls++]!() }) } } }),
  };
  return { probot: probot as unknown as Parameters<typeof appBotLogin>[0], calls: () => calls };
}

describe("the App's bot login", () => {
  it("is <slug>[bot], asked of GitHub once however often it is wanted", async () => {
    const { probot, calls } = probotAnswering([() => ({ id: 1, slug: "driftback-acme" })]);
    const login = appBotLogin(probot);
    expect(await Promise.all([login(), login(), login()])).toEqual(["driftback-acme[bot]", "driftback-acme[bot]", "driftback-acme[bot]"]);
    expect(calls()).toBe(1);
  });

  it("asks again after a failure instead of keeping it", async () => {
    const { probot, calls } = probotAnswering([
      () => {
        throw Object.assign(new Error("Server Error"), { status: 502 });
      },
      () => ({ slug: "driftback" }),
    ]);
    const login = appBotLogin(probot);
    await expect(login()).rejects.toThrow("Server Error");
    expect(await login()).toBe("driftback[bot]");
    expect(calls()).toBe(2);
  });

  it.each([
    ["no slug", { id: 1 }],
    ["a slug that is not one", { slug: "drift back]" }],
    ["no answer at all", null],
  ])("refuses an answer with %s, in one readable line", async (_name, answer) => {
    const { probot } = probotAnswering([() => answer]);
    await expect(appBotLogin(probot)()).rejects.toThrow(/^GitHub's answer to GET \/app has no usable slug/);
  });
});
