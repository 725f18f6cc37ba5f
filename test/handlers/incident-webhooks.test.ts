import { createHmac, randomUUID } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API } from "../support/github-api.js";
import { request } from "./http-client.js";
import { serveDriftback, type Served } from "./serve-driftback.js";

// canaries: none of them may ever reach the log
const PD_SECRET = "pd-secret-CANARY-a1b2";
const PD_NEXT = "pd-next-CANARY-c3d4";
const JIRA_SECRET = "jira-secret-CANARY-e5f6";
const JIRA_NEXT = "jira-next-CANARY-0a9b";
const IO_SECRET = `whsec_${Buffer.from("incident-io-key-CANARY-32-bytes!").toString("base64")}`;
const IO_NEXT = `whsec_${Buffer.from("incident-io-next-CANARY-32bytes!").toString("base64")}`;
const WRONG = "wrong-secret-CANARY-7777";
const WRONG_IO = `whsec_${Buffer.from(`${WRONG}-padding-to-32b`).toString("base64")}`;
const BODY_MARK = "BODY-CANARY-5e5e";
const CANARIES = [PD_SECRET, PD_NEXT, JIRA_SECRET, JIRA_NEXT, IO_SECRET, IO_NEXT, WRONG, BODY_MARK];

const hex = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("hex");
const ioKey = (secret: string) => Buffer.from(secret.slice("whsec_".length), "base64");

interface Delivery {
  body: string;
  headers: Record<string, string>;
}

/** Per tracker: a resolved event signed its way, with the delivery id, the time and the secrets chosen by the test. */
interface Tracker {
  source: "pagerduty" | "jira" | "incident_io";
  env: Record<string, string>;
  key: string;
  /** Signed with each of `secrets` (PagerDuty sends one signature per secret during a rotation; the others take the first). */
  deliver: (options: { secrets: string[]; id?: string; atMs?: number }) => Delivery;
  /** Older than the tracker retries: PagerDuty retries for 48 hours (issue 15 §6.1), the others are held to their own tolerance. */
  staleMs: number;
  /** The header that carries the delivery id; for PagerDuty and Jira it is not signed (issue 15 §4.4). */
  unsignedIdHeader?: string;
  rotated: string;
}

const trackers: Tracker[] = [
  {
    source: "pagerduty",
    env: { PAGERDUTY_WEBHOOK_SECRETS: `${PD_SECRET}, ${PD_NEXT}` },
    key: "PT4KHLK",
    rotated: PD_NEXT,
    staleMs: 49 * 3_600_000,
    unsignedIdHeader: "x-webhook-id",
    deliver: ({ secrets, id = randomUUID(), atMs = Date.now() }) => {
      const body = JSON.stringify({ event: { id: `evt-${id}`, event_type: "incident.resolved", occurred_at: new Date(atMs).toISOString(), data: { id: "PT4KHLK", type: "incident", title: BODY_MARK } } });
      return { body, headers: { "content-type": "application/json", "x-webhook-id": id, "x-pagerduty-signature": secrets.map((s) => `v1=${hex(s, body)}`).join(",") } };
    },
  },
  {
    source: "jira",
    env: { JIRA_WEBHOOK_SECRET: `${JIRA_SECRET},${JIRA_NEXT}` },
    key: "INC-7",
    rotated: JIRA_NEXT,
    staleMs: 2 * 3_600_000,
    unsignedIdHeader: "x-atlassian-webhook-identifier",
    deliver: ({ secrets, id = randomUUID(), atMs = Date.now() }) => {
      const body = JSON.stringify({
        webhookEvent: "jira:issue_updated",
        timestamp: atMs,
        issue: { key: "INC-7", fields: { summary: BODY_MARK, status: { statusCategory: { key: "done" } } } },
        changelog: { items: [{ field: "status" }] },
      });
      return { body, headers: { "content-type": "application/json", "x-atlassian-webhook-identifier": id, "x-hub-signature": `sha256=${hex(secrets[0]!, body)}` } };
    },
  },
  {
    source: "incident_io",
    env: { INCIDENT_IO_WEBHOOK_SECRET: `${IO_SECRET},${IO_NEXT}` },
    key: "INC-9",
    rotated: IO_NEXT,
    staleMs: 2 * 3_600_000,
    deliver: ({ secrets, id = `msg_${randomUUID()}`, atMs = Date.now() }) => {
      const type = "public_incident.incident_status_updated_v2";
      const body = JSON.stringify({ event_type: type, [type]: { incident: { id: "01FDAG4SAP5TYPT98WGR2N7W91", reference: "INC-9", name: BODY_MARK }, new_status: { category: "closed" } } });
      const timestamp = String(Math.floor(atMs / 1000));
      const signature = createHmac("sha256", ioKey(secrets[0]!)).update(`${id}.${timestamp}.${body}`).digest("base64");
      return { body, headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` } };
    },
  },
];
const ALL_ENV = Object.assign({}, ...trackers.map((t) => t.env)) as Record<string, string>;
const secretOf = (t: Tracker) => t.env[Object.keys(t.env)[0]!]!.split(",")[0]!.trim();

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

/** GitHub's app installations: none, so a reconcile finds no repository and stops there. */
function noInstallations(): nock.Scope {
  return nock(API).get("/app/installations").query(true).reply(200, []).persist();
}

const post = (source: string, delivery: Delivery) => request(served!.port, { path: `/driftback/incidents/${source}`, headers: delivery.headers, body: delivery.body });

describe.each(trackers)("POST /driftback/incidents/$source", (tracker) => {
  it("answers 202 with the event's kind and incident for a delivery signed with the configured secret", async () => {
    noInstallations();
    served = await serveDriftback({ env: tracker.env });
    const answer = await post(tracker.source, tracker.deliver({ secrets: [secretOf(tracker)] }));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ accepted: true, kind: "resolved", incident: tracker.key });
  });

  it("accepts a delivery signed with the new secret during a rotation (both secrets configured)", async () => {
    noInstallations();
    served = await serveDriftback({ env: tracker.env });
    expect((await post(tracker.source, tracker.deliver({ secrets: [tracker.rotated] }))).status).toBe(202);
  });

  it("refuses a delivery signed with a wrong secret with 401 and the reason", async () => {
    served = await serveDriftback({ env: tracker.env });
    const answer = await post(tracker.source, tracker.deliver({ secrets: [tracker.source === "incident_io" ? WRONG_IO : WRONG] }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error).toMatch(/was refused: .*matches none of the configured secrets/);
  });

  it("refuses a stale delivery (older than the tracker retries) with 401 saying it is stale", async () => {
    served = await serveDriftback({ env: tracker.env });
    const answer = await post(tracker.source, tracker.deliver({ secrets: [secretOf(tracker)], atMs: Date.now() - tracker.staleMs }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error).toMatch(/stale|webhook-timestamp/);
  });

  it.runIf(tracker.unsignedIdHeader !== undefined)("a captured body replayed 5 times with new unsigned delivery ids is acted on once (issue 15 §4.4)", async () => {
    noInstallations();
    served = await serveDriftback({ env: tracker.env });
    const delivery = tracker.deliver({ secrets: [secretOf(tracker)] });
    expect((await post(tracker.source, delivery)).status).toBe(202);
    for (let i = 0; i < 5; i++) {
      const replay = await post(tracker.source, { ...delivery, headers: { ...delivery.headers, [tracker.unsignedIdHeader!]: randomUUID() } });
      expect(replay.status).toBe(200);
      expect(JSON.parse(replay.body)).toEqual({ accepted: false, duplicate: true });
    }
    expect(served.logs().match(/incident webhook accepted/g)).toHaveLength(1);
  });

  it("answers a signed delivery it already received with 200 and acts on it once (a tracker retrying after a lost answer)", async () => {
    noInstallations();
    served = await serveDriftback({ env: tracker.env });
    const delivery = tracker.deliver({ secrets: [secretOf(tracker)] });
    expect((await post(tracker.source, delivery)).status).toBe(202);
    const replay = await post(tracker.source, delivery);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ accepted: false, duplicate: true });
    expect(served.logs().match(/incident webhook accepted/g)).toHaveLength(1);
    expect(served.logs()).toMatch(/a delivery already received, nothing to do again/);
  });

  it("answers 404 naming the environment variable when that tracker's webhook secret is not set", async () => {
    served = await serveDriftback({ env: Object.fromEntries(Object.entries(ALL_ENV).filter(([name]) => !(name in tracker.env))) });
    const answer = await post(tracker.source, tracker.deliver({ secrets: [secretOf(tracker)] }));
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error).toContain(`set ${Object.keys(tracker.env)[0]}`);
  });

  it("answers 400 for a body that is not JSON", async () => {
    served = await serveDriftback({ env: tracker.env });
    const answer = await post(tracker.source, { headers: { "content-type": "application/json" }, body: `{"truncated": "${BODY_MARK}"` });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/not a JSON object/);
  });
});

describe("incident webhook routes", () => {
  it("answers 404 for a tracker driftback has no webhook for, and 405 for a GET", async () => {
    served = await serveDriftback({ env: ALL_ENV });
    const unknown = await request(served.port, { path: "/driftback/incidents/opsgenie", body: "{}" });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error).toMatch(/no incident webhook "opsgenie"/);
    const get = await request(served.port, { method: "GET", path: "/driftback/incidents/jira" });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe("POST");
  });

  it.each([
    { name: "announced by Content-Length, refused before a byte is read", chunked: false, bytesRead: (n: number) => n === 0 },
    { name: "chunked, refused one chunk past the limit", chunked: true, bytesRead: (n: number) => n > 64 * 1024 && n < 2 * 1024 * 1024 },
  ])("answers 413 to an 8 MB body over a 64 KiB limit: $name", async ({ chunked, bytesRead }) => {
    served = await serveDriftback({ env: ALL_ENV, maxBodyBytes: 64 * 1024 });
    const answer = await request(served.port, { path: "/driftback/incidents/pagerduty", headers: { "content-type": "application/json" }, bigBody: { bytes: 8 * 1024 * 1024, chunked, fill: BODY_MARK } });
    expect(answer.status).toBe(413);
    const logged = JSON.parse(served.logs().split("\n").find((line) => line.includes("request body over the limit"))!);
    expect(logged.path).toBe("/driftback/incidents/pagerduty");
    expect(bytesRead(logged.bytesRead)).toBe(true);
    expect(await served.metrics()).toMatch(/^driftback_http_requests_rejected_total\{reason="body_too_large"\} 1$/m);
    expect(served.logs()).not.toContain(BODY_MARK);
  });

  it("answers 202 before the background reconcile has finished walking the installations", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let markAsked!: () => void;
    const asked = new Promise<void>((resolve) => (markAsked = resolve));
    nock(API)
      .get("/app/installations")
      .query(true)
      .reply(async () => {
        markAsked();
        await gate;
        return [200, []];
      });
    served = await serveDriftback({ env: ALL_ENV });
    const tracker = trackers[0]!;
    const answer = await post(tracker.source, tracker.deliver({ secrets: [secretOf(tracker)] }));
    // GitHub has not answered yet (the gate is closed), so the 202 did not wait for the reconcile
    expect(answer.status).toBe(202);
    await asked; // and the reconcile did start: it is waiting on GitHub
    expect(served.logs()).not.toMatch(/no repository reads incidents/);
    release();
    await served.driftback.idle();
    expect(served.logs()).toMatch(/no repository reads incidents from this source/);
  });

  it("writes no secret, signature or body to the log, for accepted and refused deliveries alike", async () => {
    noInstallations();
    served = await serveDriftback({ env: ALL_ENV });
    for (const tracker of trackers) {
      const good = tracker.deliver({ secrets: [secretOf(tracker)] });
      expect((await post(tracker.source, good)).status).toBe(202);
      expect((await post(tracker.source, good)).status).toBe(200); // the same delivery again: already received
      expect((await post(tracker.source, tracker.deliver({ secrets: [tracker.source === "incident_io" ? WRONG_IO : WRONG] }))).status).toBe(401);
    }
    await served.driftback.idle();
    const logs = served.logs();
    // the log did see these deliveries, so a leak would have shown
    expect(logs).toMatch(/incident webhook accepted/);
    expect(logs).toMatch(/incident webhook refused/);
    for (const canary of CANARIES) expect(logs, canary).not.toContain(canary);
    expect(logs).not.toMatch(/v1=[0-9a-f]{64}|sha256=[0-9a-f]{64}|v1,[A-Za-z0-9+/]{40}/);
    expect(logs).not.toMatch(/"headers"|"webhook-id"|"x-webhook-id"/i); // no header object at all
  });
});

describe("the operator's incident settings at start-up (issue 15 §3)", () => {
  it("a wrong PAGERDUTY_SERVICE_ALLOWLIST fails the start with a message naming the variable", async () => {
    await expect(serveDriftback({ env: { ...ALL_ENV, PAGERDUTY_SERVICE_ALLOWLIST: "acme" } })).rejects.toThrow(/PAGERDUTY_SERVICE_ALLOWLIST: entry 1 has no ":"/);
  });

  it("a JIRA_SITE that is a URL fails the start, naming JIRA_SITE", async () => {
    await expect(serveDriftback({ env: { JIRA_SITE: "https://acme.atlassian.net/" } })).rejects.toThrow(/JIRA_SITE: must be a host name/);
  });
});
