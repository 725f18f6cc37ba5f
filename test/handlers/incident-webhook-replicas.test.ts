import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RecentDeliveries } from "../../src/adapters/incidents/webhook.js";
import { connectRedis } from "../../src/adapters/redis/connection.js";
import { RedisDeliveryMemory } from "../../src/adapters/redis/delivery-memory.js";
import { incidentWebhookHandler, webhookVerifiers } from "../../src/handlers/incident-webhooks.js";
import { bundledTemplates } from "../../src/templates.js";
import { isolatedRedis, redisMissing, redisUrl } from "../support/redis.js";
import { request } from "./http-client.js";

const SECRET = "pd-secret-replicas";
const ENV = { PAGERDUTY_WEBHOOK_SECRETS: SECRET };
const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A PagerDuty "incident.resolved" delivery signed with `secret`. */
function delivery(id: string, secret = SECRET) {
  const body = JSON.stringify({ event: { id: `evt-${id}`, event_type: "incident.resolved", occurred_at: new Date().toISOString(), data: { id: "PT4KHLK", type: "incident", title: "db down" } } });
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return { body, headers: { "content-type": "application/json", "x-webhook-id": id, "x-pagerduty-signature": `v1=${signature}` } };
}

const servers: http.Server[] = [];
const connections: Redis[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  for (const c of connections.splice(0)) c.disconnect();
});

/** One replica's incident webhook route: its own verifiers and replay memory, the Redis delivery memory shared. */
async function replica(shared: RedisDeliveryMemory, resolved: string[]): Promise<number> {
  const handler = incidentWebhookHandler({
    verifiers: webhookVerifiers(ENV, new RecentDeliveries()),
    onResolved: (source, key) => resolved.push(`${source}:${key}`),
    log: silent,
    messages: bundledTemplates().http,
    now: Date.now,
    deliveries: shared,
  });
  const server = http.createServer((req, res) => void handler(req, res, new URL(req.url ?? "/", "http://x").pathname));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(!redisUrl)(`incident webhooks across replicas (real Redis) ${redisUrl ? "" : `(SKIPPED: ${redisMissing})`}`, () => {
  it("answers 200 on the second replica to a delivery the first accepted, acts once, and still checks the signature first", async () => {
    const settings = isolatedRedis("incident-webhooks");
    const redis = connectRedis(settings.url, "commands");
    connections.push(redis);
    const shared = new RedisDeliveryMemory(redis, settings.prefix);
    const resolved: string[] = [];
    const [first, second] = [await replica(shared, resolved), await replica(shared, resolved)];
    const id = randomUUID();
    const post = (port: number, d: ReturnType<typeof delivery>) => request(port, { path: "/driftback/incidents/pagerduty", headers: d.headers, body: d.body });

    // a forged copy under the same id is refused as forged, and does not use up the id
    expect((await post(second, delivery(id, "wrong-secret"))).status).toBe(401);
    expect((await post(first, delivery(id))).status).toBe(202);
    const retried = await post(second, delivery(id));
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.body)).toEqual({ accepted: false, duplicate: true });
    expect(resolved).toEqual(["pagerduty:PT4KHLK"]);

    expect((await post(second, delivery(randomUUID()))).status).toBe(202); // another delivery is new to both
    expect(resolved).toHaveLength(2);
  });
});
