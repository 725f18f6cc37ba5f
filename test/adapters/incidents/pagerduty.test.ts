import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PagerDutyIncidentSource } from "../../../src/adapters/incidents/pagerduty.js";
import { RecentDeliveries } from "../../../src/adapters/incidents/webhook.js";
import { PagerDutyMock, pdEvent, pdIncident, signPagerDuty } from "../../support/incident-apis.js";

const TOKEN = "u+pdTOKEN0123456789abc";
const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };
const NOW = new Date("2026-11-01T04:00:00Z");

let api: PagerDutyMock;
beforeEach(() => {
  nock.disableNetConnect();
  api = new PagerDutyMock();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const source = (options: Partial<ConstructorParameters<typeof PagerDutyIncidentSource>[0]> = {}) =>
  new PagerDutyIncidentSource({ token: TOKEN, serviceIds: ["PF9KMXH", "PQ2ZZZZ"], fromEmail: "driftback@acme.example", webhookSecrets: ["new-secret"], ...options });

describe("listing incidents", () => {
  it("reads every page of both listings (created near the window, and still open) and keeps those open during the window", async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => pdIncident({ id: `PA${i}`, created_at: "2026-10-31T20:00:00Z", resolved_at: "2026-10-31T21:00:00Z", last_status_change_at: "2026-10-31T21:00:00Z" }));
    page1[7] = pdIncident({ id: "PINWINDOW" });
    api.listIncidents({ incidents: page1, more: true });
    api.listIncidents({ incidents: [pdIncident({ id: "PLATE", created_at: "2026-11-01T07:00:00Z" })], more: false, offset: 100 });
    api.listIncidents({ incidents: [pdIncident({ id: "POLDOPEN", status: "acknowledged", created_at: "2026-09-01T00:00:00Z", resolved_at: null })], more: false });

    const incidents = await source().listIncidents(WINDOW);

    expect(incidents.map((i) => i.key)).toEqual(["POLDOPEN", "PINWINDOW"]);
    const [first, second, third] = api.sent("GET", "/incidents");
    expect(first!.query.get("since")).toBe("2026-10-25T00:00:00.000Z"); // a week of look-back: PagerDuty selects by creation time
    expect(first!.query.get("until")).toBe("2026-11-01T06:00:00.000Z");
    expect(first!.query.getAll("service_ids[]")).toEqual(["PF9KMXH", "PQ2ZZZZ"]);
    expect([first!.query.get("offset"), second!.query.get("offset")]).toEqual(["0", "100"]);
    expect(first!.query.get("limit")).toBe("100");
    expect(first!.query.get("time_zone")).toBe("UTC");
    expect(third!.query.get("date_range")).toBe("all");
    expect(third!.query.getAll("statuses[]")).toEqual(["triggered", "acknowledged"]);
    expect(first!.headers.authorization).toBe(`Token token=${TOKEN}`);
    expect(first!.headers.accept).toBe("application/vnd.pagerduty+json;version=2");
  });

  it("maps PagerDuty's incident to the neutral shape", async () => {
    api.listIncidents({ incidents: [pdIncident({ description: "Opened sg-0abc on 443 to fix checkout" })], more: false });
    api.listIncidents({ incidents: [], more: false });
    const [incident] = await source().listIncidents(WINDOW);
    expect(incident).toEqual({
      key: "PT4KHLK",
      title: "Checkout down: security group sg-0abc opened to the world",
      url: "https://acme.pagerduty.com/incidents/PT4KHLK",
      status: "resolved",
      openedAt: "2026-11-01T02:10:00.000Z",
      resolvedAt: "2026-11-01T03:40:00.000Z",
      text: "Checkout down: security group sg-0abc opened to the world\n\nOpened sg-0abc on 443 to fix checkout",
      service: "shop",
      source: "pagerduty",
    });
  });

  it("an incident in both listings is listed once, with its newer state", async () => {
    api.listIncidents({ incidents: [pdIncident({ status: "triggered", resolved_at: null })], more: false });
    api.listIncidents({ incidents: [pdIncident({ status: "acknowledged", resolved_at: null })], more: false });
    const incidents = await source().listIncidents(WINDOW);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: "open", resolvedAt: null });
  });

  it("asks a window longer than PagerDuty's 6 months in consecutive ranges of at most 180 days (issue 15 §6.3)", async () => {
    const long = { since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-11-01T00:00:00Z") };
    for (let i = 0; i < 3; i++) api.listIncidents({ incidents: [], more: false });
    api.listIncidents({ incidents: [], more: false }); // the still-open listing
    await source().listIncidents(long);
    const asked = api.sent("GET", "/incidents").filter((r) => r.query.get("since") !== null);
    expect(asked.map((r) => [r.query.get("since"), r.query.get("until")])).toEqual([
      ["2025-12-25T00:00:00.000Z", "2026-06-23T00:00:00.000Z"],
      ["2026-06-23T00:00:00.000Z", "2026-11-01T00:00:00.000Z"],
    ]);
    for (const r of asked) expect(Date.parse(r.query.get("until")!) - Date.parse(r.query.get("since")!)).toBeLessThanOrEqual(180 * 86_400_000);
  });

  it("refuses to page past PagerDuty's 10,000-record limit and says how to narrow it", async () => {
    for (let offset = 0; offset < 10_000; offset += 100) api.listIncidents({ incidents: [pdIncident({ id: `P${offset}` })], more: true, offset });
    await expect(source().listIncidents(WINDOW)).rejects.toMatchObject({ kind: "rejected", reason: expect.stringContaining("narrow incidents.pagerduty.service_ids") });
  });
});

describe("one incident", () => {
  it("reads the incident, its alerts' details (its body) and notes; driftback's own notes are not evidence", async () => {
    api.getIncident("PT4KHLK", pdIncident());
    api.listAlerts("PT4KHLK", ["rolled back by hand", { sg: "sg-0abc" }]);
    api.listNotes("PT4KHLK", ["Widened sg-0abc to 0.0.0.0/0", "Backport PRs: #12 open\n\n[driftback:follow-up:opened]"]);
    const incident = await source().getIncident("https://acme.pagerduty.com/incidents/PT4KHLK");
    expect(incident?.text).toContain("rolled back by hand");
    expect(incident?.text).toContain('{"sg":"sg-0abc"}');
    expect(incident?.text).toContain("Widened sg-0abc to 0.0.0.0/0");
    expect(incident?.text).not.toContain("Backport PRs");
    // issue 15 §6.6: include[] names related objects only; the body is read from the alerts
    expect(api.sent("GET", "/incidents/PT4KHLK")[0]!.query.getAll("include[]")).toEqual([]);
    expect(api.sent("GET", "/incidents/PT4KHLK/alerts")[0]!.query.get("limit")).toBe("25");
  });

  it("an incident whose html_url is null (nullable in PagerDuty's schema) is read, not 'a malformed answer'", async () => {
    api.getIncident("PT4KHLK", pdIncident({ html_url: null }));
    api.listAlerts("PT4KHLK", []);
    api.listNotes("PT4KHLK", []);
    expect((await source().getIncident("PT4KHLK"))?.url).toBe("https://app.pagerduty.com/incidents/PT4KHLK");
  });

  it("an unknown incident is undefined, not an error", async () => {
    api.getIncident("PNOPE", { status: 404, body: { error: { message: "Incident Not Found", code: 5001 } } });
    expect(await source().getIncident("PNOPE")).toBeUndefined();
  });

  it("a key that is not an id or a PagerDuty URL is refused before any request", async () => {
    await expect(source().getIncident("../users/PX")).rejects.toMatchObject({ kind: "rejected" });
    expect(api.requests).toHaveLength(0);
  });
});

describe("the follow-up note (append-only)", () => {
  const followUp = { marker: "driftback:follow-up:opened", body: "Backport pull requests:\n- [ ] [acme/infra#12](https://github.com/acme/infra/pull/12) open", mode: "append" as const };

  it("adds one plain-text note, written as the configured user, ending with its marker", async () => {
    api.getIncident("PT4KHLK", pdIncident());
    api.listNotes("PT4KHLK", ["Widened sg-0abc"]);
    api.createNote("PT4KHLK");
    expect(await source().upsertFollowUp("PT4KHLK", followUp)).toEqual({ written: true, outcome: "created" });
    const [post] = api.sent("POST", "/incidents/PT4KHLK/notes");
    expect(post!.headers.from).toBe("driftback@acme.example");
    expect(post!.body).toEqual({ note: { content: "Backport pull requests:\n- [ ] acme/infra#12 (https://github.com/acme/infra/pull/12) open\n\n[driftback:follow-up:opened]" } });
  });

  it("writes nothing when a note with that marker is already there (a rescan never floods the incident)", async () => {
    api.getIncident("PT4KHLK", pdIncident());
    api.listNotes("PT4KHLK", ["older words\n\n[driftback:follow-up:opened]"]);
    expect(await source().upsertFollowUp("PT4KHLK", followUp)).toEqual({ written: false, outcome: "unchanged" });
    expect(api.sent("POST", "/incidents/PT4KHLK/notes")).toHaveLength(0);
  });

  it("sealed: a note a responder typed with the bare marker does not stop driftback's own note, which carries the seal", async () => {
    const seals = ["c2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtMQ"];
    api.getIncident("PT4KHLK", pdIncident());
    api.listNotes("PT4KHLK", ["nothing to see\n\n[driftback:follow-up:opened]"]);
    api.createNote("PT4KHLK");
    expect(await source().upsertFollowUp("PT4KHLK", { ...followUp, seals })).toEqual({ written: true, outcome: "created" });
    expect(api.sent("POST", "/incidents/PT4KHLK/notes")[0]!.body.note.content).toMatch(/\[driftback:follow-up:opened seal:c2VhbC1vbmUt[A-Za-z0-9_-]+\]$/);
  });

  it("sealed: its own sealed note is found again, so a rescan adds none", async () => {
    const seals = ["c2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtc2VhbC1vbmUtMQ"];
    api.getIncident("PT4KHLK", pdIncident());
    api.listNotes("PT4KHLK", [`older words\n\n[driftback:follow-up:opened seal:${seals[0]}]`]);
    expect(await source().upsertFollowUp("PT4KHLK", { ...followUp, seals })).toEqual({ written: false, outcome: "unchanged" });
    expect(api.sent("POST", "/incidents/PT4KHLK/notes")).toHaveLength(0);
  });

  it("asked to edit, says notes cannot be edited instead of adding a second one", async () => {
    api.getIncident("PT4KHLK", pdIncident());
    api.listNotes("PT4KHLK", ["older words\n\n[driftback:follow-up:opened]"]);
    const result = await source().upsertFollowUp("PT4KHLK", { ...followUp, mode: "edit" });
    expect(result).toMatchObject({ written: false, outcome: "unchanged", reason: expect.stringContaining("cannot be edited") });
  });

  it("without incidents.pagerduty.from, writes nothing and says which setting is missing", async () => {
    const result = await source({ fromEmail: undefined }).upsertFollowUp("PT4KHLK", followUp);
    expect(result).toEqual({ written: false, outcome: "unsupported", reason: expect.stringContaining("set incidents.pagerduty.from") });
    expect(api.requests).toHaveLength(0);
  });

  it("a marker outside driftback's alphabet is refused", async () => {
    await expect(source().upsertFollowUp("PT4KHLK", { ...followUp, marker: "driftback:x -->" })).rejects.toMatchObject({ kind: "rejected" });
  });
});

describe("webhook v3 signatures", () => {
  const body = pdEvent("incident.resolved", "2026-11-01T03:59:00Z");
  const headers = (signature: string | undefined, id = "delivery-1") => ({ ...(signature === undefined ? {} : { "x-pagerduty-signature": signature }), "x-webhook-id": id, "content-type": "application/json" });

  const cases: [string, { secrets?: string[]; signature: string | undefined; body?: string; now?: Date }, RegExp | { key: string | null; kind: string }][] = [
    ["a valid signature", { signature: signPagerDuty(body, "new-secret") }, { key: "PT4KHLK", kind: "resolved" }],
    ["during a rotation: signed with the old and the new secret, only the old one configured", { secrets: ["old-secret"], signature: signPagerDuty(body, "new-secret", "old-secret") }, { key: "PT4KHLK", kind: "resolved" }],
    ["during a rotation: signed with the new secret, both configured", { secrets: ["old-secret", "new-secret"], signature: signPagerDuty(body, "new-secret") }, { key: "PT4KHLK", kind: "resolved" }],
    ["a wrong secret", { signature: signPagerDuty(body, "guessed") }, /matches none of the configured secrets/],
    ["a body changed after signing", { signature: signPagerDuty(body, "new-secret"), body: body.replace("PT4KHLK", "PEVIL00") }, /matches none of the configured secrets/],
    ["no signature header", { signature: undefined }, /X-PagerDuty-Signature header is missing/],
    ["a signature that is not v1 hex", { signature: "v0=abc,v1=zz" }, /holds no v1 signature/],
    // issue 15 §6.1: PagerDuty retries for 48 hours; a 401 would end its retries and, repeated, disable the subscription
    ["a delivery retried 47 hours later", { signature: signPagerDuty(body, "new-secret"), now: new Date("2026-11-03T02:59:00Z") }, { key: "PT4KHLK", kind: "resolved" }],
    ["a stale event (older than PagerDuty's 48 hours of retries)", { signature: signPagerDuty(body, "new-secret"), now: new Date("2026-11-03T04:30:00Z") }, /stale: its event time is 2911 min old \(at most 2880 min accepted\)/],
    ["an event from the future", { signature: signPagerDuty(body, "new-secret"), now: new Date("2026-11-01T03:40:00Z") }, /19 min in the future/],
    ["no secret configured", { secrets: [], signature: signPagerDuty(body, "new-secret") }, /no PagerDuty webhook secret is configured \(PAGERDUTY_WEBHOOK_SECRETS\)/],
  ];

  it.each(cases)("%s", (_name, { secrets, signature, body: sent, now }, expected) => {
    const verdict = source(secrets ? { webhookSecrets: secrets } : {}).verifyWebhook(headers(signature), sent ?? body, now ?? NOW);
    if (expected instanceof RegExp) expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(expected) });
    else expect(verdict).toEqual({ ok: true, event: { ...expected, deliveryId: "01DEN6ALFLQQXQQ9XQ2LAJ7ZU1" } });
  });

  it("a replayed body is refused by its signed event.id, whatever X-Webhook-Id it is sent with (issue 15 §4.4)", () => {
    const pd = source();
    expect(pd.verifyWebhook(headers(signPagerDuty(body, "new-secret"), "d-42"), body, NOW).ok).toBe(true);
    for (const id of ["d-43", "d-44", "anything"]) {
      expect(pd.verifyWebhook(headers(signPagerDuty(body, "new-secret"), id), body, NOW)).toEqual({ ok: false, reason: "delivery 01DEN6ALFLQQXQQ9XQ2LAJ7ZU1 was already received (a replay or a retry)", duplicate: true });
    }
    const other = pdEvent("incident.resolved", "2026-11-01T03:59:00Z", undefined, "01DEN6ALFLQQXQQ9XQ2LAJ7ZU2");
    expect(pd.verifyWebhook(headers(signPagerDuty(other, "new-secret"), "d-42"), other, NOW).ok).toBe(true);
  });

  it("a signed body without event.id is refused (there is nothing signed to recognise a replay by)", () => {
    const sent = JSON.stringify({ event: { event_type: "incident.resolved", occurred_at: "2026-11-01T03:59:00Z", data: { id: "PT4KHLK", type: "incident" } } });
    expect(source().verifyWebhook(headers(signPagerDuty(sent, "new-secret")), sent, NOW)).toEqual({ ok: false, reason: "the delivery's signed body has no event.id" });
  });

  it("a delivery with a bad signature is not remembered: the genuine one after it still passes", () => {
    const recent = new RecentDeliveries();
    const pd = source({ recentDeliveries: recent });
    expect(pd.verifyWebhook(headers(signPagerDuty(body, "guessed"), "d-7"), body, NOW).ok).toBe(false);
    expect(pd.verifyWebhook(headers(signPagerDuty(body, "new-secret"), "d-7"), body, NOW).ok).toBe(true);
  });

  const kinds: [string, string, Record<string, unknown>, { key: string | null; kind: string }][] = [
    ["incident.triggered", "incident.triggered", { id: "PT4KHLK", type: "incident" }, { key: "PT4KHLK", kind: "opened" }],
    ["incident.reopened", "incident.reopened", { id: "PT4KHLK", type: "incident" }, { key: "PT4KHLK", kind: "opened" }],
    ["incident.acknowledged", "incident.acknowledged", { id: "PT4KHLK", type: "incident" }, { key: "PT4KHLK", kind: "updated" }],
    ["incident.annotated names the incident through data.incident", "incident.annotated", { id: "P2LA89X", type: "incident_note", incident: { id: "PT4KHLK", type: "incident_reference" } }, { key: "PT4KHLK", kind: "updated" }],
    ["service.updated is about no incident", "service.updated", { id: "PF9KMXH", type: "service" }, { key: null, kind: "other" }],
  ];
  it.each(kinds)("%s", (_name, eventType, data, expected) => {
    const sent = pdEvent(eventType, "2026-11-01T03:59:00Z", data);
    expect(source().verifyWebhook(headers(signPagerDuty(sent, "new-secret")), Buffer.from(sent), NOW)).toEqual({ ok: true, event: { ...expected, deliveryId: "01DEN6ALFLQQXQQ9XQ2LAJ7ZU1" } });
  });
});
