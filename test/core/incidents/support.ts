import type { CorrelationIncident, DriftForCorrelation } from "../../../src/core/incidents/index.js";

/** A day of times: `at("04:00")` -> "2024-05-01T04:00:00Z". */
export const at = (clock: string, day = "2024-05-01") => `${day}T${clock}:00Z`;
export const ms = (clock: string, day = "2024-05-01") => Date.parse(at(clock, day));

/** An incident resolved 02:10–03:40 that mentions nothing, unless told otherwise. */
export function incident(key: string, fields: Partial<CorrelationIncident> = {}): CorrelationIncident {
  return {
    key,
    title: `${key}: checkout errors`,
    url: `https://incidents.example.com/${key}`,
    status: fields.resolvedAt === null ? "open" : "resolved",
    openedAt: at("02:10"),
    resolvedAt: at("03:40"),
    text: "Customers saw errors at checkout. Rolled back the release.",
    ...fields,
  };
}

/**
 * A security-group drift in prod, first seen 04:00 after a clean scan at 01:00: live id sg-0abc,
 * new CIDR 10.20.30.0/24, no tags.
 */
export function drift(fields: Partial<DriftForCorrelation> = {}): DriftForCorrelation {
  return {
    fingerprint: "0123456789abcdef",
    workspace: "prod",
    address: "aws_security_group.web",
    identities: ["sg-0abc"],
    attribute: "ingress[0].cidr_blocks",
    newValues: ["10.20.30.0/24"],
    sensitive: false,
    tags: [],
    lastClean: at("01:00"),
    firstSeen: at("04:00"),
    ...fields,
  };
}
