/**
 * The markdown output format's one escaper for a value printed inline: in text, a table cell, a
 * link's text or an inline HTML element such as <code>. Every value from a plan, a cloud or an
 * incident goes through it (src/templates.ts applies it to every `{{value}}`). After it, a value
 * cannot end its line, cell or element (line breaks, a lone CR and U+2028/U+2029 become spaces; `<`,
 * `|` and backticks are inert), start markup (emphasis, strikethrough, links and images, backslash
 * escapes, math) or make GitHub add a mention, an issue reference or a bare-URL link after rendering
 * (a word joiner, U+2060, follows every `@` and `#` and breaks `://` and `www.`).
 * Code blocks are not inline: they take the value raw inside a fence it cannot close (fence.ts).
 * The text format for terminals has its own escaper beside this one (terminal/escape-terminal.ts).
 */
export function escapeMarkdownInline(value: unknown): string {
  const text = String(value ?? "").replace(LINE_BREAK, " ");
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const entity = ENTITIES[c];
    if (entity !== undefined) out += entity;
    else if (c === "_") out += isWord(text[i - 1]) && isWord(text[i + 1]) ? "_" : "&#95;"; // intraword `_` never emphasises: keep names readable
    else if (c === "@" || c === "#") out += `${c}${JOINER}`;
    else if (c === "(" && text[i - 1] === "]") out += "&#40;";
    else if (c === ":" && text.startsWith("//", i + 1)) out += `:${JOINER}`;
    else if (c === "." && /www$/i.test(text.slice(Math.max(0, i - 3), i))) out += `${JOINER}.`;
    else out += c;
  }
  return out;
}

/** A link target from a value: only http(s) URLs, with every character that could end the link or the markup percent-encoded; anything else links nowhere. */
export function escapeMarkdownUrl(value: unknown): string {
  const text = String(value ?? "");
  if (!/^https?:\/\/[^\s]+$/i.test(text)) return "#";
  return text.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&*+,;=%]/g, (c) => encodeURIComponent(c)).replace(/[&*[\]!$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

const JOINER = "\u2060";
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029\u0085\v\f]/g;
/** The HTML characters Handlebars escapes (same entities, so output stays as before), and markdown's active punctuation. */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
  "`": "&#x60;",
  "=": "&#x3D;",
  "\\": "&#92;",
  "|": "\\|",
  "*": "&#42;",
  "~": "&#126;",
  $: "&#36;",
};

function isWord(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9]/.test(c);
}

/**
 * driftback's own sentence that quotes values between backticks (a refusal's reason, a rule's why):
 * escaped whole like any value, then each backtick-quoted part shown as <code>. The parts are already
 * escaped, so a backtick a value carries can only move where a <code> starts or ends, never add markup.
 */
export function escapeMarkdownProse(value: unknown): string {
  return escapeMarkdownInline(value).replace(/&#x60;((?:(?!&#x60;).)+?)&#x60;/g, "<code>$1</code>");
}
