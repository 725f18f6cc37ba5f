import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IncidentIoIncidentSource } from "../../../src/adapters/incidents/incident-io.js";
import { IncidentIoMock, ioIncident, signSvix } from "../../support/incident-apis.js";

const KEY = "inc_io_key_0123456789abcdef";
const SECRET = `whsec_${Buffer.from("incident-io-signing-key-32-bytes").toString("base64")}`;
const NEXT_SECRET = `whsec_${Buffer.from("the-next-signing-key-of-32-bytes").toString("base64")}`;
const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-01T06:00:00Z") };
const NOW = new Date("2026-11-01T04:00:00Z");
const NOW_SECONDS = String(NOW.getTime() / 1000);

let api: IncidentIoMock;
beforeEach(() => {
  nock.disableNetConnect();
  api = new IncidentIoMock();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const source = (options: Partial<ConstructorParameters<typeof IncidentIoIncidentSource>[0]> = {}) => new IncidentIoIncidentSource({ apiKey: KEY, webhookSecrets: [SECRET], ...options });

describe("listing incidents", () => {
  it("follows pagination_meta.after through every page of the four listings (touched in the window, live, triage, paused)", async () => {
    api.listIncidents({ incidents: [ioIncident({ id: "01A", reference: "INC-1" })], after: "01A" });
    api.listIncidents({ incidents: [ioIncident({ id: "01B", reference: "INC-2" })] });
    api.listIncidents({ incidents: [ioIncident({ id: "01C", reference: "INC-3", created_at: "2026-10-20T10:00:00Z", incident_status: { category: "live", name: "Fixing" }, incident_timestamp_values: [] })] });
    api.listIncidents({ incidents: [] });
    api.listIncidents({ incidents: [ioIncident({ id: "01D", reference: "INC-4", created_at: "2026-10-01T10:00:00Z", incident_status: { category: "paused", name: "Paused" }, incident_timestamp_values: [] })] });

    const incidents = await source({ pageSize: 1 }).listIncidents(WINDOW);

    // issue 15 §6.2: a paused incident is open
    expect(incidents.map((i) => [i.key, i.status])).toEqual([["INC-4", "open"], ["INC-3", "open"], ["INC-1", "resolved"], ["INC-2", "resolved"]]);
    const [first, second, live, triage, paused] = api.sent("GET", "/v2/incidents");
    expect(paused!.query.get("status_category[one_of]")).toBe("paused");
    expect(Object.fromEntries(first!.query)).toEqual({ page_size: "1", "created_at[lte]": "2026-11-02", "updated_at[gte]": "2026-10-31" });
    expect(second!.query.get("after")).toBe("01A");
    expect(live!.query.get("status_category[one_of]")).toBe("live");
    expect(triage!.query.get("status_category[one_of]")).toBe("triage");
    expect(first!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("maps an incident: the reference is the key, 'Resolved at' the end, the service custom field the service", async () => {
    api.listIncidents({ incidents: [ioIncident()] });
    api.listIncidents({ incidents: [] });
    api.listIncidents({ incidents: [] });
    api.listIncidents({ incidents: [] });
    const [incident] = await source().listIncidents(WINDOW);
    expect(incident).toEqual({
      key: "INC-123",
      title: "Elevated API latency",
      url: "https://app.incident.io/acme/incidents/123",
      status: "resolved",
      openedAt: "2026-11-01T02:10:00.000Z",
      resolvedAt: "2026-11-01T03:40:00.000Z",
      text: "Elevated API latency\n\nSomebody raised the RDS instance class of aws_db_instance.main by hand",
      service: "shop",
      source: "incident_io",
    });
  });

  const excluded: [string, Record<string, unknown>][] = [
    ["declined", { incident_status: { category: "declined", name: "Declined" } }],
    ["merged into another", { incident_status: { category: "merged", name: "Merged" } }],
    ["canceled", { incident_status: { category: "canceled", name: "Canceled" } }],
    ["a test incident", { mode: "test" }],
    ["a tutorial", { mode: "tutorial" }],
  ];
  it.each(excluded)("an incident that is %s is not an incident", async (_name, overrides) => {
    api.listIncidents({ incidents: [ioIncident(overrides)] });
    api.listIncidents({ incidents: [] });
    api.listIncidents({ incidents: [] });
    api.listIncidents({ incidents: [] });
    expect(await source().listIncidents(WINDOW)).toEqual([]);
  });
});

describe("one incident", () => {
  it("INC-123 is fetched by its number, with every page of its updates as timeline", async () => {
    api.getIncident("123", ioIncident());
    api.listUpdates({ messages: ["Scaled db.r6g.large to db.r6g.2xlarge"], after: "01U0" });
    api.listUpdates({ messages: ["Monitoring"] });
    const incident = await source().getIncident("INC-123");
    expect(incident?.text).toContain("Scaled db.r6g.large to db.r6g.2xlarge");
    expect(incident?.text).toContain("Monitoring");
    const updates = api.sent("GET", "/v2/incident_updates");
    expect(updates.map((r) => [r.query.get("incident_id"), r.query.get("after")])).toEqual([
      ["01FDAG4SAP5TYPT98WGR2N7W91", null],
      ["01FDAG4SAP5TYPT98WGR2N7W91", "01U0"],
    ]);
  });

  it("an id or a dashboard URL works too", async () => {
    api.getIncident("01FDAG4SAP5TYPT98WGR2N7W91", ioIncident());
    api.listUpdates({ messages: [] });
    expect(await source().getIncident("https://app.incident.io/acme/incidents/01FDAG4SAP5TYPT98WGR2N7W91")).toMatchObject({ key: "INC-123" });
  });

  it("an unknown incident is undefined", async () => {
    api.getIncident("999", { status: 404, body: { type: "not_found", status: 404, errors: [{ code: "not_found", message: "Not found" }] } });
    expect(await source().getIncident("INC-999")).toBeUndefined();
  });
});

describe("the follow-up: the pull requests as attachments (issue 15 §6.5)", () => {
  const followUp = { marker: "driftback:follow-up:v1", body: "- [ ] acme/infra#3", mode: "edit" as const, pullRequests: ["https://github.com/acme/infra/pull/3", "https://github.com/acme/infra/pull/4"] };

  it("attaches each pull request not attached yet, as documented: POST /v1/incident_attachments with resource_type github_pull_request", async () => {
    api.getIncident("123", ioIncident());
    api.listAttachments(["https://github.com/acme/infra/pull/3"]);
    api.createAttachment();
    expect(await source().upsertFollowUp("INC-123", followUp)).toEqual({ written: true, outcome: "created", url: "https://app.incident.io/acme/incidents/123" });
    const [list] = api.sent("GET", "/v1/incident_attachments");
    expect(Object.fromEntries(list!.query)).toEqual({ incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", resource_type: "github_pull_request" });
    const posts = api.sent("POST", "/v1/incident_attachments");
    expect(posts.map((p) => p.body)).toEqual([{ incident_id: "01FDAG4SAP5TYPT98WGR2N7W91", resource: { external_id: "https://github.com/acme/infra/pull/4", resource_type: "github_pull_request" } }]);
    expect(posts[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("writes nothing when every pull request is attached already (a rescan adds no duplicate)", async () => {
    api.getIncident("123", ioIncident());
    api.listAttachments(["https://github.com/acme/infra/pull/3", "https://github.com/acme/infra/pull/4"]);
    expect(await source().upsertFollowUp("INC-123", followUp)).toMatchObject({ written: false, outcome: "unchanged" });
    expect(api.sent("POST", "/v1/incident_attachments")).toHaveLength(0);
  });

  it("refuses anything but a pull request URL before any request", async () => {
    await expect(source().upsertFollowUp("INC-123", { ...followUp, pullRequests: ["https://evil.example.com/x"] })).rejects.toMatchObject({ kind: "rejected" });
    expect(api.requests).toHaveLength(0);
  });
});

describe("webhooks (Svix: webhook-id, webhook-timestamp, webhook-signature)", () => {
  const statusChanged = JSON.stringify({
    event_type: "public_incident.incident_status_updated_v2",
    "public_incident.incident_status_updated_v2": { incident: { id: "01FDAG4SAP5TYPT98WGR2N7W91", reference: "INC-123", name: "Elevated API latency" }, new_status: { category: "closed", name: "Closed" }, previous_status: { category: "live", name: "Fixing" } },
  });
  const headers = (signature: string | undefined, { id = "msg_2Lh9", timestamp = NOW_SECONDS, prefix = "webhook" } = {}) => ({
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: timestamp,
    ...(signature === undefined ? {} : { [`${prefix}-signature`]: signature }),
  });
  const sign = (body = statusChanged, secret = SECRET, id = "msg_2Lh9", timestamp = NOW_SECONDS) => signSvix(id, timestamp, body, secret);

  const cases: [string, () => [Record<string, string>, string, string[]?], RegExp | { key: string | null; kind: string }][] = [
    ["a valid delivery: the incident closing", () => [headers(sign()), statusChanged], { key: "INC-123", kind: "resolved" }],
    ["during a rotation: two signatures, the second one ours", () => [headers(`${sign(statusChanged, NEXT_SECRET)} ${sign()}`), statusChanged], { key: "INC-123", kind: "resolved" }],
    ["during a rotation: the new secret configured next to the old", () => [headers(sign(statusChanged, NEXT_SECRET)), statusChanged, [SECRET, NEXT_SECRET]], { key: "INC-123", kind: "resolved" }],
    ["Svix's own header names (svix-*)", () => [headers(sign(), { prefix: "svix" }), statusChanged], { key: "INC-123", kind: "resolved" }],
    ["a wrong secret", () => [headers(sign(statusChanged, NEXT_SECRET)), statusChanged], /matches none of the configured secrets/],
    ["a body changed after signing", () => [headers(sign()), statusChanged.replace("closed", "live")], /matches none/],
    ["a timestamp changed after signing", () => [headers(sign(), { timestamp: String(Number(NOW_SECONDS) - 1) }), statusChanged], /matches none/],
    ["six minutes old (replayed later)", () => [headers(sign(statusChanged, SECRET, "msg_2Lh9", String(Number(NOW_SECONDS) - 360)), { timestamp: String(Number(NOW_SECONDS) - 360) }), statusChanged], /stale: its webhook-timestamp is 6 min old \(at most 5 min accepted\)/],
    ["six minutes in the future", () => [headers(sign(statusChanged, SECRET, "msg_2Lh9", String(Number(NOW_SECONDS) + 360)), { timestamp: String(Number(NOW_SECONDS) + 360) }), statusChanged], /6 min in the future/],
    ["no signature header", () => [headers(undefined), statusChanged], /header is missing/],
    ["a signature of another scheme", () => [headers("v1a,abcd"), statusChanged], /holds no v1 signature/],
    ["a secret that is not whsec_<base64>", () => [headers(sign()), statusChanged, ["whsec_***not base64***"]], /not whsec_<base64>/],
  ];
  it.each(cases)("%s", (_name, build, expected) => {
    const [sent, body, secrets] = build();
    const verdict = source(secrets ? { webhookSecrets: secrets } : {}).verifyWebhook(sent, body, NOW);
    if (expected instanceof RegExp) expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(expected) });
    else expect(verdict).toEqual({ ok: true, event: { ...expected, deliveryId: "msg_2Lh9" } });
  });

  it("the same webhook-id twice is a replay, refused the second time", () => {
    const io = source();
    expect(io.verifyWebhook(headers(sign()), statusChanged, NOW).ok).toBe(true);
    expect(io.verifyWebhook(headers(sign()), statusChanged, NOW)).toEqual({ ok: false, reason: "delivery msg_2Lh9 was already received (a replay or a retry)", duplicate: true });
  });

  const kinds: [string, Record<string, unknown>, { key: string | null; kind: string }][] = [
    ["a created incident is opened", { event_type: "public_incident.incident_created_v2", "public_incident.incident_created_v2": { id: "01X", reference: "INC-124", incident_status: { category: "triage" } } }, { key: "INC-124", kind: "opened" }],
    ["an update of a closed incident is resolved", { event_type: "public_incident.incident_updated_v2", "public_incident.incident_updated_v2": { id: "01X", reference: "INC-124", incident_status: { category: "closed" } } }, { key: "INC-124", kind: "resolved" }],
    ["a status change to live is an update", { event_type: "public_incident.incident_status_updated_v2", "public_incident.incident_status_updated_v2": { incident: { id: "01X", reference: "INC-124" }, new_status: { category: "live" } } }, { key: "INC-124", kind: "updated" }],
    ["a private incident carries only its id", { event_type: "private_incident.incident_updated_v2", "private_incident.incident_updated_v2": { id: "01FPRIVATE0000000000000000" } }, { key: "01FPRIVATE0000000000000000", kind: "updated" }],
    ["a follow-up names its incident", { event_type: "public_incident.follow_up_created_v2", "public_incident.follow_up_created_v2": { id: "01F", incident_id: "01X" } }, { key: "01X", kind: "other" }],
    ["an alert is about no incident", { event_type: "public_alert.alert_created_v1", "public_alert.alert_created_v1": { id: "01AL" } }, { key: null, kind: "other" }],
  ];
  it.each(kinds)("%s", (_name, payload, expected) => {
    const body = JSON.stringify(payload);
    expect(source().verifyWebhook(headers(sign(body)), body, NOW)).toEqual({ ok: true, event: { ...expected, deliveryId: "msg_2Lh9" } });
  });
});
