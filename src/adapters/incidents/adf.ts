/**
 * Atlassian Document Format (Jira Cloud REST v3 bodies), both ways, for the small Markdown subset driftback's templates
 * write: paragraphs, `#` headings, `-`/`*` lists (task boxes shown as ☐/☑), links, **bold** and `code`.
 * ADF has no hidden text, so the follow-up marker is the comment's last paragraph, in code style.
 */

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  content?: AdfNode[];
}

export interface AdfDoc extends AdfNode {
  type: "doc";
  version: 1;
  content: AdfNode[];
}

const LIST_ITEM = /^\s*[-*] (?:\[( |x|X)\] )?(.*)$/;
const HEADING = /^(#{1,6}) (.*)$/;

export function markdownToAdf(markdown: string, marker?: string): AdfDoc {
  const content: AdfNode[] = [];
  let paragraph: string[] = [];
  let list: AdfNode[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) content.push({ type: "paragraph", content: paragraph.flatMap((line, i) => (i === 0 ? inline(line) : [{ type: "hardBreak" }, ...inline(line)])) });
    paragraph = [];
  };
  const flushList = () => {
    if (list.length > 0) content.push({ type: "bulletList", content: list });
    list = [];
  };
  for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    const item = LIST_ITEM.exec(line);
    const heading = HEADING.exec(line);
    if (item) {
      flushParagraph();
      const box = item[1] === undefined ? "" : item[1] === " " ? "☐ " : "☑ ";
      list.push({ type: "listItem", content: [{ type: "paragraph", content: inline(`${box}${item[2]}`) }] });
    } else if (heading) {
      flushParagraph();
      flushList();
      content.push({ type: "heading", attrs: { level: heading[1]!.length }, content: inline(heading[2]!) });
    } else if (line.trim() === "") {
      flushParagraph();
      flushList();
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  flushList();
  if (marker) content.push({ type: "paragraph", content: [{ type: "text", text: marker, marks: [{ type: "code" }] }] });
  return { type: "doc", version: 1, content };
}

const INLINE = /\[([^\]\n]+)\]\((\S+?)\)|\*\*([^*\n]+)\*\*|`([^`\n]+)`/g;

/** Text nodes with link, strong and code marks; a link that is not http(s) stays plain text. */
function inline(text: string): AdfNode[] {
  const nodes: AdfNode[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) nodes.push({ type: "text", text: text.slice(last, match.index) });
    const [whole, linkText, href, bold, code] = match;
    if (linkText !== undefined && href !== undefined) {
      nodes.push(/^https?:\/\//.test(href) ? { type: "text", text: linkText, marks: [{ type: "link", attrs: { href } }] } : { type: "text", text: whole });
    } else if (bold !== undefined) {
      nodes.push({ type: "text", text: bold, marks: [{ type: "strong" }] });
    } else if (code !== undefined) {
      nodes.push({ type: "text", text: code, marks: [{ type: "code" }] });
    }
    last = match.index + whole.length;
  }
  if (last < text.length) nodes.push({ type: "text", text: text.slice(last) });
  return nodes.filter((node) => node.text !== "");
}

const BLOCKS = new Set(["paragraph", "heading", "listItem", "codeBlock", "blockquote", "panel", "tableRow", "rule", "mediaSingle", "taskItem", "decisionItem"]);

/** Everything a person can read in an ADF value (a description, a comment), as plain text; unknown nodes are walked, not trusted. */
export function adfToText(value: unknown): string {
  if (typeof value === "string") return value; // Jira REST v2 bodies, or a plain field
  const lines: string[] = [];
  let current = "";
  const walk = (node: unknown, depth: number) => {
    if (depth > 50 || typeof node !== "object" || node === null) return;
    const { type, text, attrs, content } = node as AdfNode;
    if (type === "text" && typeof text === "string") current += text;
    else if (type === "hardBreak") current += "\n";
    else if ((type === "mention" || type === "emoji") && typeof attrs?.text === "string") current += attrs.text;
    else if ((type === "inlineCard" || type === "blockCard") && typeof attrs?.url === "string") current += attrs.url;
    if (Array.isArray(content)) for (const child of content) walk(child, depth + 1);
    if (typeof type === "string" && BLOCKS.has(type) && current !== "") {
      lines.push(current);
      current = "";
    }
  };
  walk(value, 0);
  if (current !== "") lines.push(current);
  return lines.join("\n");
}

/** Two ADF values show the same thing: text, structure, marks and link targets (Jira may add ids and attributes of its own). */
export function sameAdf(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a, 0)) === JSON.stringify(canonical(b, 0));
}

function canonical(node: unknown, depth: number): unknown {
  if (depth > 50 || typeof node !== "object" || node === null) return null;
  const { type, text, attrs, marks, content } = node as AdfNode;
  return [
    type,
    text ?? null,
    typeof attrs?.level === "number" ? attrs.level : null,
    Array.isArray(marks) ? marks.map((mark) => [mark.type, typeof mark.attrs?.href === "string" ? mark.attrs.href : null]) : [],
    Array.isArray(content) ? content.map((child) => canonical(child, depth + 1)) : [],
  ];
}
