import stripAnsi from "strip-ansi";

/** C0 controls except tab and line feed, DEL, C1 controls, and the bidirectional marks and overrides ("Trojan source"). */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNPRINTABLE_OR_LINE_BREAK = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeOne = (char: string) => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/**
 * Text that came from a file or an argument, made safe for a terminal or a comment: whole escape
 * sequences (terraform's colours, or planted ones) are removed, every other control character is
 * shown escaped (`\x07`) rather than obeyed. Tabs and line feeds stay.
 */
export function escapeUnprintable(text: string): string {
  return stripAnsi(text).replace(UNPRINTABLE, escapeOne);
}

/** A path or name quoted inside a one-line message: every control character escaped, line breaks and escape sequences included. */
export function escapeForOneLine(text: string): string {
  return text.replace(UNPRINTABLE_OR_LINE_BREAK, escapeOne);
}

/** Text written by people (check messages) with escape sequences and control characters dropped. */
export function withoutUnprintable(text: string): string {
  return stripAnsi(text).replace(UNPRINTABLE, "");
}

/** A caller-supplied value (a query parameter, a header) echoed in a one-line answer: escaped, and cut to `max` characters. */
export function printable(value: string, max = 80): string {
  const clean = escapeForOneLine(value);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
