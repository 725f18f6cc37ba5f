import { expect } from "vitest";
import { visibleWidth } from "../../src/core/render/terminal/fit.js";

/** Issue 17 §1's acceptance for every text format output. */
export const ANSI = /\u001b\[/;
export const TAG_OR_ENTITY = /<\/?[a-zA-Z][^>]*>|&#?[a-zA-Z0-9]+;/;
export const lines = (text: string) => text.replace(/\n$/, "").split("\n");

/** No line wider than `columns` (escape sequences not counted), no HTML tag or entity, no ANSI code unless `colour`, the summary on the last line. */
export function expectTerminalText(out: string, options: { columns: number; colour?: boolean; summary: string | RegExp }): void {
  for (const line of lines(out)) expect(visibleWidth(line), line).toBeLessThanOrEqual(options.columns);
  expect(out).not.toMatch(TAG_OR_ENTITY);
  if (options.colour) expect(out).toMatch(ANSI);
  else expect(out).not.toMatch(ANSI);
  const last = lines(out).at(-1)!.replace(/\u001b\[[0-9;]*m/g, "");
  if (typeof options.summary === "string") expect(last).toBe(options.summary);
  else expect(last).toMatch(options.summary);
}
