// C0 controls except tab and newline, DEL, and C1 controls (ESC starts terminal escape sequences)
const CONTROL_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A caller-supplied value made safe to echo on one line: control characters shown as "?", cut to `max` characters. */
export function printable(value: string, max = 80): string {
  const clean = value.replace(CONTROL_ALL, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Multi-line text (an error's stack) without control characters other than tab and newline. */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_KEEP_LINES, "?");
}
