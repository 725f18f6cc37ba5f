import { describe, expect, it } from "vitest";
import { finishedElapsed, finishedLine, runningElapsed, runningLine, SPINNER_FRAMES } from "../../src/core/render/progress.js";

describe("progress elapsed times", () => {
  it.each([
    [0, "0s"],
    [999, "0s"],
    [12_400, "12s"],
    [59_999, "59s"],
    [60_000, "1m 00s"],
    [125_000, "2m 05s"],
  ])("while running, %d ms reads %s", (ms, text) => expect(runningElapsed(ms)).toBe(text));

  it.each([
    [0, "0.0s"],
    [140, "0.1s"],
    [14_230, "14.2s"],
    [59_940, "59.9s"],
    [59_960, "1m 00s"],
    [125_000, "2m 05s"],
  ])("once finished, %d ms reads %s", (ms, text) => expect(finishedElapsed(ms)).toBe(text));
});

describe("the spinner line", () => {
  const plan = { command: "plan", label: "envs/prod", startedAt: 1_000 };

  it("names the command, the workspace and the time so far, after the frame's spinner", () => {
    expect(runningLine([plan], 13_000, 0, 80)).toBe("⠋ plan (envs/prod) 12s");
    expect(runningLine([plan], 13_000, 1, 80)).toBe("⠙ plan (envs/prod) 12s");
    expect(runningLine([plan], 13_000, SPINNER_FRAMES.length, 80)).toBe("⠋ plan (envs/prod) 12s");
  });

  it("lists every command running at once, oldest first", () => {
    expect(runningLine([plan, { command: "init", label: "envs/staging", startedAt: 10_000 }], 13_000, 0, 80)).toBe("⠋ plan (envs/prod) 12s · init (envs/staging) 3s");
  });

  it("is empty when nothing runs", () => {
    expect(runningLine([], 13_000, 0, 80)).toBe("");
  });

  it("stays one column short of the terminal, cut with …, so rewriting it in place never wraps", () => {
    const line = runningLine([{ command: "plan", label: "x".repeat(200), startedAt: 0 }], 0, 0, 40);
    expect([...line]).toHaveLength(39);
    expect(line.endsWith("…")).toBe(true);
  });

  it("escapes a hostile directory name: no escape sequence, carriage return or line break reaches the terminal", () => {
    const line = runningLine([{ command: "plan", label: "evil\x1b[2J\r\nname", startedAt: 0 }], 0, 0, 200);
    expect(line).toBe("⠋ plan (evil\\x1b[2J\\x0d\\x0aname) 0s");
  });
});

describe("the line a finished command leaves", () => {
  it("says ✓ with the tenths of a second when it succeeded, ✗ when it failed", () => {
    expect(finishedLine({ command: "plan", label: "envs/prod" }, true, 14_200, 80)).toBe("✓ plan envs/prod 14.2s");
    expect(finishedLine({ command: "init", label: "envs/prod" }, false, 3_100, 80)).toBe("✗ init envs/prod 3.1s");
  });

  it("escapes the label and fits the width", () => {
    expect(finishedLine({ command: "show", label: "a\x07b" }, true, 100, 80)).toBe("✓ show a\\x07b 0.1s");
    expect([...finishedLine({ command: "show", label: "y".repeat(100) }, true, 100, 30)]).toHaveLength(29);
  });
});
