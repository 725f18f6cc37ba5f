import { describe, expect, it } from "vitest";
import { markerAfter, parseBackportCommand, renderBackportIgnored, withMarker } from "../../../src/core/backport/command.js";
import { encodeMarker, parseMarker, MARKER_VERSION, type BackportMarker } from "../../../src/core/backport/marker.js";
import { bundledTemplates } from "../../../src/templates.js";

const marker: BackportMarker = {
  version: MARKER_VERSION,
  key: "prod/aws_security_group.web",
  workspace: "prod",
  action: "revert",
  items: [{ fingerprint: "0123456789abcdef", valueHash: "0123456789ab", action: "revert", settled: "revert" }],
  digest: "abcdefabcdef",
};
const body = (m: BackportMarker = marker) => `### ↩️ Revert drift in \`prod\`\r\n\r\nSome text a person may have added.\n\n${encodeMarker(m)}\n`;

describe("parseBackportCommand", () => {
  it.each([
    ["a switch to codify", "/driftback codify", "codify"],
    ["a switch to revert with trailing spaces", "/driftback revert   ", "revert"],
    ["ignore on a line of its own among others", "Not worth it.\n/driftback ignore\nthanks", "ignore"],
    ["plan, which has its own handler", "/driftback plan", undefined],
    ["scan, which belongs on the dashboard", "/driftback scan", undefined],
    ["a command quoted mid-sentence", "please run /driftback codify later", undefined],
    ["a command with an argument", "/driftback codify now", undefined],
    ["an unknown command", "/driftback merge", undefined],
    ["no body at all", null, undefined],
  ])("reads %s", (_name, comment, expected) => {
    expect(parseBackportCommand(comment)).toBe(expected);
  });
});

describe("markerAfter", () => {
  it("pins the action a person chose", () => {
    expect(markerAfter(marker, "codify", "octocat")).toEqual({ ...marker, override: "codify" });
  });

  it("returns the same marker when the switch is already there, so nothing is written", () => {
    const switched = { ...marker, override: "codify" as const };
    expect(markerAfter(switched, "codify", "octocat")).toBe(switched);
  });

  it("names who ignored it, and keeps the first person named on a second ignore", () => {
    const ignored = markerAfter(marker, "ignore", "octocat");
    expect(ignored).toEqual({ ...marker, ignoredBy: "octocat" });
    expect(markerAfter(ignored, "ignore", "hubot")).toBe(ignored);
  });
});

describe("withMarker", () => {
  it("replaces only the marker and keeps every other byte of the body, line endings included", () => {
    const next = { ...marker, override: "codify" as const };
    const updated = withMarker(body(), next)!;
    expect(updated).toBe(body(next));
    expect(parseMarker(updated)).toEqual(next);
  });

  it("skips a marker-like comment that does not parse and replaces the real one after it", () => {
    const text = `<!-- driftback:backport {"hand":"edited"} -->\n${body()}`;
    const updated = withMarker(text, { ...marker, ignoredBy: "octocat" })!;
    expect(updated.startsWith('<!-- driftback:backport {"hand":"edited"} -->\n')).toBe(true);
    expect(parseMarker(updated)?.ignoredBy).toBe("octocat");
  });

  it("gives undefined for a body whose marker a person removed", () => {
    expect(withMarker("just a description", marker)).toBeUndefined();
    expect(withMarker("<!-- driftback:backport {unterminated", marker)).toBeUndefined();
  });
});

describe("renderBackportIgnored", () => {
  it("names who ignored it, how to reopen it, and what happens to the branch", () => {
    const text = renderBackportIgnored({ login: "octocat", branch: "driftback/prod/aws_security_group.web", deleteBranch: true }, bundledTemplates());
    expect(text).toContain("Ignored by @octocat");
    expect(text).toContain("until its live value changes");
    expect(text).toContain("drift dashboard");
    expect(text).toContain("<code>driftback/prod/aws_security_group.web</code> is deleted");
    const kept = renderBackportIgnored({ login: "octocat", branch: "driftback/prod/x.y", deleteBranch: false }, bundledTemplates());
    expect(kept).toContain("has commits by someone else");
  });
});
