import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest, request, sign, webhookHeaders, type RequestSpec } from "./handlers/http-client.js";
import { serveDriftback, type Served } from "./handlers/serve-driftback.js";

// Bad input over HTTP, against driftback on a real listening server built as `npm start` builds it.
// Each row: the status, the culprit named in the answer (when there is one), and neither the answer
// nor the log shows a stack trace, a secret or a control character.

const SCAN_TOKEN = "scan-token-CANARY-a61f";
const SECRET = "webhook-secret-CANARY-3c08";
const PAYLOAD_MARK = "PAYLOAD-CANARY-9e4d";
const WRONG_TOKEN = "wrong-token-CANARY-d2b7";
const CANARIES = [SCAN_TOKEN, SECRET, PAYLOAD_MARK, WRONG_TOKEN];
const LIMIT = 256 * 1024; // a small body limit keeps the oversize rows cheap; the 25 MB default is tested in test/handlers

const WEBHOOK = "/api/github/webhooks";
const SCAN = "/driftback/scan";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const payload = JSON.stringify({ zen: PAYLOAD_MARK, hook_id: 1 });
const brokenJson = `{"zen": "${PAYLOAD_MARK}",`;

interface Row {
  name: string;
  send: RequestSpec | { raw: string };
  status: number;
  /** What the answer's message must name; undefined when the answer has no message (Node's own 400). */
  culprit?: RegExp;
}

const rows: Row[] = [
  { name: "a webhook with a wrong signature", send: { path: WEBHOOK, headers: webhookHeaders("ping", `sha256=${"ab".repeat(32)}`), body: payload }, status: 400, culprit: /signature does not match/ },
  { name: "a webhook signed with another secret", send: { path: WEBHOOK, headers: webhookHeaders("ping", sign("not-the-secret", payload)), body: payload }, status: 400, culprit: /signature/ },
  { name: "a webhook without a signature header", send: { path: WEBHOOK, headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d-1" }, body: payload }, status: 400, culprit: /x-hub-signature-256/ },
  { name: "a webhook without an event header", send: { path: WEBHOOK, headers: { "content-type": "application/json", "x-hub-signature-256": sign(SECRET, payload), "x-github-delivery": "d-2" }, body: payload }, status: 400, culprit: /x-github-event/ },
  { name: "a correctly signed webhook whose body is not JSON", send: { path: WEBHOOK, headers: webhookHeaders("ping", sign(SECRET, brokenJson)), body: brokenJson }, status: 400, culprit: /Invalid JSON/ },
  { name: "a webhook sent as a form instead of JSON", send: { path: WEBHOOK, headers: { ...webhookHeaders("ping", sign(SECRET, payload)), "content-type": "application/x-www-form-urlencoded" }, body: payload }, status: 415, culprit: /Content-Type/ },
  { name: "a webhook body over the limit, announced by Content-Length", send: { path: WEBHOOK, headers: webhookHeaders("push", sign(SECRET, "x")), bigBody: { bytes: LIMIT * 4, fill: PAYLOAD_MARK } }, status: 413, culprit: /over the 0 MB limit|over the .* limit/ },
  { name: "a chunked webhook body over the limit", send: { path: WEBHOOK, headers: webhookHeaders("push", sign(SECRET, "x")), bigBody: { bytes: LIMIT * 4, chunked: true, fill: PAYLOAD_MARK } }, status: 413, culprit: /limit/ },
  { name: "GET on the webhook route", send: { method: "GET", path: WEBHOOK }, status: 404, culprit: /GET \/api\/github\/webhooks/ },
  { name: "PUT on the webhook route", send: { method: "PUT", path: WEBHOOK, headers: webhookHeaders("ping", sign(SECRET, payload)), body: payload }, status: 404, culprit: /PUT/ },
  { name: "a path nobody serves", send: { method: "POST", path: "/api/github/webhook", body: payload, headers: { "content-type": "application/json" } }, status: 404 },
  { name: "GET on the scan endpoint", send: { method: "GET", path: SCAN, headers: bearer(SCAN_TOKEN) }, status: 405, culprit: /GET .*use POST/ },
  { name: "a scan request without a token", send: { path: SCAN }, status: 401, culprit: /bearer token/ },
  { name: "a scan request with a wrong token", send: { path: SCAN, headers: bearer(WRONG_TOKEN) }, status: 401, culprit: /bearer token/ },
  { name: "a scan request with the token as Basic credentials", send: { path: SCAN, headers: { authorization: `Basic ${Buffer.from(`driftback:${SCAN_TOKEN}`).toString("base64")}` } }, status: 401, culprit: /Bearer/ },
  { name: "a scan request with the bare token and no scheme", send: { path: SCAN, headers: { authorization: SCAN_TOKEN } }, status: 401, culprit: /Bearer/ },
  { name: "a scan request with a 4,000-character token", send: { path: SCAN, headers: bearer("t".repeat(4000)) }, status: 401, culprit: /bearer token/ },
  { name: "a repo parameter climbing out with ../x", send: { path: `${SCAN}?repo=../x`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /repo parameter .*got "\.\.\/x"/ },
  { name: "a repo parameter of owner/..", send: { path: `${SCAN}?repo=acme/..`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /got "acme\/\.\."/ },
  { name: "a repo parameter with terminal escape sequences", send: { path: `${SCAN}?repo=acme/%1b%5b31mred%07`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /got "acme\/\\x1b\[31mred\\x07"/ },
  { name: "a repo parameter of 2,000 characters", send: { path: `${SCAN}?repo=acme/${"r".repeat(2000)}`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /got "acme\/r{75}…"/ },
  { name: "an empty repo parameter", send: { path: `${SCAN}?repo=`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /got ""/ },
  { name: "a repo parameter with three parts", send: { path: `${SCAN}?repo=acme/infra/extra`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /got "acme\/infra\/extra"/ },
  { name: "a repo parameter with invalid percent-encoding", send: { path: `${SCAN}?repo=acme/%E0%A4%A`, headers: bearer(SCAN_TOKEN) }, status: 400, culprit: /repo parameter/ },
  { name: "a header value with control characters", send: { raw: `POST ${SCAN} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SCAN_TOKEN}\x1b[31m\r\nContent-Length: 0\r\n\r\n` }, status: 400, culprit: /header value/ },
  { name: "a request line with a control character in the query", send: { raw: `POST ${SCAN}?repo=a/\x07b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n` }, status: 400, culprit: /url/ },
  { name: "an unknown HTTP method", send: { raw: `BREW ${SCAN} HTTP/1.1\r\nHost: x\r\n\r\n` }, status: 400, culprit: /method/ },
  { name: "a webhook with both Content-Length and Transfer-Encoding", send: { raw: `POST ${WEBHOOK} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` }, status: 400, culprit: /Transfer-Encoding/ },
  { name: "a webhook with a Content-Length that is not a number", send: { raw: `POST ${WEBHOOK} HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n` }, status: 400, culprit: /Content-Length/ },
  { name: "headers over Node's 16 KiB limit", send: { raw: `POST ${WEBHOOK} HTTP/1.1\r\nHost: x\r\nX-Filler: ${"f".repeat(20_000)}\r\n\r\n` }, status: 431, culprit: /Header overflow/ },
];

const STACK_TRACE = /\n\s+at .+[(:]\d+/;
// control characters other than the line breaks that end log lines and HTTP headers
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// in a decoded JSON string (a message, a log field) only a newline may remain
const DECODED_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Every string inside a JSON text, decoded: JSON escapes (\u001b) would hide control characters from CONTROL. */
function decodedStrings(json: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") out.push(value);
    else if (value && typeof value === "object") for (const [key, inner] of Object.entries(value)) (out.push(key), walk(inner));
  };
  walk(JSON.parse(json));
  return out;
}

let served: Served;
let logsBefore = 0;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  served = await serveDriftback({ scanToken: SCAN_TOKEN, secret: SECRET, maxBodyBytes: LIMIT });
});

afterAll(async () => {
  await served?.close();
  nock.enableNetConnect();
});

describe("bad input over HTTP", () => {
  it("has at least 12 rows", () => expect(rows.length).toBeGreaterThanOrEqual(12));

  it.each(rows)("$name: answers $status, names the culprit, and leaks nothing", async (row) => {
    logsBefore = served.logs().length;
    let status: number;
    let answer: string;
    if ("raw" in row.send) {
      const raw = await rawRequest(served.port, row.send.raw);
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      answer = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    } else {
      const response = await request(served.port, row.send);
      status = response.status;
      answer = response.body;
    }
    expect(status).toBe(row.status);
    if (row.culprit) expect(JSON.parse(answer).error).toMatch(row.culprit);
    await served.driftback.idle();
    const logged = served.logs().slice(logsBefore);
    expect(logged.length, "the row was logged").toBeGreaterThan(0);
    for (const text of [answer, logged]) {
      expect(text).not.toMatch(STACK_TRACE);
      expect(text).not.toMatch(CONTROL);
      for (const canary of CANARIES) expect(text).not.toContain(canary);
    }
    const jsonTexts = [...(answer.trim() ? [answer] : []), ...logged.split("\n").filter((line) => line.trim())];
    for (const value of jsonTexts.flatMap(decodedStrings)) expect(value).not.toMatch(DECODED_CONTROL);
    expect(served.received, "no bad input reaches the app").toEqual([]);
  });
});
