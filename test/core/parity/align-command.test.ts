import { describe, expect, it } from "vitest";
import { alignBoxRequests, renderDashboard } from "../../../src/core/drift/dashboard.js";
import { EMPTY_STATE } from "../../../src/core/drift/state.js";
import { ALIGN_USAGE, alignRequestKey, EXPECT_USAGE, parseAlignCommand } from "../../../src/core/parity/align-command.js";
import { encodeAlignMarker, parseAlignMarker } from "../../../src/core/parity/align-marker.js";
import { differenceKey } from "../../../src/core/parity/first-seen.js";
import type { PublicGroup } from "../../../src/core/parity/public.js";
import { parityView } from "../../../src/core/render/parity.js";
import { bundledTemplates } from "../../../src/templates.js";
import { boxRequests } from "../../../src/usecases/scan-align.js";

describe("parseAlignCommand", () => {
  it("reads group, resource, attribute and member from a line of its own", () => {
    expect(parseAlignCommand("/driftback align modules/service module.shop pool_size to staging")).toEqual({ ok: true, request: { group: "modules/service", resource: "module.shop", attribute: "pool_size", to: "staging" } });
    expect(parseAlignCommand('Please:\n/driftback  align web aws_db_proxy.shop settings.DB_TIMEOUT TO prod-eu:module.shop["a"]  \nthanks')).toEqual({
      ok: true,
      request: { group: "web", resource: "aws_db_proxy.shop", attribute: "settings.DB_TIMEOUT", to: 'prod-eu:module.shop["a"]' },
    });
  });

  it("is not an align command: other commands, text mentioning it mid-line, no comment", () => {
    for (const body of ["/driftback scan", "/driftback aligned x y z to w", "please /driftback align a b c to d", "", null, undefined]) expect(parseAlignCommand(body)).toBeUndefined();
  });

  it("gives the usage line for anything else after /driftback align", () => {
    for (const body of ["/driftback align", "/driftback align g r a staging", "/driftback align g r a into staging", "/driftback align g r a to staging now", '/driftback align g r "a b" to x', "/driftback align g r a` to x", "/driftback align g r <a> to x"]) {
      expect(parseAlignCommand(body)).toEqual({ ok: false, error: ALIGN_USAGE });
    }
  });

  it("keys a request like the alignment's key", () => {
    expect(alignRequestKey({ group: "g", resource: "module.shop", attribute: "pool_size", to: "staging" })).toBe("align:g:module.shop:pool_size:staging");
  });
});

describe("the alignment marker", () => {
  const keys = [Buffer.from("a-state-key-of-at-least-16")];
  it("round-trips on the body's last line, sealed; a forged, unsigned or misplaced one is not read", () => {
    const line = encodeAlignMarker({ key: "align:g:r:a:<m>" }, keys);
    expect(line).toMatch(/^<!-- driftback:align \{"v":1,"kind":"align","key":"align:g:r:a:\\u003cm\\u003e"\} seal:[A-Za-z0-9_-]{43} -->$/);
    expect(parseAlignMarker(`body\n\n${line}\n`, keys)).toEqual({ key: "align:g:r:a:<m>" });
    expect(parseAlignMarker(`${line}\nmore text`, keys)).toBeUndefined();
    expect(parseAlignMarker(line.replace('"key":"align', '"key":"other'), keys)).toBeUndefined();
    expect(parseAlignMarker(encodeAlignMarker({ key: "k" }, []), keys)).toBeUndefined();
    expect(parseAlignMarker(encodeAlignMarker({ key: "k" }, []), [])).toEqual({ key: "k" });
  });
});

const group: PublicGroup = {
  name: "modules/service",
  origin: "automatic",
  module: "modules/service",
  members: ["staging", "prod-us", "prod-eu"],
  differences: [
    { kind: "declared", resource: "module.shop", attribute: "pool_size", values: { staging: { value: 20 }, "prod-us": { value: 20 }, "prod-eu": { value: 10 } } },
    { kind: "live", resource: "aws_db_proxy.shop", attribute: "settings.DB_TIMEOUT", cause: "drift", drift: [{ member: "prod-eu" }], values: { staging: { value: "10s" }, "prod-us": { unknown: "no plan" }, "prod-eu": { value: "60s|x" } } },
    { kind: "live", resource: "aws_db_proxy.shop", attribute: "password", cause: "code", values: { staging: { sensitive: true }, "prod-us": { value: "a" }, "prod-eu": { value: "b" } } },
  ],
  versions: [],
  unknown: [],
};

describe("the dashboard's align boxes", () => {
  it("offers one box per distinct known value with its first member, none for a difference with a sensitive side", () => {
    const view = parityView([group], "2026-11-01", Infinity, { alignBoxes: true }).groups[0]!;
    const pool = differenceKey("modules/service", "declared", "module.shop", "pool_size");
    const timeout = differenceKey("modules/service", "live", "aws_db_proxy.shop", "settings.DB_TIMEOUT");
    expect(view.align).toEqual([
      { resource: "module.shop", attribute: "pool_size", boxes: [{ box: `<!-- driftback:align:${pool}:staging -->`, value: "20", member: "staging" }, { box: `<!-- driftback:align:${pool}:prod-eu -->`, value: "10", member: "prod-eu" }] },
      { resource: "aws_db_proxy.shop", attribute: "settings.DB_TIMEOUT", boxes: [{ box: `<!-- driftback:align:${timeout}:staging -->`, value: "10s", member: "staging" }, { box: `<!-- driftback:align:${timeout}:prod-eu -->`, value: "60s|x", member: "prod-eu" }] },
    ]);
    expect(parityView([group]).groups[0]!.align).toBeUndefined(); // the CLI's markdown has no boxes
  });

  it("renders unticked boxes under the group's table, values escaped; ticked ones are read back, other boxes are not", () => {
    const body = renderDashboard(EMPTY_STATE, { owner: "acme", repo: "infra", defaultBranch: "main", schedule: "0 * * * *", workspaces: [], today: "2026-11-01", parity: [group] }, bundledTemplates());
    const pool = differenceKey("modules/service", "declared", "module.shop", "pool_size");
    expect(body).toContain(`- <code>module.shop</code> <code>pool_size</code>\n  - [ ] <!-- driftback:align:${pool}:staging --> align all to <code>20</code> (<code>staging</code>)\n  - [ ] <!-- driftback:align:${pool}:prod-eu --> align all to <code>10</code> (<code>prod-eu</code>)`);
    expect(body).toContain("align all to <code>60s\\|x</code>");
    expect(body).not.toContain("align all to <code>a</code>");
    expect(alignBoxRequests(body)).toEqual([]);
    const ticked = body.replace(`- [ ] <!-- driftback:align:${pool}:prod-eu -->`, `- [x] <!-- driftback:align:${pool}:prod-eu -->`);
    expect(alignBoxRequests(ticked)).toEqual([{ key: pool, member: "prod-eu" }]);
    expect(alignBoxRequests("- [x] <!-- driftback:align:zz:prod -->\n- [X] <!-- driftback:reopen:0123456789abcdef -->\n* [X] <!-- driftback:align:0123456789ab:a:b -->")).toEqual([{ key: "0123456789ab", member: "a:b" }]);
  });

  it("resolves a ticked box against the scan's parity; a box for a difference or member gone asks for nothing", () => {
    const pool = differenceKey("modules/service", "declared", "module.shop", "pool_size");
    expect(boxRequests([{ key: pool, member: "staging" }, { key: pool, member: "dev" }, { key: "0123456789ab", member: "staging" }], [group])).toEqual([{ group: "modules/service", resource: "module.shop", attribute: "pool_size", to: "staging" }]);
  });
});

describe("parseAlignCommand: /driftback expect", () => {
  it("reads the difference to mark expected, with its own key and usage line", () => {
    const parsed = parseAlignCommand("thanks!\n/driftback expect modules/service module.shop pool_size\n");
    expect(parsed).toEqual({ ok: true, request: { group: "modules/service", resource: "module.shop", attribute: "pool_size", to: "", expect: true } });
    expect(alignRequestKey((parsed as { request: Parameters<typeof alignRequestKey>[0] }).request)).toBe("expect:modules/service:module.shop:pool_size");
    expect(parseAlignCommand("/driftback expect modules/service module.shop")).toEqual({ ok: false, error: EXPECT_USAGE });
    expect(parseAlignCommand("/driftback expect a b `c`")).toEqual({ ok: false, error: EXPECT_USAGE });
  });
});
