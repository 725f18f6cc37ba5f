import { z } from "zod";
import { escapeForOneLine } from "../../core/printable.js";
import type { Incident, IncidentSource, IncidentWindow } from "../../ports.js";
import { readLocalTextFile } from "../local-file.js";

/** An incidents file is a list a person wrote or exported; anything larger is not one. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const isoTime = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)), { message: "must be an ISO 8601 time such as 2024-05-01T02:10:00Z" });

/** driftback's neutral incident shape (issue 9 §8), as `driftback incidents --since` prints it. */
export const neutralIncidentSchema = z
  .strictObject({
    key: z.string().trim().min(1, { message: "must be a non-empty string" }).max(500),
    title: z.string().max(2000),
    url: z.string().max(2000),
    status: z.enum(["open", "resolved"], { message: 'must be "open" or "resolved"' }),
    opened_at: isoTime,
    resolved_at: isoTime.nullable(),
    text: z.string().default(""),
    service: z.string().min(1).optional(),
    /** Where `driftback incidents` got it; informative only. */
    source: z.enum(["github", "pagerduty", "jira", "incident_io"]).optional(),
  })
  .refine((incident) => incident.resolved_at === null || Date.parse(incident.resolved_at) >= Date.parse(incident.opened_at), { message: "must not be before opened_at", path: ["resolved_at"] });

export type NeutralIncident = z.input<typeof neutralIncidentSchema>;

/** A bad incidents file: one line naming the file and the field. */
export class IncidentsFileError extends Error {
  override readonly name = "IncidentsFileError";
}

/**
 * Incidents from a JSON file in the neutral shape (`--incidents-from`): an in-memory source for
 * offline correlation. It cannot write a follow-up or take webhooks.
 */
export class FileIncidentSource implements IncidentSource {
  readonly name = "github" as const;

  constructor(private readonly incidents: readonly Incident[]) {}

  async listIncidents(window: IncidentWindow): Promise<Incident[]> {
    const since = window.since.getTime();
    const until = window.until.getTime();
    return this.incidents.filter((i) => Date.parse(i.openedAt) <= until && (i.resolvedAt === null || Date.parse(i.resolvedAt) >= since));
  }

  async getIncident(key: string): Promise<Incident | undefined> {
    return this.incidents.find((i) => i.key === key || i.url === key);
  }

  async upsertFollowUp(): Promise<{ written: false; outcome: "unsupported"; reason: string }> {
    return { written: false, outcome: "unsupported", reason: "incidents read from a file take no follow-up" };
  }

  verifyWebhook(): { ok: false; reason: string } {
    return { ok: false, reason: "incidents read from a file take no webhooks" };
  }
}

/** Reads and checks an incidents file; the first problem ends it with one line naming the file and the field. */
export async function readIncidentsFile(file: string, label = "--incidents-from"): Promise<Incident[]> {
  const shown = `${label} ${escapeForOneLine(file)}`;
  const text = await readLocalTextFile(file, { label, displayName: file, maxBytes: MAX_FILE_BYTES, tooLargeAdvice: "give only the incidents of the drift window" });
  return parseIncidents(text, shown);
}

/** The neutral shape's JSON text -> incidents; `shown` names the file in errors. */
export function parseIncidents(text: string, shown: string): Incident[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new IncidentsFileError(`${shown} is not JSON: give a JSON array of incidents (key, title, url, status, opened_at, resolved_at, text, service)`);
  }
  if (!Array.isArray(raw)) throw new IncidentsFileError(`${shown} must hold a JSON array of incidents, not ${raw === null ? "null" : typeof raw}`);
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const parsed = neutralIncidentSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? `.${issue.path.map(String).join(".")}` : "";
      const message = issue.code === "unrecognized_keys" ? `has unknown field ${escapeForOneLine(issue.keys.join(", ")).slice(0, 80)} (known: key, title, url, status, opened_at, resolved_at, text, service)` : issue.code === "invalid_type" && issue.input === undefined ? "is missing" : escapeForOneLine(issue.message);
      throw new IncidentsFileError(`${shown}: [${index}]${field} ${message}`);
    }
    const i = parsed.data;
    if (seen.has(i.key)) throw new IncidentsFileError(`${shown}: [${index}].key ${escapeForOneLine(i.key).slice(0, 80)} appears twice; each incident once`);
    seen.add(i.key);
    return { key: i.key, title: i.title, url: i.url, status: i.status, openedAt: i.opened_at, resolvedAt: i.resolved_at, text: i.text, ...(i.service ? { service: i.service } : {}), source: i.source ?? "github" };
  });
}

/** An incident in the neutral shape (for `driftback incidents`); `text` only when asked for (it can hold customer data). */
export function toNeutral(incident: Incident, withText: boolean): NeutralIncident & { source: Incident["source"] } {
  return {
    key: incident.key,
    title: incident.title,
    url: incident.url,
    status: incident.status,
    opened_at: incident.openedAt,
    resolved_at: incident.resolvedAt,
    ...(withText ? { text: incident.text } : {}),
    ...(incident.service ? { service: incident.service } : {}),
    source: incident.source,
  };
}
