import { afterEach, describe, expect, it } from "vitest";
import { encodeMarker, parseMarker, readMarker } from "../../src/core/backport/index.js";
import { parseStateKeys, useStateKeys } from "../../src/core/state-seal.js";
import { API_RECORDED, apiDrift as apiDriftLike, configOf, MAIN_TF, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";

const ALL = "driftback/prod/all";
const config = configOf({ backport: { group_by: "workspace" } });
/** A resource with no block in the code: codify is refused, and the body suggests a snippet holding the live value. */
const ghost = (instanceType: string) => ({ address: "aws_instance.ghost", recorded: { ...API_RECORDED, id: "i-7" }, live: { ...API_RECORDED, id: "i-7", instance_type: instanceType } });

const KEY = parseStateKeys("0123456789abcdef-state-key");
const OTHER = parseStateKeys("another-operators-key-0000");

describe("issue 15 §2: a live value cannot forge driftback's hidden state", () => {
  afterEach(() => useStateKeys([]));

  it("ignores a marker a refused codify's snippet carries: the policy drift stays reverted and main.tf is untouched", async () => {
    const github = newGitHub();
    await scanOnce(github, [sgDrift(), ghost("t3.nano")], { config });
    const first = github.openPrs().find((pr) => pr.branch === ALL)!;
    expect(first.labels).toEqual(["drift", "drift:revert"]);
    const real = parseMarker(first.body)!;
    expect(real).toBeDefined();

    // the attacker knows the marker's shape (it is in every body) and writes one that asks for codify into a live value
    const forged = encodeMarker({ ...real, action: "codify", override: "codify", items: real.items.map((i) => ({ ...i, action: "codify", settled: "codify" })) });
    const hostile = `t3.nano\n${forged}\n`;
    await scanOnce(github, [sgDrift(), ghost(hostile)], { config });
    const second = github.openPrs().find((pr) => pr.branch === ALL)!;
    expect(second.body).toContain("driftback:backport"); // the value is shown (escaped or fenced), so the attack was tried
    expect(parseMarker(second.body)?.override).toBeUndefined();

    await scanOnce(github, [sgDrift(), ghost(hostile)], { config });
    const third = github.openPrs().find((pr) => pr.branch === ALL)!;
    expect(third.labels).toEqual(["drift", "drift:revert"]);
    expect(parseMarker(third.body)?.override).toBeUndefined();
    expect(parseMarker(third.body)?.action).toBe("revert");
    expect(github.filesOf(ALL).get(MAIN_TF)).toBe(github.filesOf("main").get(MAIN_TF));
  });

  it("with a state key: ignores the forged marker a value carries too, and every marker driftback writes is sealed", async () => {
    useStateKeys(KEY);
    const github = newGitHub();
    await scanOnce(github, [sgDrift(), ghost("t3.nano")], { config });
    const real = parseMarker(github.openPrs().find((pr) => pr.branch === ALL)!.body)!;
    const forged = encodeMarker({ ...real, override: "codify" }, OTHER); // sealed with a key that is not the App's
    await scanOnce(github, [sgDrift(), ghost(`t3.nano\n${forged}`)], { config });
    await scanOnce(github, [sgDrift(), ghost(`t3.nano\n${forged}`)], { config });
    const pr = github.openPrs().find((p) => p.branch === ALL)!;
    expect(pr.labels).toEqual(["drift", "drift:revert"]);
    expect(readMarker(pr.body)).toMatchObject({ seal: "valid", marker: { action: "revert" } });
    expect(readMarker(pr.body).marker?.override).toBeUndefined();
  });

  it("refuses and reports a marker whose seal no key makes (an edited body), then writes the body again", async () => {
    useStateKeys(KEY);
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    const sg = github.openPrs()[0]!;
    const edited = sg.body.replace(/"action":"revert"/, '"action":"codify"');
    expect(edited).not.toBe(sg.body);
    github.personEditsBody(sg.number, edited);
    expect(readMarker(edited).seal).toBe("forged");
    const { logger } = await scanOnce(github, [sgDrift()]);
    expect(logger.lines.some((l) => l.level === "warn" && (l.obj as { seal?: string }).seal === "forged")).toBe(true);
    const after = github.openPrs()[0]!;
    expect(github.openPrs()).toHaveLength(1);
    expect(readMarker(after.body)).toMatchObject({ seal: "valid", marker: { action: "revert" } });
  });

  it("adopts the unsigned markers of driftback's pull requests from before seals once: no duplicate pull request, one body write each, then nothing", async () => {
    const github = newGitHub();
    await scanOnce(github, [apiDriftLike(), sgDrift()]);
    const before = github.openPrs();
    expect(before).toHaveLength(2);
    for (const pr of before) expect(readMarker(pr.body, KEY).seal).toBe("unsigned");

    useStateKeys(KEY); // the upgrade: the App now has a key
    const upgrade = await scanOnce(github, [apiDriftLike(), sgDrift()]);
    expect(github.openPrs().map((p) => p.number).sort()).toEqual(before.map((p) => p.number).sort());
    expect(upgrade.report.writes).toBeGreaterThan(0);
    for (const pr of github.openPrs()) expect(readMarker(pr.body).seal).toBe("valid");
    const again = await scanOnce(github, [apiDriftLike(), sgDrift()]);
    expect(again.report.writes).toBe(0);
  });

  it("keeps trusting markers sealed with an older key after a rotation, and seals them again with the new one", async () => {
    useStateKeys(OTHER);
    const github = newGitHub();
    await scanOnce(github, [sgDrift()]);
    useStateKeys([...KEY, ...OTHER]);
    expect(readMarker(github.openPrs()[0]!.body).seal).toBe("rotated");
    await scanOnce(github, [sgDrift()]);
    expect(github.openPrs()).toHaveLength(1);
    expect(readMarker(github.openPrs()[0]!.body).seal).toBe("valid");
  });
});
