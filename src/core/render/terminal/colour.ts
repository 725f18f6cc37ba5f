/** ANSI SGR codes for the text format: a few constants, no colour library. */
export const SGR = {
  reset: "\u001b[0m",
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
} as const;

export type Style = Exclude<keyof typeof SGR, "reset">;

/** `text` in `style` when colour is on; unchanged when it is off (then the output holds no escape sequence). */
export function paint(text: string, style: Style | undefined, colour: boolean): string {
  if (!colour || !style || text === "") return text;
  return `${SGR[style]}${text}${SGR.reset}`;
}

/** Open and close codes a template may place around its own words (empty strings when colour is off). */
export function styleCodes(colour: boolean): Record<Style | "reset", string> {
  const entries = Object.entries(SGR).map(([name, code]) => [name, colour ? code : ""]);
  return Object.fromEntries(entries) as Record<Style | "reset", string>;
}
