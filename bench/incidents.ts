import { performance } from "node:perf_hooks";
import { IncidentIndex } from "../src/core/incidents/incident-index.js";
import { correlate, type CorrelationIncident, type DriftForCorrelation } from "../src/core/incidents/index.js";

const DRIFTS = 1_000;
const INCIDENTS = 10_000;
const ROUNDS = 5;
const WARM_UP = 2;
const GOAL_MS = 1_000;
const DAYS = 60;
const START = Date.parse("2024-03-01T00:00:00Z");
const HOUR = 3_600_000;

/** A small seeded generator (mulberry32), so every run correlates the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENTENCES = [
  "Customers reported errors at checkout and the error rate on the load balancer rose above five percent.",
  "The on-call engineer was paged by the latency alert and joined the bridge within ten minutes.",
  "Rolled back the last release of the payments service; the error rate did not recover.",
  "Database connections were exhausted; raised the pool size by hand while the vendor investigated.",
  "Opened the security group to the support office so the team could reach the admin console.",
  "Scaled the worker group up manually to drain the queue backlog before the morning peak.",
  "Status page updated: degraded performance for European customers, mitigation in progress.",
  "Root cause points at a certificate that expired on an internal endpoint used by the API gateway.",
  "Follow-up: codify the manual change and add an alert on queue depth for the worker pool.",
  "Timeline: detection, escalation to the database team, mitigation by failover to the replica.",
];
const SERVICES = ["shop", "payments", "search", "auth", "billing", "catalog", "mail", "api", "queue", "cdn"];

interface Resource {
  workspace: string;
  address: string;
  id: string;
  arn: string;
  name: string;
}

function resources(rand: () => number): Resource[] {
  return Array.from({ length: DRIFTS }, (_, n) => {
    const id = `sg-${Math.floor(rand() * 2 ** 40).toString(16).padStart(10, "0")}`;
    return {
      workspace: `ws-${n % 20}`,
      address: `module.net_${n % 50}.aws_security_group.rule_${n}`,
      id,
      arn: `arn:aws:ec2:eu-west-1:123456789012:security-group/${id}`,
      name: `svc-${n}-web`,
    };
  });
}

/** About 500 characters of incident prose each; one in twenty names a drifted resource, its ARN or a new CIDR. */
function incidents(rand: () => number, targets: readonly Resource[]): CorrelationIncident[] {
  return Array.from({ length: INCIDENTS }, (_, n) => {
    const opened = START + Math.floor(rand() * DAYS * 24 * HOUR);
    const open = rand() < 0.1;
    const parts: string[] = [];
    while (parts.join(" ").length < 480) parts.push(SENTENCES[Math.floor(rand() * SENTENCES.length)]!);
    if (rand() < 0.05) {
      const target = targets[Math.floor(rand() * targets.length)]!;
      const mention = [target.id, target.arn, target.name, target.address, `10.${n % 250}.0.0/24`][Math.floor(rand() * 5)]!;
      parts.splice(1, 0, `Changed ${mention} by hand during the incident.`);
    }
    return {
      key: `INC-${n + 1}`,
      title: `Incident ${n + 1}: ${SERVICES[n % SERVICES.length]} degraded`,
      url: `https://incidents.example.com/INC-${n + 1}`,
      status: open ? "open" : "resolved",
      openedAt: new Date(opened).toISOString(),
      resolvedAt: open ? null : new Date(opened + Math.floor((0.2 + rand() * 6) * HOUR)).toISOString(),
      text: parts.join(" "),
      service: SERVICES[n % SERVICES.length]!,
    };
  });
}

function drifts(rand: () => number, targets: readonly Resource[]): DriftForCorrelation[] {
  return targets.map((target, n) => {
    const firstSeen = START + Math.floor(rand() * DAYS * 24 * HOUR);
    const hourly = rand() < 0.8;
    return {
      fingerprint: n.toString(16).padStart(16, "0"),
      workspace: target.workspace,
      address: target.address,
      identities: [target.id, target.arn, target.name],
      attribute: "ingress[0].cidr_blocks",
      newValues: [`10.${n % 250}.0.0/24`, "0.0.0.0/0"],
      sensitive: false,
      tags: rand() < 0.05 ? [{ source: "tag", key: "incident", value: `INC-${1 + Math.floor(rand() * INCIDENTS)}` }] : [{ source: "tag", key: "Owner", value: "team-net" }],
      lastClean: new Date(firstSeen - (hourly ? HOUR : 24 * HOUR)).toISOString(),
      firstSeen: new Date(firstSeen).toISOString(),
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Correlates 1,000 drift items against 10,000 incidents (the index is built inside each call, as in a scan). */
export function benchIncidents(): { medianMs: number } {
  const rand = random(9);
  const targets = resources(rand);
  const incidentList = incidents(rand, targets);
  const driftList = drifts(rand, targets);
  const services = Object.fromEntries(SERVICES.map((service, n) => [service, [`ws-${n}`, `ws-${n + 10}`]]));
  const times: number[] = [];
  const indexTimes: number[] = [];
  let linked = 0;
  for (let round = 0; round < WARM_UP + ROUNDS; round++) {
    let start = performance.now();
    const results = correlate(driftList, incidentList, { services });
    const elapsed = performance.now() - start;
    // the index alone (correlate builds its own inside): how much of the time is reading the incidents
    start = performance.now();
    new IncidentIndex(incidentList).forEachOpenDuring({ start: START, end: START + 1 }, 0, () => undefined);
    const indexing = performance.now() - start;
    if (round >= WARM_UP) {
      times.push(elapsed);
      indexTimes.push(indexing);
    }
    linked = results.filter((r) => r.incident).length;
  }
  const medianMs = median(times);
  const textMb = incidentList.reduce((sum, i) => sum + i.text.length + i.title.length, 0) / 1e6;
  console.log(`incident correlation: ${DRIFTS} drift items x ${INCIDENTS} incidents (${textMb.toFixed(1)} MB of incident text), ${linked} linked`);
  console.log(`  correlate   ${medianMs.toFixed(0)} ms (median of ${ROUNDS} after ${WARM_UP} warm-up)  (goal <= ${GOAL_MS} ms) ${medianMs <= GOAL_MS ? "OK" : "OVER GOAL"}`);
  console.log(`  of which indexing the incidents about ${median(indexTimes).toFixed(0)} ms (median, measured apart)`);
  console.log(`  peak RSS    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  return { medianMs };
}
