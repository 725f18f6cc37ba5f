import { describe, expect, it } from "vitest";
import { adfToText, markdownToAdf, sameAdf } from "../../../src/adapters/incidents/adf.js";
import { retryAfterSeconds, safeWords } from "../../../src/adapters/incidents/errors.js";
import { markdownToPlainText } from "../../../src/adapters/incidents/follow-up.js";
import { fromBase64, fromHex, header, RecentDeliveries, sameDigest, secretList } from "../../../src/adapters/incidents/webhook.js";

describe("recent deliveries (replay protection)", () => {
  it("remembers an id and refuses it while it is remembered", () => {
    const recent = new RecentDeliveries(10, 60_000);
    expect(recent.checkAndRemember("a", 0)).toBe(false);
    expect(recent.checkAndRemember("a", 59_999)).toBe(true);
  });

  it("forgets an id after its time to live", () => {
    const recent = new RecentDeliveries(10, 60_000);
    recent.checkAndRemember("a", 0);
    expect(recent.checkAndRemember("a", 60_000)).toBe(false);
  });

  it("stays bounded: past its capacity the oldest id is forgotten first", () => {
    const recent = new RecentDeliveries(3, 3_600_000);
    for (const id of ["a", "b", "c", "d"]) recent.checkAndRemember(id, 0);
    expect(recent.size).toBe(3);
    expect(recent.checkAndRemember("d", 1)).toBe(true);
    expect(recent.checkAndRemember("a", 1)).toBe(false); // forgotten, so taken as new
  });

  it("a flood of ids never grows it past its capacity", () => {
    const recent = new RecentDeliveries(100, 3_600_000);
    for (let i = 0; i < 10_000; i++) recent.checkAndRemember(`id-${i}`, i);
    expect(recent.size).toBe(100);
  });
});

describe("signature bytes", () => {
  const digest = Buffer.alloc(32, 7);
  const cases: [string, Buffer | undefined, boolean][] = [
    ["the same digest", Buffer.alloc(32, 7), true],
    ["a digest one byte different", Buffer.concat([Buffer.alloc(31, 7), Buffer.from([8])]), false],
    ["a shorter value (no exception, no match)", Buffer.alloc(31, 7), false],
    ["a longer value", Buffer.alloc(33, 7), false],
  ];
  it.each(cases)("%s", (_name, given, match) => {
    expect(sameDigest(digest, given!)).toBe(match);
  });

  it("hex and base64 signatures are read only when they are SHA-256 sized", () => {
    expect(fromHex("ab".repeat(32))?.length).toBe(32);
    expect(fromHex("ab".repeat(31))).toBeUndefined();
    expect(fromHex("zz".repeat(32))).toBeUndefined();
    expect(fromBase64(Buffer.alloc(32).toString("base64"))?.length).toBe(32);
    expect(fromBase64(Buffer.alloc(20).toString("base64"))).toBeUndefined();
    expect(fromBase64("not base64!")).toBeUndefined();
  });

  it("headers are read from Node's object (any case) or a fetch Headers; a repeated header is ambiguous", () => {
    expect(header({ "x-webhook-id": "1" }, "x-webhook-id")).toBe("1");
    expect(header({ "X-Webhook-Id": "2" }, "x-webhook-id")).toBe("2");
    expect(header(new Headers({ "X-Webhook-Id": "3" }), "x-webhook-id")).toBe("3");
    expect(header({ "x-webhook-id": ["4", "5"] }, "x-webhook-id")).toBeUndefined();
  });

  it("a secrets list is comma-separated, blanks dropped", () => {
    expect(secretList(" new , old ,, ")).toEqual(["new", "old"]);
    expect(secretList(undefined)).toEqual([]);
  });
});

describe("Markdown to ADF (Jira comments) and back", () => {
  it("turns paragraphs, headings, lists, task boxes, links, bold and code into ADF, the marker last", () => {
    const doc = markdownToAdf("## Backport pull requests\nFrom **INC-7**:\n\n- [x] [acme/infra#3](https://github.com/acme/infra/pull/3) merged\n- [ ] `aws_db_instance.main` open", "driftback:follow-up:v1");
    expect(doc).toEqual({
      type: "doc",
      version: 1,
      content: [
        { type: "heading", attrs: { level: 2 }, content: [{ type: "text", text: "Backport pull requests" }] },
        { type: "paragraph", content: [{ type: "text", text: "From " }, { type: "text", text: "INC-7", marks: [{ type: "strong" }] }, { type: "text", text: ":" }] },
        {
          type: "bulletList",
          content: [
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "☑ " }, { type: "text", text: "acme/infra#3", marks: [{ type: "link", attrs: { href: "https://github.com/acme/infra/pull/3" } }] }, { type: "text", text: " merged" }] }] },
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "☐ " }, { type: "text", text: "aws_db_instance.main", marks: [{ type: "code" }] }, { type: "text", text: " open" }] }] },
          ],
        },
        { type: "paragraph", content: [{ type: "text", text: "driftback:follow-up:v1", marks: [{ type: "code" }] }] },
      ],
    });
  });

  it("a link that is not http(s) stays plain text", () => {
    const [paragraph] = markdownToAdf("[click](javascript:alert(1))").content;
    expect(paragraph!.content!.some((node) => node.marks !== undefined)).toBe(false);
    expect(adfToText(paragraph)).toBe("[click](javascript:alert(1))");
  });

  it("reads back every visible word: text, mentions, cards, line breaks", () => {
    const doc = {
      type: "doc",
      content: [
        { type: "paragraph", content: [{ type: "text", text: "Ping " }, { type: "mention", attrs: { id: "1", text: "@oncall" } }, { type: "hardBreak" }, { type: "inlineCard", attrs: { url: "https://console.aws.amazon.com/sg-0abc" } }] },
        { type: "bulletList", content: [{ type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "DB_TIMEOUT=60s" }] }] }] },
      ],
    };
    expect(adfToText(doc)).toBe("Ping @oncall\nhttps://console.aws.amazon.com/sg-0abc\nDB_TIMEOUT=60s");
  });

  it("a hostile, deeply nested document is walked to a bound, not to a stack overflow", () => {
    let node: Record<string, unknown> = { type: "text", text: "deep" };
    for (let i = 0; i < 100_000; i++) node = { type: "paragraph", content: [node] };
    expect(() => adfToText(node)).not.toThrow();
  });

  it("two documents are the same whatever ids Jira adds, and differ when a link target changes", () => {
    const ours = markdownToAdf("- [x] [#3](https://github.com/acme/infra/pull/3)");
    const stored = JSON.parse(JSON.stringify(ours));
    stored.content[0].attrs = { localId: "x" };
    expect(sameAdf(ours, stored)).toBe(true);
    expect(sameAdf(ours, markdownToAdf("- [x] [#3](https://github.com/acme/infra/pull/4)"))).toBe(false);
  });
});

describe("Markdown to plain text (PagerDuty notes)", () => {
  it("keeps links readable as text (url) and drops emphasis", () => {
    expect(markdownToPlainText("## Backport\n- [x] **merged** [acme/infra#3](https://github.com/acme/infra/pull/3)\r\n- [ ] `open`")).toBe("Backport\n- [x] merged acme/infra#3 (https://github.com/acme/infra/pull/3)\n- [ ] open");
  });
});

describe("a tracker's words in a reason", () => {
  const cases: [string, string, string[], string | undefined][] = [
    ["a configured secret anywhere in it", "bad key inc_io_SECRET123 given", ["inc_io_SECRET123"], "bad key *** given"],
    ["a bearer token", "Authorization: Bearer abcdefghijklmnop refused", [], "Authorization: Bearer *** refused"],
    ["a GitHub token", "token ghs_abcdefghijklmnopqrstuvwxyz0123456789 expired", [], "token *** expired"],
    ["only the first line", "first line\nsecond line with a body dump", [], "first line"],
    ["control characters and terminal escapes", "evil\u001b[31m red \u202e reversed", [], "evil\\x1b[31m red \\u202e reversed"],
    ["nothing at all", "", [], undefined],
  ];
  it.each(cases)("removes %s", (_name, text, secrets, expected) => {
    expect(safeWords(text, secrets)).toBe(expected);
  });

  it("is cut to 200 characters", () => {
    expect(safeWords("x".repeat(500), [])!.length).toBe(200);
  });
});

describe("how long to wait after a rate limit", () => {
  const now = Date.parse("2026-11-01T04:00:00Z");
  const cases: [string, Record<string, string>, number][] = [
    ["Retry-After in seconds", { "retry-after": "17" }, 17],
    ["Retry-After as an HTTP date", { "retry-after": "Sun, 01 Nov 2026 04:02:00 GMT" }, 120],
    ["PagerDuty's ratelimit-reset (seconds)", { "ratelimit-reset": "20" }, 20],
    ["GitHub's x-ratelimit-reset (epoch seconds)", { "x-ratelimit-reset": String(now / 1000 + 600) }, 600],
    ["nothing said: a minute", {}, 60],
  ];
  it.each(cases)("%s", (_name, headers, seconds) => {
    expect(retryAfterSeconds(headers, now)).toBe(seconds);
  });
});
