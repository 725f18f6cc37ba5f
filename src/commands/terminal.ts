/**
 * What the terminal decides for the text format: the default format (text at a TTY, today's default
 * in a pipe), whether to colour, and the width lines fit. Flags and environment are read here, in
 * commands; core/render/terminal gets the answers.
 */

/** Where output goes: process.stdout and process.env by default, fakes in tests. */
export interface TerminalContext {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The default `--format` of a command with a text format: text when stdout is a TTY, else `pipeDefault` (what the command printed before). */
export function defaultFormat<F extends string>(pipeDefault: F, context: TerminalContext = process.stdout): "text" | F {
  return context.isTTY ? "text" : pipeDefault;
}

/**
 * Colour, by precedence: `--no-color` > `NO_COLOR` (any non-empty value, no-color.org) > `FORCE_COLOR`
 * (non-empty and not "0" or "false") > whether stdout is a TTY.
 */
export function colourOn(options: { noColor?: boolean | undefined }, context: TerminalContext = { isTTY: process.stdout.isTTY, env: process.env }): boolean {
  if (options.noColor) return false;
  const env = context.env ?? process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  return context.isTTY === true;
}

/** The width lines fit: `COLUMNS` when it is a positive number, else the terminal's columns, else 80. */
export function terminalWidth(context: TerminalContext = { columns: process.stdout.columns, env: process.env }): number {
  const columns = Number((context.env ?? process.env).COLUMNS);
  if (Number.isSafeInteger(columns) && columns > 0) return columns;
  return context.columns && context.columns > 0 ? context.columns : 80;
}
