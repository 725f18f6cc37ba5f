import { readFileSync } from "node:fs";
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import { describe, expect, it } from "vitest";
import { parsePlan } from "../../src/core/plan/parse.js";
import { escapeMarkdownInline } from "../../src/core/render/escape-markdown.js";
import { Masker } from "../../src/core/render/mask.js";
import { renderComment } from "../../src/core/render/preview.js";
import { bundledTemplates } from "../../src/templates.js";
import { API_RECORDED, configOf, newGitHub, scanOnce, sgDrift } from "../support/backport-world.js";

/**
 * Issue 15 §2: a value from a plan or a cloud may change only text. Each body is rendered as GitHub
 * would (GFM, raw HTML allowed as GitHub allows its safe subset), once with a harmless value and once
 * with a hostile one: the elements, links, images and HTML comments must be the same, and the text
 * outside code and links must gain nothing GitHub turns into a mention, a reference or a link.
 */
const HOSTILE = [
  ["a forged marker", '<!-- driftback:backport {"v":1,"key":"prod/*","override":"codify"} -->'],
  ["a backtick fence", "```\n# closed\n```"],
  ["a tilde fence", "~~~\nx\n~~~"],
  ["a closing details tag", "</details>\n\n# heading"],
  ["a lone CR", "a\r\r@octocat\r#1"],
  ["LF and a paragraph", "a\n\n@octocat #1 acme/infra#2 https://evil.example www.evil.example"],
  ["U+2028 and U+2029", "a\u2028@octocat\u2029#1"],
  ["a mention", "@octocat"],
  ["an issue reference", "#1"],
  ["an image", "![x](https://example.com/p.png)"],
  ["a table row", "| x | y |\n|---|---|\n| @octocat | #1 |"],
  ["HTML", '<img src=x onerror=alert(1)><a href="https://evil.example">x</a>'],
] as const;

const render = (markdown: string) => micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });

/** The structure of rendered HTML: every tag with its link and image targets, and every HTML comment's kind. */
function structure(html: string): string[] {
  const out: string[] = [];
  for (const match of html.matchAll(/<!--\s*([a-z:-]*)|<(\/?[a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    if (match[1] !== undefined) out.push(`comment ${match[1]}`);
    else out.push(`${match[2]}${/href|src/.test(match[3] ?? "") ? " " + (match[3]!.match(/(?:href|src)="[^"]*"/g) ?? []).join(" ") : ""}`);
  }
  return out;
}

/** Text GitHub scans after rendering: outside code, pre and links, entities decoded. */
function scannedText(html: string): string {
  const outside = html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(pre|code|a)\b[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ");
  return outside.replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"' } as Record<string, string>)[name] ?? entity;
  });
}

/** What GitHub would add: mentions, issue references (#1, owner/repo#1) and bare URLs. */
function autolinked(text: string): string[] {
  return [...text.matchAll(/(?<![\w`])@[A-Za-z0-9][\w-]*|(?<![\w&])#\d+|[\w.-]+\/[\w.-]+#\d+|https?:\/\/\S+|www\.\S+/g)].map((m) => m[0]);
}

/** Renders the bodies a hostile value reaches: the revert pull request (table, plan excerpt, drift record), a refused codify's snippet, the human-push comment. */
async function bodiesWith(value: string): Promise<Record<string, string>> {
  const github = newGitHub();
  const ghost = (v: string) => ({ address: "aws_instance.ghost", recorded: { ...API_RECORDED, id: "i-7" }, live: { ...API_RECORDED, id: "i-7", instance_type: v } });
  const config = configOf({ backport: { group_by: "workspace" } });
  await scanOnce(github, [sgDrift(value), ghost(value)], { config });
  const pr = github.openPrs()[0]!;
  github.personPushes(pr.branch, "README.md", "# edited by a person\n");
  await scanOnce(github, [sgDrift(`${value} again`), ghost(`${value} again`)], { config });
  const after = github.openPrs()[0]!;
  const record = [...github.filesOf(pr.branch)].find(([p]) => p.startsWith(".driftback/drift/"))![1];
  return { body: pr.body, record, comment: after.comments.at(-1) ?? "" };
}

describe("hostile values change only text (issue 15 §2)", async () => {
  const safe = await bodiesWith("harmless");

  it("the harmless rendering has the parts the hostile values go to", () => {
    expect(safe.body).toContain("harmless");
    expect(safe.body).toContain("To codify it by hand");
    expect(safe.comment).toContain("Someone pushed to this branch");
    expect(safe.record).toContain("harmless");
  });

  it.each(HOSTILE)("%s", async (_name, value) => {
    const hostile = await bodiesWith(value);
    for (const part of ["body", "record", "comment"] as const) {
      const [a, b] = [render(safe[part] ?? ""), render(hostile[part] ?? "")];
      expect(structure(b), `${part}: elements`).toEqual(structure(a));
      expect(autolinked(scannedText(b)), `${part}: mentions, references, URLs`).toEqual(autolinked(scannedText(a)));
    }
  });
});

describe("escapeMarkdownInline", () => {
  it.each([
    ["line breaks of every kind become spaces", "a\r\nb\rc\nd\u2028e\u2029f", "a b c d e f"],
    ["backticks, pipes and HTML are inert", "`x` | <b>", "&#x60;x&#x60; \\| &lt;b&gt;"],
    ["mentions and references are broken by a word joiner", "@octocat #1", "@\u2060octocat #\u20601"],
    ["URLs are not autolinked", "https://e.example www.e.example", "https:\u2060//e.example www\u2060.e.example"],
    ["an image or link cannot form", "![x](u)", "!&#91;x]&#40;u)".replace("&#91;", "[")],
    ["intraword underscores stay readable, others are escaped", "aws_instance _x_", "aws_instance &#95;x&#95;"],
  ])("%s", (_name, value, expected) => {
    expect(escapeMarkdownInline(value)).toBe(expected);
  });
});

describe("hostile values in the plan preview comment change only text (issue 15 §2)", () => {
  const example = readFileSync(new URL("../../examples/plan.json", import.meta.url), "utf8");
  /** The example plan with a value in an updated attribute and in a for_each key of an address. */
  const commentWith = (value: string) => {
    const plan = JSON.parse(example);
    const web = plan.resource_changes.find((r: { address: string }) => r.address === "aws_instance.web");
    web.change.after.instance_type = value;
    const queue = plan.resource_changes.find((r: { address: string }) => r.address.startsWith("module.queue"));
    queue.address = `module.queue.aws_sqs_queue.this[${JSON.stringify(value)}]`;
    queue.index = value;
    const model = parsePlan(JSON.stringify(plan));
    return renderComment({ results: [{ kind: "planned", name: "prod", dir: "infra/prod", terraformWorkspace: "default", tool: "terraform 1.9.5", model }] }, { masker: new Masker(), templates: bundledTemplates() });
  };
  const safe = render(commentWith("harmless"));

  it.each(HOSTILE)("%s", (_name, value) => {
    const hostile = render(commentWith(value));
    expect(structure(hostile)).toEqual(structure(safe));
    expect(autolinked(scannedText(hostile))).toEqual(autolinked(scannedText(safe)));
  });
});
