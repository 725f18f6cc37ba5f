import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/adapters/http/body-limit.js";
import { API } from "../support/github-api.js";
import { request, sign, webhookHeaders } from "./http-client.js";
import { serveDriftback, type Served } from "./serve-driftback.js";

const SCAN_TOKEN = "scan-token-CANARY-7f3a";
const WRONG_TOKEN = "wrong-token-CANARY-19bd";
const SECRET = "webhook-secret-CANARY-55e1";
const PAYLOAD_MARK = "PAYLOAD-CANARY-c4a2";
const SIGNATURE_MARK = "SIGNATURE-CANARY-0e77";
const COOKIE_MARK = "COOKIE-CANARY-8d21";
const REQUEST_ID_MARK = "REQUEST-ID-CANARY-2b90";
const CANARIES = [SCAN_TOKEN, WRONG_TOKEN, SECRET, PAYLOAD_MARK, SIGNATURE_MARK, COOKIE_MARK, REQUEST_ID_MARK];

let served: Served | undefined;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});

afterEach(async () => {
  await served?.close();
  served = undefined;
  nock.cleanAll();
  nock.enableNetConnect();
});

const ping = (mark: string) => JSON.stringify({ zen: mark, hook_id: 1 });

describe("the request log keeps secrets out (defect 1)", () => {
  it.each(["json", "pretty"] as const)("writes no bearer token, signature, cookie, request id, webhook secret or payload to the %s log", async (format) => {
    served = await serveDriftback({ scanToken: SCAN_TOKEN, secret: SECRET, format });
    const { port } = served;
    const scan = (authorization: string, extra: Record<string, string> = {}) => request(port, { path: "/driftback/scan", headers: { authorization, ...extra } });

    expect((await scan(`Bearer ${SCAN_TOKEN}`, { cookie: `session=${COOKIE_MARK}`, "x-request-id": REQUEST_ID_MARK })).status).toBe(202);
    expect((await scan(`Bearer ${WRONG_TOKEN}`)).status).toBe(401);
    expect((await scan(`Basic ${Buffer.from(`x:${SCAN_TOKEN}`).toString("base64")}`)).status).toBe(401);
    expect((await scan(`Bearer ${SCAN_TOKEN}x`)).status).toBe(401);
    const badSignature = await request(port, { path: "/api/github/webhooks", headers: webhookHeaders("ping", `sha256=${SIGNATURE_MARK}`), body: ping(PAYLOAD_MARK) });
    expect(badSignature.status).toBe(400);
    const good = ping(PAYLOAD_MARK);
    expect((await request(port, { path: "/api/github/webhooks", headers: webhookHeaders("ping", sign(SECRET, good)), body: good })).status).toBe(200);
    const notJson = `{"zen": "${PAYLOAD_MARK}"`;
    expect((await request(port, { path: "/api/github/webhooks", headers: webhookHeaders("ping", sign(SECRET, notJson)), body: notJson })).status).toBe(400);
    await served.driftback.idle(); // the scan request's discovery fails here (no GitHub): its error is logged too

    const logs = served.logs();
    // the log did capture these requests, so a leak would have shown
    expect(logs).toMatch(/POST \/driftback\/scan 401/);
    expect(logs).toMatch(/signature does not match/);
    expect(logs).toMatch(/discovering the installations failed/);
    for (const canary of CANARIES) expect(logs, canary).not.toContain(canary);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // the App's JWT
    expect(logs).not.toMatch(/authorization|x-hub-signature|cookie/i);
    expect(served.received.map((e) => e.name)).toEqual(["ping"]); // only the correctly signed delivery got through
  });
});

describe("webhook bodies are capped at 25 MB (defect 2)", () => {
  const bigWebhook = (bytes: number, extra: { chunked?: boolean; expect?: boolean } = {}) => ({
    path: "/api/github/webhooks",
    headers: { ...webhookHeaders("push", `sha256=${"0".repeat(64)}`), ...(extra.expect ? { expect: "100-continue" } : {}) },
    bigBody: { bytes, chunked: extra.chunked, fill: PAYLOAD_MARK },
  });
  const rejection = (logs: string) => JSON.parse(logs.split("\n").find((line) => line.includes("request body over the limit"))!);

  it("answers 413 to a 30 MB body announced by Content-Length before reading any of it", async () => {
    served = await serveDriftback({ secret: SECRET });
    const answer = await request(served.port, bigWebhook(30 * 1024 * 1024));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatch(/over the 25 MB limit/);
    expect(answer.headers.connection).toBe("close");
    const logged = rejection(served.logs());
    expect(logged).toMatchObject({ bytesRead: 0, declaredBytes: 30 * 1024 * 1024, limitBytes: MAX_BODY_BYTES, path: "/api/github/webhooks" });
    expect(await served.metrics()).toMatch(/^driftback_http_requests_rejected_total\{reason="body_too_large"\} 1$/m);
    expect(served.logs()).not.toContain(PAYLOAD_MARK);
    expect(served.received).toEqual([]);
  });

  it("stops reading a 30 MB chunked body once it passes the limit, and answers 413", async () => {
    served = await serveDriftback({ secret: SECRET });
    const answer = await request(served.port, bigWebhook(30 * 1024 * 1024, { chunked: true }));
    expect(answer.status).toBe(413);
    const logged = rejection(served.logs());
    expect(logged.declaredBytes).toBeUndefined();
    expect(logged.bytesRead).toBeGreaterThan(MAX_BODY_BYTES);
    expect(logged.bytesRead).toBeLessThan(MAX_BODY_BYTES + 1024 * 1024); // one chunk past the limit, not the whole 30 MB
    expect(served.logs()).not.toContain(PAYLOAD_MARK);
    expect(served.received).toEqual([]);
  });

  it("refuses an announced oversize body before the client sends it when the client asks with Expect: 100-continue", async () => {
    served = await serveDriftback({ secret: SECRET });
    const answer = await request(served.port, bigWebhook(30 * 1024 * 1024, { expect: true }));
    expect(answer.status).toBe(413);
    expect(answer.continued).toBe(false);
    expect(answer.bytesSent).toBe(0);
    expect(rejection(served.logs())).toMatchObject({ bytesRead: 0 });
  });

  it.each([
    { name: "a body exactly at the limit is read and reaches signature checking", bytes: 64 * 1024, status: 400 },
    { name: "a body one byte over the limit is refused", bytes: 64 * 1024 + 1, status: 413 },
  ])("with a 64 KiB limit, $name", async ({ bytes, status }) => {
    served = await serveDriftback({ secret: SECRET, maxBodyBytes: 64 * 1024 });
    for (const chunked of [false, true]) expect((await request(served.port, bigWebhook(bytes, { chunked }))).status).toBe(status);
  });

  it("still delivers a small webhook with a correct signature to the app", async () => {
    served = await serveDriftback({ secret: SECRET });
    const body = ping("Keep it logically awesome.");
    const answer = await request(served.port, { path: "/api/github/webhooks", headers: webhookHeaders("ping", sign(SECRET, body)), body });
    expect(answer.status).toBe(200);
    expect(served.received).toEqual([{ id: "72d3162e-cc78-11e3-81ab-4c9367dc0958", name: "ping", payload: { zen: "Keep it logically awesome.", hook_id: 1 } }]);
  });
});

describe("POST /driftback/scan answers at once (defect 6)", () => {
  /** /app/installations held until `release` is called: discovery cannot finish before the test says so. */
  function holdInstallations(status: number, body: object) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    nock(API)
      .get("/app/installations")
      .query(true)
      .reply(async () => {
        calls++;
        await held;
        return [status, body];
      })
      .persist();
    return { release, calls: () => calls };
  }
  const scan = (port: number, query = "") => request(port, { path: `/driftback/scan${query}`, headers: { authorization: `Bearer ${SCAN_TOKEN}` } });

  it("answers 202 while discovery is still waiting on GitHub, then logs and counts the failure", async () => {
    served = await serveDriftback({ scanToken: SCAN_TOKEN });
    const github = holdInstallations(502, { message: "Bad Gateway" });
    const answer = await scan(served.port);
    expect(answer.status).toBe(202);
    const queued = JSON.parse(answer.body);
    expect(queued).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), queued: "all installations" });
    expect(await served.metrics()).toMatch(/^driftback_scan_discovery_failures_total 0$/m);

    github.release();
    await served.driftback.idle();
    expect(await served.metrics()).toMatch(/^driftback_scan_discovery_failures_total 1$/m);
    const failure = served.logs().split("\n").filter((line) => line.includes("discovering the installations failed"));
    expect(failure).toHaveLength(1);
    expect(JSON.parse(failure[0]!)).toMatchObject({ level: 50, requestId: queued.id, err: { status: 502 } });
    expect(served.logs()).not.toContain(SCAN_TOKEN);
    expect(served.logs()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it("reports an unreachable GitHub the same way", async () => {
    served = await serveDriftback({ scanToken: SCAN_TOKEN });
    expect((await scan(served.port)).status).toBe(202);
    await served.driftback.idle();
    expect(await served.metrics()).toMatch(/^driftback_scan_discovery_failures_total 1$/m);
    expect(served.logs()).toMatch(/"msg":"scan request: discovering the installations failed, nothing was scanned"/);
  });

  it("joins a repeated request to the discovery still running: same id, one walk of the installations", async () => {
    served = await serveDriftback({ scanToken: SCAN_TOKEN });
    const github = holdInstallations(200, []);
    const first = JSON.parse((await scan(served.port)).body);
    const second = JSON.parse((await scan(served.port)).body);
    const other = JSON.parse((await scan(served.port, "?repo=acme/infra")).body);
    expect(second.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    github.release();
    await served.driftback.idle();
    expect(github.calls()).toBe(2); // one for all installations, one for acme/infra
    expect(JSON.parse((await scan(served.port)).body).id).not.toBe(first.id); // finished: a new request walks again
  });

  it("answers 202 for a repository that is not installed, then warns and counts it", async () => {
    served = await serveDriftback({ scanToken: SCAN_TOKEN });
    const github = holdInstallations(200, []);
    const answer = await scan(served.port, "?repo=acme/nowhere");
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ queued: ["acme/nowhere"] });
    github.release();
    await served.driftback.idle();
    expect(await served.metrics()).toMatch(/^driftback_scan_requests_unmatched_total 1$/m);
    const warning = served.logs().split("\n").find((line) => line.includes("is not installed"));
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, repo: "acme/nowhere" });
  });
});
